import { describe, expect, it } from 'vitest';
import { startTestServer } from '../../sync-server/test/harness.ts';
import { memoryStorage } from '../src/sdk/index.ts';
import { account, client, direct, serverForFile, until } from './helpers.ts';

/** What the web app used to do by hand over REST, now through the SDK, against the real server. */
const file = serverForFile();
const track = file.track;

const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code?: string }) => e.code);

describe('people: user search, profile, contacts', () => {
  it('finds users by name, edits the profile, keeps a one-way address book with coded refusals', async () => {
    const [a, b] = [await account(file.server.url, 'alice'), await account(file.server.url, 'bob')];
    const alice = track(client(file.server.url, a));
    expect((await alice.searchUsers(b.user.username)).map((u) => u.id)).toEqual([b.user.id]);
    expect(await alice.searchUsers('   ')).toEqual([]);
    expect((await alice.getUser(b.user.id)).username).toBe(b.user.username);
    expect((await alice.updateProfile({ displayName: 'Alice A.' })).displayName).toBe('Alice A.');
    expect((await alice.me()).user.displayName).toBe('Alice A.');

    expect((await alice.addContact(b.user.id)).id).toBe(b.user.id);
    expect((await alice.listContacts()).map((u) => u.id)).toEqual([b.user.id]);
    expect(await codeOf(alice.addContact(b.user.id))).toBe('CONFLICT');
    await alice.removeContact(b.user.id);
    expect(await alice.listContacts()).toEqual([]);
    expect(await codeOf(alice.removeContact(b.user.id))).toBe('NOT_FOUND');
    expect(await codeOf(alice.getUser('no-such-user'))).toBe('NOT_FOUND');
  });
});

describe('groups: create, rename, members, roles, leave', () => {
  it('the owner manages the group, a member may not, and leaving drops it from the list', async () => {
    const [a, b, c] = [await account(file.server.url, 'alice'), await account(file.server.url, 'bob'), await account(file.server.url, 'carol')];
    const alice = track(client(file.server.url, a));
    const bob = track(client(file.server.url, b));
    await Promise.all([alice.connect(), bob.connect()]);
    const group = await alice.createGroup('Book club', [b.user.id]);

    const renamed = await alice.renameConversation(group.id, 'Readers');
    expect(renamed.title).toBe('Readers');
    expect(alice.getCachedConversation(group.id)?.title).toBe('Readers');
    expect((await alice.addMembers(group.id, [c.user.id])).members.map((m) => m.id).sort()).toEqual([a.user.id, b.user.id, c.user.id].sort());
    expect(await codeOf(bob.renameConversation(group.id, 'Mine now'))).toBe('NOT_ALLOWED');
    const promoted = await alice.setMemberRole(group.id, b.user.id, 'admin');
    expect(promoted.members.find((m) => m.id === b.user.id)?.role).toBe('admin');
    expect((await bob.renameConversation(group.id, 'Admins may')).title).toBe('Admins may');
    const removed = await bob.removeMember(group.id, c.user.id);
    expect(removed?.members.map((m) => m.id)).not.toContain(c.user.id);
    expect(await codeOf(alice.addMembers(group.id, ['no-such-user']))).toBe('NOT_FOUND');

    await bob.refreshConversations();
    expect(bob.getCachedConversation(group.id)).toBeDefined();
    expect(await bob.removeMember(group.id, b.user.id)).toBeNull();
    // The summary goes at once; the inbox entry when the server's inbox update arrives.
    await until(() => !bob.listConversations().some((x) => x.id === group.id), 'the group to leave bob\'s list');
    await bob.refreshConversations();
    expect(bob.listConversations().map((x) => x.id)).not.toContain(group.id);
    expect(await codeOf(bob.getConversation(group.id))).toBe('NOT_A_MEMBER');
    expect((await alice.getConversation(group.id)).members.map((m) => m.id)).toEqual([a.user.id]);
  });

  it('a context conversation is closed by either party', async () => {
    const [buyer, seller] = [await account(file.server.url, 'buyer'), await account(file.server.url, 'seller')];
    const b = track(client(file.server.url, buyer));
    const conv = await b.getOrCreateContextConversation({ kind: 'listing', ref: 'book-1' }, buyer.user.id, seller.user.id);
    expect((await b.setConversationStatus(conv.id, 'closed')).status).toBe('closed');
  });
});

describe('session: one refresher, logout', () => {
  it('SDK-A2: REST calls that find the token expired share one refresh; the spent refresh token is refused afterwards', async () => {
    const short = await startTestServer({ config: { accessTokenTtlSeconds: 1 } });
    try {
      const a = await account(short.url, 'alice');
      const c = track(client(short.url, a, { refreshToken: a.refreshToken }));
      const renewed: string[] = [];
      c.on('tokenRefreshed', (t) => renewed.push(t.refreshToken));
      await new Promise((r) => setTimeout(r, 1500));
      const results = await Promise.all([c.listContacts(), c.me(), c.searchUsers('x'), c.refreshConversations()]);
      expect(results[1].user.id).toBe(a.user.id);
      expect(renewed).toHaveLength(1);
      const refused = await fetch(`${short.url}/api/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: a.refreshToken }) });
      expect(refused.status).toBe(401);
    } finally {
      await short.stop();
    }
  });

  it('SDK-A1: a REST call the server refuses for good (no refresh cures it) also reports authFailed', async () => {
    const a = await account(file.server.url, 'alice');
    const c = track(client(file.server.url, { ...a, token: 'not-a-token' }));
    const failures: string[] = [];
    c.on('authFailed', (e) => failures.push(e.code));
    expect(await codeOf(c.listContacts())).toBe('AUTH_FAILED');
    expect(failures).toEqual(['AUTH_FAILED']);
  });

  it('SDK-A3: logout revokes the refresh token on the server and deletes what the user left on the device', async () => {
    const [a, b] = [await account(file.server.url, 'alice'), await account(file.server.url, 'bob')];
    const storage = memoryStorage();
    const c = track(client(file.server.url, a, { refreshToken: a.refreshToken, storage }));
    await c.connect();
    const conv = await direct(c, b);
    const room = await c.openConversation(conv.id);
    await (await c.sendMessage({ conversationId: conv.id, text: 'before logout' })).confirmed;
    c.setDraft(conv.id, 'unsent thought');
    await until(() => room.messages().some((m) => m.status === 'sent'), 'the message in the window');
    expect(storage.docNames().length).toBeGreaterThan(0);

    await c.logout();
    expect(storage.docNames()).toEqual([]);
    expect(await storage.get(`conversations:${a.user.id}`)).toBeUndefined();
    const refused = await fetch(`${file.server.url}/api/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: a.refreshToken }) });
    expect(refused.status).toBe(401);
    expect(c.getConnectionState()).toBe('disconnected');
  });

  it('SDK-A3: logout({keepLocalData}) keeps the device copy for the next sign-in', async () => {
    const a = await account(file.server.url, 'alice');
    const storage = memoryStorage();
    const c = track(client(file.server.url, a, { refreshToken: a.refreshToken, storage }));
    await c.connect();
    c.setDraft('c1', 'kept');
    await c.logout({ keepLocalData: true });
    expect(storage.docNames().length).toBeGreaterThan(0);
  });
});
