import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { conversationDocName, conversationParts, ParleyError, type ErrorCode } from '@parley/schema';
import { startTestServer, type TestServer } from '../../sync-server/test/harness.ts';
import { memoryStorage, type ClientStorage, type ParleyClient } from '../src/sdk/index.ts';
import { account, client, direct, until } from './helpers.ts';

let server: TestServer | null = null;
const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  await server?.stop();
});
const track = (c: ParleyClient) => (cleanup.push(() => c.destroy()), c);

describe('epochs, storage failures, tokens', () => {
  it('E2: a stale epoch drops the local copy and reloads it; no message shows twice, pending sends survive', async () => {
    server = await startTestServer();
    const [a, b] = [await account(server.url, 'alice'), await account(server.url, 'bob')];
    const alice = track(client(server.url, a));
    await alice.connect();
    const conv = await direct(alice, b);
    const room = await alice.openConversation(conv.id);
    const first = await alice.sendMessage({ conversationId: conv.id, text: 'before the cut' });
    await first.confirmed;
    await until(() => room.messages().some((m) => m.id === first.messageId && m.status === 'sent'), 'the first message');
    let resets = 0;
    room.on('reset', () => resets++);

    // What a client holds after the server lost state: an older epoch with its own copy of a message.
    const old = new Y.Doc();
    const parts = conversationParts(old);
    const seen = room.messages().find((m) => m.id === first.messageId)!;
    parts.epoch.push([-1]);
    parts.messages.push([{ id: seen.id, seq: seen.seq!, v: 1, senderId: seen.senderId, kind: 'text', text: seen.text, createdAt: seen.createdAt }]);
    Y.applyUpdate(room.synced.doc, Y.encodeStateAsUpdate(old));
    const pending = await alice.sendMessage({ conversationId: conv.id, text: 'during the cut' });

    await until(() => resets === 1, 'the reset');
    await until(() => room.messages().some((m) => m.id === pending.messageId && m.status === 'sent'), 'the pending send to land');
    const ids = room.messages().map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => id === first.messageId)).toHaveLength(1);
    expect(conversationParts(room.synced.doc).epoch.toArray()).not.toContain(-1);
  });

  it('SDK-A7: a document the server closes alone, on a socket that stays open, authenticates again and keeps receiving', async () => {
    server = await startTestServer();
    const [a, b] = [await account(server.url, 'alice'), await account(server.url, 'bob')];
    const alice = track(client(server.url, a));
    const bob = track(client(server.url, b));
    await Promise.all([alice.connect(), bob.connect()]);
    const conv = await direct(alice, b);
    const room = await alice.openConversation(conv.id);
    await until(() => room.synced.synced, 'the conversation synced');
    // A CLOSE frame for this one document: Hocuspocus leaves the provider unauthenticated, the socket open.
    server.sync.server.hocuspocus.closeConnections(conversationDocName(conv.id));
    await until(() => !room.synced.synced, 'the document closed');
    expect(alice.getConnectionState()).toBe('connected');
    const later = await bob.sendMessage({ conversationId: conv.id, text: 'after the close' });
    await later.confirmed;
    await until(() => room.messages().some((m) => m.id === later.messageId), 'a message sent after the close');
    expect(room.synced.synced).toBe(true);
  });

  it('SDK-S3: storage failures are reported as STORAGE_FAILED, not swallowed', async () => {
    const base = memoryStorage();
    const failing: ClientStorage = {
      ...base,
      persistDoc: (name, doc, onError) => {
        const p = base.persistDoc(name, doc, onError);
        doc.on('update', () => onError(new ParleyError('STORAGE_FAILED', 'could not write (storage quota exceeded)')));
        return p;
      },
      set: async () => {
        throw new ParleyError('STORAGE_FAILED', 'could not write (storage quota exceeded)');
      },
    };
    const a = { token: 't', refreshToken: 'r', expiresAt: 0, user: { id: 'u1', username: 'u', displayName: 'u' } };
    const c = track(client('http://127.0.0.1:9', a, { storage: failing }));
    const codes: ErrorCode[] = [];
    c.on('error', (e) => codes.push(e.code));
    await c.connect();
    await c.sendMessage({ conversationId: 'c1', text: 'hello' });
    await until(() => codes.includes('STORAGE_FAILED'), 'a STORAGE_FAILED error');
  });

  it('SDK-A1: a bad token → authFailed; updateAccessToken re-authenticates without a new socket', async () => {
    server ??= await startTestServer();
    const a = await account(server.url, 'alice');
    const c = track(client(server.url, { ...a, token: 'not-a-token' }));
    const failures: string[] = [];
    let connects = 0;
    c.on('authFailed', (e) => failures.push(e.code));
    c.on('connected', () => connects++);
    await c.connect();
    await until(() => failures.length > 0, 'authFailed');
    expect(failures[0]).toMatch(/AUTH_FAILED|TOKEN_EXPIRED/);
    c.updateAccessToken(a.token);
    await c.whenSynced(10_000);
    expect(connects).toBe(1);
  });

  it('SDK-CFG1: a bad config throws CONFIG_INVALID at construction', async () => {
    expect(() => client('not a url', { token: '', refreshToken: '', expiresAt: 0, user: { id: '', username: '', displayName: '' } })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});
