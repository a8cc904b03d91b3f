import fs from 'node:fs/promises';
import path from 'node:path';
import * as Y from 'yjs';
import { userParts } from '@parley/schema';
import type { Logger } from '../log.ts';
import { SERVER_ORIGIN } from './hub.ts';

/**
 * Rule P5: a document that cannot load as it is stored is never locked out.
 * What was stored is kept aside for the operator (a file under
 * `<PARLEY_DATA_DIR>/quarantine/`), logged and counted, and the document is
 * rebuilt from what is valid: a user document loses its malformed entries
 * (its inbox is rebuilt from the index on load anyway), a conversation
 * document is built afresh from the index (E1).
 */
export class Quarantine {
  constructor(
    private readonly dir: string,
    private readonly log: Logger,
    private readonly counted: (kind: 'user' | 'conversation') => void,
  ) {}

  async keep(name: string, state: Uint8Array | Uint8Array[], reason: string): Promise<void> {
    const kind = name.startsWith('user:') ? 'user' : 'conversation';
    this.counted(kind);
    const file = path.join(this.dir, `${name.replace(/[^A-Za-z0-9_-]/g, '_')}.${Date.now()}.yjs`);
    try {
      await fs.mkdir(this.dir, { recursive: true });
      // A stored state that does not decode is kept as its raw updates, one after the other.
      await fs.writeFile(file, Buffer.concat(Array.isArray(state) ? state : [state]));
      this.log.warn({ document: name, file, reason }, 'document quarantined: its stored state is kept aside and it is rebuilt from what is valid');
    } catch (error) {
      this.log.error({ err: error, document: name, reason }, 'document quarantined, but its stored state could not be kept aside');
    }
  }
}

/** The key/value arrays of a user document, whose entries must be `{key: string, val: object}`. */
const keyed = (doc: Y.Doc) => {
  const parts = userParts(doc);
  return [parts.inbox, parts.drafts, parts.settings] as Y.Array<unknown>[];
};

const wellFormed = (entry: unknown) =>
  typeof entry === 'object' && entry !== null && typeof (entry as { key?: unknown }).key === 'string' && typeof (entry as { val?: unknown }).val === 'object' && (entry as { val?: unknown }).val !== null;

/** Malformed entries in a user document's key/value arrays (a `null` in the inbox, say). */
export function malformedEntries(doc: Y.Doc): number {
  let count = 0;
  for (const array of keyed(doc)) for (const entry of array) if (!wellFormed(entry)) count++;
  return count;
}

/** Deletes them, as the server. */
export function dropMalformed(doc: Y.Doc): void {
  doc.transact(() => {
    for (const array of keyed(doc)) {
      const entries = array.toArray();
      for (let i = entries.length - 1; i >= 0; i--) if (!wellFormed(entries[i])) array.delete(i, 1);
    }
  }, SERVER_ORIGIN);
}
