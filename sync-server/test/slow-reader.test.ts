import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { userDocName, userParts } from '@parley/schema';
import { childServerPerTest } from './restarts.ts';
import { waitFor } from './clients.ts';
import { metric, peakRss, rawClient, rssOf } from './raw.ts';

/**
 * Issue 11, slow reader (rules B2, B3): a client asks for its own large user
 * document over and over and never reads the answers. Each answer is the whole
 * document; without a bound they pile up in the server's send buffers.
 * Measured on a child server's resident memory.
 */
const METRICS_TOKEN = 'slow-reader-metrics';
const DRAFT_BYTES = 1024 * 1024;
const DRAFTS = 3;
const REQUESTS = 100;

const server = childServerPerTest('sqlite');

it('B2, B3: a client that requests its 3 MB user document 100 times and never reads is closed; server memory stays flat', async () => {
  const { alice } = await server.start({ PARLEY_METRICS_TOKEN: METRICS_TOKEN });
  const child = server.child;
  const name = userDocName(alice.user.id);

  // Alice's user document grows to ~3 MB of drafts, within its quota.
  const writer = await rawClient(child.wsUrl);
  writer.auth(name, alice.token);
  await writer.authenticated(name);
  const local = new Y.Doc();
  for (let i = 0; i < DRAFTS; i++) {
    const before = Y.encodeStateVector(local);
    userParts(local).drafts.push([{ key: `draft-${i}`, val: { text: String(i).repeat(DRAFT_BYTES), updatedAt: Date.now() } }]);
    writer.update(name, Y.encodeStateAsUpdate(local, before));
  }
  // The server acknowledges each update with a sync status (type 8).
  await waitFor(() => writer.received.filter((m) => m.type === 8).length >= DRAFTS, 10_000, 'drafts stored');

  const attacker = await rawClient(child.wsUrl);
  attacker.auth(name, alice.token);
  await attacker.authenticated(name);
  const before = await rssOf(child.process.pid!);
  attacker.pause();
  for (let i = 0; i < REQUESTS; i++) attacker.syncStep1(name);
  const peak = await peakRss(child.process.pid!, 6000);
  const grownMb = (peak - before) / 1024 / 1024;
  process.stdout.write(`slow reader: rss before ${(before / 1024 / 1024).toFixed(0)} MB, peak ${(peak / 1024 / 1024).toFixed(0)} MB, grown ${grownMb.toFixed(0)} MB\n`);
  // Unbounded, each of the 100 answers (3 MB) waits in memory (measured: +81 MB for 60).
  expect(grownMb).toBeLessThan(60);

  // The socket was closed by the server; reading again lets the client see it end.
  attacker.ws.resume?.();
  (attacker.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  const closed = await Promise.race([attacker.closed, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
  expect(closed).not.toBeNull();
  expect(await metric(child.url, METRICS_TOKEN, 'parley_refusals_total', { reason: 'slow_reader' })).toBeGreaterThanOrEqual(1);

  // The owner's own client still opens the document.
  const owner = await rawClient(child.wsUrl);
  owner.auth(name, alice.token);
  await owner.authenticated(name);
  for (const c of [writer, owner]) c.close();
}, 120_000);

