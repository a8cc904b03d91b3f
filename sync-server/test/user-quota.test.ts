import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { sql } from 'kysely';
import { userDocName, userParts } from '@parley/schema';
import { testDialects } from '@parley/schema/db/testing';
import { eachServer } from './harness.ts';
import { register, waitFor } from './clients.ts';
import { childServerPerTest } from './restarts.ts';
import { rawClient, type RawClient } from './raw.ts';

/** Issue 11, a user's own document is unbounded (rule B5): a quota, root keys, and updates bounded before decoding. */
const QUOTA = 1024 * 1024;
const UPDATE_MAX = 256 * 1024;

/** A draft of `bytes` characters as an update against `local`. */
function draft(local: Y.Doc, key: string, bytes: number): Uint8Array {
  const before = Y.encodeStateVector(local);
  userParts(local).drafts.push([{ key, val: { text: 'd'.repeat(bytes), updatedAt: Date.now() } }]);
  return Y.encodeStateAsUpdate(local, before);
}

async function opened(wsUrl: string, name: string, token: string): Promise<RawClient> {
  const client = await rawClient(wsUrl);
  client.auth(name, token);
  await client.authenticated(name);
  return client;
}

eachServer('user-document quota', (server) => {
  const loaded = (name: string) => server.sync.server.hocuspocus.documents.get(name);

  it('B5: an update writing a root key the protocol does not define is refused, and nothing of it is kept', async () => {
    const alice = await register(server.url, 'alice');
    const name = userDocName(alice.user.id);
    // A second device keeps the document loaded while the first is refused.
    const keeper = await opened(server.wsUrl, name, alice.token);
    const client = await opened(server.wsUrl, name, alice.token);
    const local = new Y.Doc();
    local.getMap('evil').set('payload', 'x'.repeat(1000));
    userParts(local).drafts.push([{ key: 'c1', val: { text: 'hidden beside it', updatedAt: 1 } }]);
    client.update(name, Y.encodeStateAsUpdate(local));
    expect(await client.documentClosed(name)).toBe('VALIDATION_FAILED');
    expect(loaded(name)?.share.has('evil')).toBe(false);
    expect(userParts(loaded(name)!).drafts.length).toBe(0);
    // The protocol's own keys still write.
    const again = await opened(server.wsUrl, name, alice.token);
    again.update(name, draft(new Y.Doc(), 'c2', 10));
    await waitFor(() => userParts(loaded(name)!).drafts.length === 1, 10_000, 'draft written');
    for (const c of [client, again, keeper]) c.close();
  });

  it('B5: an update larger than the limit is refused before it is decoded', async () => {
    const alice = await register(server.url, 'alice');
    const name = userDocName(alice.user.id);
    const keeper = await opened(server.wsUrl, name, alice.token);
    const client = await opened(server.wsUrl, name, alice.token);
    client.update(name, draft(new Y.Doc(), 'big', UPDATE_MAX + 1024));
    expect(await client.documentClosed(name)).toBe('PAYLOAD_TOO_LARGE');
    expect(userParts(loaded(name)!).drafts.length).toBe(0);
    for (const c of [client, keeper]) c.close();
  });

  it('B5: repeated updates stop at the quota, in memory and in the store', async () => {
    const alice = await register(server.url, 'alice');
    const name = userDocName(alice.user.id);
    const local = new Y.Doc();
    let accepted = 0;
    let refused = '';
    // 200 KB at a time, as long as the server takes them: 2 MB offered against a 1 MB quota.
    for (let i = 0; i < 10 && !refused; i++) {
      const client = await opened(server.wsUrl, name, alice.token);
      client.update(name, draft(local, `d${i}`, 200 * 1024));
      const outcome = await Promise.race([client.documentClosed(name, 3000).catch(() => ''), waitFor(() => client.received.some((m) => m.type === 8), 3000, 'ack').then(() => '')]);
      if (outcome) refused = outcome;
      else accepted++;
      client.close();
    }
    expect(refused).toBe('PAYLOAD_TOO_LARGE');
    expect(accepted).toBeGreaterThanOrEqual(3);
    expect(accepted).toBeLessThanOrEqual(5);
    const document = loaded(name);
    if (document) expect(Y.encodeStateAsUpdate(document).byteLength).toBeLessThanOrEqual(QUOTA);
    await waitFor(() => loaded(name) === undefined, 20_000, 'document unloaded');
    const db = server.services.store.db;
    const snapshot = await db.selectFrom('documents').select('data').where('name', '=', name).executeTakeFirst();
    const log = await db.selectFrom('document_updates').select(sql<number>`sum(length(data))`.as('bytes')).where('name', '=', name).executeTakeFirst();
    expect((snapshot?.data.byteLength ?? 0) + Number(log?.bytes ?? 0)).toBeLessThanOrEqual(QUOTA);
  }, 60_000);
}, { config: { bounds: { userDocumentMaxBytes: QUOTA, updateMaxBytes: UPDATE_MAX } } });

/**
 * On MySQL a user document past 16 MB could not be stored (max_allowed_packet),
 * stayed in memory, and SIGTERM hung. With the default quota (4 MB) the writes
 * past it are refused, the document is stored, and the server stops.
 */
if (testDialects().includes('mysql')) {
  const child = childServerPerTest('mysql');
  it('B5 [mysql]: 18 MB of drafts offered, the document stays storable and SIGTERM ends the server', async () => {
    const { alice } = await child.start();
    const name = userDocName(alice.user.id);
    const local = new Y.Doc();
    let refused = '';
    for (let i = 0; i < 12 && !refused; i++) {
      const client = await opened(child.child.wsUrl, name, alice.token);
      client.update(name, draft(local, `d${i}`, 1.5 * 1024 * 1024));
      refused = await Promise.race([client.documentClosed(name, 5000).catch(() => ''), waitFor(() => client.received.some((m) => m.type === 8), 10_000, 'ack').then(() => '')]);
      client.close();
    }
    expect(refused).toBe('PAYLOAD_TOO_LARGE');
    const started = Date.now();
    const code = await Promise.race([child.child.kill('SIGTERM'), new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
    process.stdout.write(`SIGTERM took ${Date.now() - started} ms\n`);
    expect(code).toBe(0);
    // Everything the server accepted is in the store.
    const restarted = await child.restart(Number(new URL(child.child.url).port));
    const reader = await opened(restarted.wsUrl, name, alice.token);
    reader.syncStep1(name);
    await waitFor(() => reader.received.some((m) => m.type === 0 && m.bytes > 1024 * 1024), 10_000, 'the stored document');
    reader.close();
  }, 180_000);
}

