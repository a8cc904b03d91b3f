import { expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { userDocName } from '@parley/schema';
import { eachServer } from './harness.ts';
import { register } from './clients.ts';
import { rawClient } from './raw.ts';

const within = <T>(promise: Promise<T>, ms: number) => Promise.race([promise, new Promise<'still open'>((r) => setTimeout(() => r('still open'), ms))]);

eachServer('heartbeat', (server) => {
  it('B8: a socket that answers no ping is cut after two periods; one that answers stays open', async () => {
    const alice = await register(server.url, 'alice');
    const name = userDocName(alice.user.id);
    const answering = await rawClient(server.wsUrl);
    answering.auth(name, alice.token);
    await answering.authenticated(name);

    const silent = new WebSocket(server.wsUrl, { autoPong: false });
    silent.on('error', () => undefined);
    let pings = 0;
    silent.on('ping', () => pings++);
    const silentClosed = new Promise<number>((resolve) => silent.on('close', (code) => resolve(code)));
    await new Promise((resolve) => silent.once('open', resolve));
    const opened = Date.now();

    // Cut without a close frame (1006 on this side), at the second beat after its ping.
    expect(await within(silentClosed, 5000)).toBe(1006);
    expect(pings).toBe(1);
    expect(Date.now() - opened).toBeGreaterThanOrEqual(300);
    // Three more beats: the socket that answers its pings is kept.
    expect(await within(answering.closed, 1000)).toBe('still open');
    answering.close();
  });
}, { dialects: ['sqlite'], config: { bounds: { heartbeatMs: 300, authDeadlineMs: 60_000 } } });
