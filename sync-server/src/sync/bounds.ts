import type { Extension, Connection } from '@hocuspocus/server';
import { CLOSE, parseDocName, USER_DOCUMENT_KEYS } from '@parley/schema';
import type { BoundsConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { boundAwareness } from './awareness.ts';
import { TokenWatch, type TokenContext } from './expiry.ts';
import { Bucket, FRAME, frameHead, SYNC_STEP } from './frames.ts';
import { DocumentQuota, foreignRootKey } from './quota.ts';
import type { SocketGuard } from './sockets.ts';

/** Hocuspocus closes the document connection with an error's `code` and `reason` when a hook throws it. */
function refusal(event: { code: number; reason: string }, message: string) {
  return Object.assign(new Error(message), event);
}

/**
 * The bounds of docs/protocol.md, B2–B5, checked on every frame before
 * Hocuspocus decodes it, and the token watch of A5: sync requests are
 * throttled per document connection, updates are bounded by length before
 * decoding, a user document keeps to its quota and its root keys, awareness
 * keeps to one bounded state per connection.
 */
export function boundsExtension(deps: { bounds: BoundsConfig; sockets: SocketGuard; tokens: TokenWatch; refused: (reason: string) => void; log: Logger }): Extension {
  const { bounds, sockets, tokens, refused, log } = deps;
  const quota = new DocumentQuota(bounds.userDocumentMaxBytes);
  const syncRequests = new WeakMap<Connection, Bucket>();

  const refuse = (reason: string, event: { code: number; reason: string }, message: string, documentName: string) => {
    refused(reason);
    log.warn({ document: documentName, reason }, `frame refused: ${message}`);
    return refusal(event, message);
  };

  return {
    extensionName: 'parley-bounds',

    async afterLoadDocument({ document, documentName }) {
      if (parseDocName(documentName)?.kind === 'user') quota.track(document);
    },

    async connected({ connection }) {
      tokens.watch(connection as Connection);
    },

    async beforeHandleMessage({ connection, document, update, documentName }) {
      // A socket closed as a slow reader handles nothing more of what it sent (a normal close still does).
      if (sockets.isShed(connection.webSocket)) throw refusal(CLOSE.slowReader, 'the socket was closed as a slow reader');
      const head = frameHead(update);
      if (!head) return;
      if (head.type === FRAME.awareness) {
        if (head.payloadBytes > 2 * bounds.awarenessStateMaxBytes) throw refuse('awareness_size', CLOSE.tooLarge, 'awareness update too large', documentName);
        return;
      }
      if (head.step === null) return;
      if (head.payloadBytes > bounds.updateMaxBytes) throw refuse('update_size', CLOSE.tooLarge, `update of ${head.payloadBytes} bytes`, documentName);
      if (head.step === SYNC_STEP.step1) {
        let bucket = syncRequests.get(connection);
        if (!bucket) syncRequests.set(connection, (bucket = new Bucket(bounds.syncRequestBurst, bounds.syncRequestIntervalMs)));
        if (!bucket.take()) {
          sockets.shed(connection.webSocket);
          throw refuse('sync_throttled', CLOSE.slowReader, 'too many sync requests', documentName);
        }
        return;
      }
      if (parseDocName(documentName)?.kind !== 'user') return;
      if (!quota.admits(document, head.payloadBytes)) throw refuse('user_document_quota', CLOSE.tooLarge, 'the user document is full', documentName);
      let foreign: string | null;
      try {
        foreign = foreignRootKey(update.subarray(head.payloadOffset, head.payloadOffset + head.payloadBytes), USER_DOCUMENT_KEYS);
      } catch {
        throw refuse('undecodable_update', CLOSE.invalidUpdate, 'an update that cannot be decoded', documentName);
      }
      if (foreign !== null) throw refuse('unknown_root_key', CLOSE.invalidUpdate, `an update to the unknown root key ${JSON.stringify(foreign.slice(0, 64))}`, documentName);
    },

    async beforeHandleAwareness({ states, connection, document, context }) {
      // Awareness from Redis (another instance) was bounded where it came in.
      const userId = (context as TokenContext | undefined)?.userId;
      if (!connection || !userId) return;
      for (const reason of boundAwareness(states as Map<number, unknown>, { document, connection, userId }, bounds)) refused(reason);
    },
  };
}
