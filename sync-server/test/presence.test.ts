import { expect, it } from 'vitest';
import { eachServer } from './harness.ts';
import { api, connect, directConversation, register, waitFor, type SyncClient } from './clients.ts';

/** R1, R2: presence and ping travel as stateless messages on the user document. */
function statelessLog(client: SyncClient) {
  const seen: Array<Record<string, unknown>> = [];
  client.user.provider.on('stateless', ({ payload }: { payload: string }) => seen.push(JSON.parse(payload)));
  return seen;
}

eachServer('presence', (server) => {

  it('R1: people who share a conversation see each other come online and go offline', async () => {
    const [alice, bob, stranger] = [await register(server.url, 'alice'), await register(server.url, 'bob'), await register(server.url, 'stranger')];
    await directConversation(server.url, alice, bob);
    const a = await connect(server.wsUrl, alice);
    const seenByAlice = statelessLog(a);
    const s = await connect(server.wsUrl, stranger);
    const b = await connect(server.wsUrl, bob);
    await waitFor(() => seenByAlice.some((m) => m.type === 'presence' && m.userId === bob.user.id && m.online === true), 10_000, 'bob online');
    expect(server.services.presence.isOnline(bob.user.id)).toBe(true);
    // The stranger shares nothing with alice: she hears nothing of him.
    expect(seenByAlice.some((m) => m.userId === stranger.user.id)).toBe(false);

    b.destroy();
    await waitFor(() => seenByAlice.some((m) => m.type === 'presence' && m.userId === bob.user.id && m.online === false), 10_000, 'bob offline');
    a.destroy();
    s.destroy();
  });

  it('R1, R2: a connecting user is told who of their people is online, and pings are answered', async () => {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    await directConversation(server.url, alice, bob);
    const a = await connect(server.wsUrl, alice);
    // Listen before bob's user document opens, so the connect-time snapshot is seen.
    const seen: Array<Record<string, unknown>> = [];
    const b = await connect(server.wsUrl, bob, { onStateless: (payload) => seen.push(JSON.parse(payload)) });
    await waitFor(() => seen.some((m) => m.type === 'presenceSnapshot'), 10_000, 'snapshot');
    expect(seen.find((m) => m.type === 'presenceSnapshot')).toEqual({ type: 'presenceSnapshot', online: [alice.user.id] });
    b.user.provider.sendStateless(JSON.stringify({ type: 'ping', t: 42 }));
    await waitFor(() => seen.some((m) => m.type === 'pong' && m.t === 42), 10_000, 'pong');
    a.destroy();
    b.destroy();
  });

  it('R1: two people who come to share a conversation while online learn of each other at once', async () => {
    const [alice, bob, carol] = [await register(server.url, 'alice'), await register(server.url, 'bob'), await register(server.url, 'carol')];
    const a = await connect(server.wsUrl, alice);
    const b = await connect(server.wsUrl, bob);
    const c = await connect(server.wsUrl, carol);
    const [seenByA, seenByB, seenByC] = [statelessLog(a), statelessLog(b), statelessLog(c)];
    const saw = (log: Array<Record<string, unknown>>, userId: string) => log.some((m) => m.type === 'presence' && m.userId === userId && m.online === true);
    await directConversation(server.url, alice, bob);
    await waitFor(() => saw(seenByA, bob.user.id) && saw(seenByB, alice.user.id), 10_000, 'alice and bob introduced');
    expect(saw(seenByC, alice.user.id)).toBe(false);
    // Joining a group introduces the newcomer to its members, and them to the newcomer.
    const group = await api<{ conversation: { id: string } }>(server.url, '/conversations', { token: alice.token, body: { type: 'group', title: 'G', memberIds: [bob.user.id] } });
    await api(server.url, `/conversations/${group.body.conversation.id}/members`, { token: alice.token, body: { userIds: [carol.user.id] } });
    await waitFor(() => saw(seenByC, alice.user.id) && saw(seenByC, bob.user.id) && saw(seenByB, carol.user.id), 10_000, 'carol introduced');
    for (const x of [a, b, c]) x.destroy();
  });

  it('R1: a reconnect within the grace period announces nothing (the presence throttle)', async () => {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    await directConversation(server.url, alice, bob);
    const a = await connect(server.wsUrl, alice);
    const seenByAlice = statelessLog(a);
    const b = await connect(server.wsUrl, bob);
    await waitFor(() => seenByAlice.some((m) => m.type === 'presence' && m.userId === bob.user.id), 10_000, 'bob online');
    const before = seenByAlice.length;
    // A reload: the socket goes and comes back at once.
    b.destroy();
    const again = await connect(server.wsUrl, bob);
    await new Promise((r) => setTimeout(r, server.services.config.presenceGraceMs * 3));
    expect(seenByAlice.slice(before).filter((m) => m.userId === bob.user.id)).toEqual([]);
    expect(server.services.presence.isOnline(bob.user.id)).toBe(true);
    again.destroy();
    await waitFor(() => seenByAlice.some((m) => m.type === 'presence' && m.userId === bob.user.id && m.online === false), 10_000, 'bob offline after the grace');
    a.destroy();
  });
}, { dialects: ['sqlite'] });
