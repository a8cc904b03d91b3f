import * as Y from 'yjs';
import type { Extension, Connection } from '@hocuspocus/server';
import { Database as DatabaseExtension } from '@hocuspocus/extension-database';
import type { Kysely } from 'kysely';
import type { Database } from '@parley/schema/db';
import { encodeStateless, ParleyError, parseDocName, parseStateless, type DocRef } from '@parley/schema';
import type { AccessClaims, TokenService } from '../auth/tokens.ts';
import type { Logger } from '../log.ts';
import type { DocumentHub } from '../documents/hub.ts';
import type { OutboxProcessor } from '../outbox/processor.ts';
import type { Inbox } from '../inbox/inbox.ts';
import type { Presence } from '../presence/presence.ts';
import { currentMembers } from '../index/members.ts';
import type { Calls } from '../calls/calls.ts';
import { serverFault } from './outage.ts';
import type { TokenContext } from './expiry.ts';
import type { SocketGuard } from './sockets.ts';
import { dropMalformed, malformedEntries, type Quarantine } from '../documents/quarantine.ts';

export interface SyncContext extends TokenContext {
  /** Set on the server's own direct connections. */
  server?: boolean;
}

interface Deps {
  db: Kysely<Database>;
  tokens: TokenService;
  hub: DocumentHub;
  outbox: OutboxProcessor;
  inbox: Inbox;
  presence: Presence;
  calls: Calls;
  sockets: SocketGuard;
  quarantine: Quarantine;
  log: Logger;
}

/** Hocuspocus refuses a document with this reason; the SDK reads the code from it. */
function denied(code: ParleyError['code'], message: string) {
  return Object.assign(new Error(message), { reason: JSON.stringify({ code, message }) });
}

const isDenial = (error: unknown) => typeof (error as { reason?: unknown } | null)?.reason === 'string';

/**
 * Runs a hook whose refusals are coded: a refusal passes as it is, and a fault of
 * the server's own (the database or Redis is down) is refused UNAVAILABLE, which
 * the SDK retries, never as a bare permission-denied (docs/protocol.md, "Errors").
 */
async function coded<T>(log: Logger, hook: string, documentName: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isDenial(error)) throw error;
    const fault = serverFault(error);
    log.warn({ err: error, document: documentName, code: fault.code }, `${hook} failed; refused as retryable`);
    throw denied(fault.code, fault.message);
  }
}

/**
 * Snapshots go through @hocuspocus/extension-database (rule P1). A user
 * document is its stored state; a conversation document is checked against the
 * index and built afresh when it falls short (E3), so the hub applies it itself.
 */
export function persistenceExtension(hub: DocumentHub, log: Logger): DatabaseExtension {
  return new DatabaseExtension({
    async fetch({ document, documentName }) {
      return coded(log, 'load', documentName, async () => {
        const ref = parseDocName(documentName);
        if (ref?.kind !== 'conversation') return hub.loadStored(documentName);
        await hub.loadConversation(document, documentName, ref.id);
        return null;
      });
    },
    async store({ document }) {
      await hub.store(document);
    },
  });
}

/**
 * The sync edge (docs/protocol.md, A1–A4, D1, R1–R3): who may open which
 * document, read-only conversation documents, outbox watching, ping and
 * presence. Awareness and the other bounds are bounds.ts's.
 */
export function parleyExtension(deps: Deps): Extension<SyncContext> {
  const { db, tokens, hub, outbox, inbox, presence, log } = deps;
  const unwatch = new Map<string, () => void>();

  return {
    extensionName: 'parley',

    async onAuthenticate({ token, documentName, connectionConfig, request }) {
      return coded(log, 'onAuthenticate', documentName, async () => {
        const { userId, expiresAt, sessionId } = await claimsOf(tokens, token);
        const ref = parseDocName(documentName);
        if (!ref) throw denied('NOT_FOUND', 'no such document');
        await authorize(db, userId, ref);
        // Rule E2: a copy that merged two epochs is not handed out while it unloads; the retry gets the newest epoch.
        if (hub.isDropped(documentName)) throw denied('UNAVAILABLE', 'the document is being reloaded; try again shortly');
        // Rule D1: nobody but the server writes a conversation document.
        if (ref.kind === 'conversation') connectionConfig.readOnly = true;
        deps.sockets.authenticated(request);
        // Rule A5: the connection lives as long as this token, or a fresh one sent on it.
        return { userId, expiresAt, sessionId };
      });
    },

    /**
     * Rule A1: a fresh token sent on an open connection (the SDK's updateAccessToken)
     * must be valid and name the same user, or the connection is closed. A valid
     * one extends the connection's life to its own expiry (A5).
     */
    async onTokenSync({ token, context, documentName }) {
      await coded(log, 'onTokenSync', documentName, async () => {
        const claims = await claimsOf(tokens, token);
        if (claims.userId !== context.userId) throw denied('FORBIDDEN', 'a token for another user');
        // The connection holds this very object: changed in place, not through hook additions.
        context.expiresAt = claims.expiresAt;
        context.sessionId = claims.sessionId;
      });
    },

    async afterLoadDocument({ document, documentName }) {
      const ref = parseDocName(documentName);
      // Rules P2 and P4: both kinds of document log their updates.
      if (ref) hub.track(document);
      if (ref?.kind === 'user') {
        // Rule P5: a malformed entry (a `null` in the inbox) would stop every load from here on.
        const malformed = malformedEntries(document);
        if (malformed > 0) {
          await deps.quarantine.keep(documentName, Y.encodeStateAsUpdate(document), `${malformed} malformed key/value entries`);
          dropMalformed(document);
        }
        await inbox.rebuild(ref.id, document);
        unwatch.set(documentName, outbox.watch(document, ref.id, () => hub.flush(documentName)));
      }
    },

    async afterUnloadDocument({ documentName }) {
      hub.forget(documentName);
      unwatch.get(documentName)?.();
      unwatch.delete(documentName);
    },

    async connected({ documentName, connection, context }) {
      if (!context.userId || !documentName.startsWith('user:')) return;
      await presence.connected(context.userId, connection as Connection);
      deps.calls.connected(context.userId, (text) => connection.sendStateless(text));
    },

    async onDisconnect({ documentName, context }) {
      if (context?.userId && documentName.startsWith('user:')) presence.disconnected(context.userId);
    },

    async onStateless({ payload, connection, documentName }) {
      if (!documentName.startsWith('user:')) return;
      const message = parseStateless(payload);
      if (message?.type === 'ping') connection.sendStateless(encodeStateless({ type: 'pong', t: message.t }));
      // Rules K1–K9: call steps go to the call flow, its refusals back to this connection.
      const userId = (connection.context as SyncContext).userId;
      if (deps.calls.handles(message) && userId) await deps.calls.step(userId, message, (text) => connection.sendStateless(text));
    },

    async onDestroy() {
      for (const stop of unwatch.values()) stop();
      unwatch.clear();
      log.debug('sync extension destroyed');
    },
  };
}

/** The claims of a token, or a refusal with the token's code; any other failure is the server's own (coded() answers it). */
async function claimsOf(tokens: TokenService, token: string): Promise<AccessClaims> {
  try {
    return await tokens.verifyAccessClaims(token);
  } catch (error) {
    if (error instanceof ParleyError) throw denied(error.code, error.message);
    throw error;
  }
}

async function authorize(db: Kysely<Database>, userId: string, ref: DocRef) {
  if (ref.kind === 'user') {
    if (ref.id !== userId) throw denied('FORBIDDEN', 'a user document opens for its owner only');
    return;
  }
  const member = await currentMembers(db, ref.id).select('mb.role').where('mb.user_id', '=', userId).executeTakeFirst();
  if (!member) throw denied('NOT_A_MEMBER', 'you are not a member of this conversation');
}
