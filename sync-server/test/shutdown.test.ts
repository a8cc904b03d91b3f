import { describe, expect, it } from 'vitest';
import { childServerPerTest } from './restarts.ts';
import { connect } from './clients.ts';

/**
 * A SIGTERM closes the clients' sockets, so the process stores its documents
 * and exits at once instead of waiting for every client to notice its
 * documents were closed under an open socket. The chaos suite saw a SIGTERM
 * take 20 s, as long as its clients' heartbeat took to give up.
 */
describe('shutdown [sqlite]', () => {
  const server = childServerPerTest('sqlite');

  it('SIGTERM with clients connected exits promptly and closes their sockets', async () => {
    const { alice, bob, conversationId } = await server.start();
    const clients = [await connect(server.child.wsUrl, alice), await connect(server.child.wsUrl, bob)];
    server.clients.push(...clients);
    await Promise.all(clients.map((c) => c.open(conversationId)));
    const closed = clients.map((c) => new Promise<number | undefined>((resolve) => c.socket.on('close', ({ event }: { event: { code?: number } }) => resolve(event?.code))));
    // These clients have no heartbeat: only the server can end their sockets.
    const exit = server.child.kill('SIGTERM');
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref());
    expect(await Promise.race([exit, timeout])).toBe(0);
    expect(await Promise.all(closed)).toEqual([1012, 1012]);
  }, 30_000);
});
