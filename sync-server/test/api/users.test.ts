import { afterAll, beforeAll, expect, it } from 'vitest';
import { eachStore } from '@parley/schema/db/testing';
import type { AuthResponse } from '@parley/schema';
import { call, signUp, startApi, uniqueName, PASSWORD, type ApiServer } from './setup.ts';

eachStore('users and contacts API', (getStore, getDatabase) => {
  let api: ApiServer;
  let alice: AuthResponse;
  let bob: AuthResponse;
  beforeAll(async () => {
    api = await startApi(getStore(), getDatabase().dataDir);
    alice = await signUp(api.url, 'alice', 'Alice Liddell');
    bob = await signUp(api.url, 'bob', '鲍勃 🎸');
  });
  afterAll(() => api.stop());

  it('finds users by username or display name, by prefix or substring, including the caller', async () => {
    const byName = await call(api.url, 'GET', `/users?q=${encodeURIComponent(alice.user.username.slice(0, 8))}`, { token: bob.token });
    expect(byName.status).toBe(200);
    expect(byName.body.items.map((u: { id: string }) => u.id)).toContain(alice.user.id);
    const byDisplay = await call(api.url, 'GET', `/users?q=${encodeURIComponent('liddell')}`, { token: bob.token });
    expect(byDisplay.body.items).toEqual([alice.user]);
    const chinese = await call(api.url, 'GET', `/users?q=${encodeURIComponent('勃 🎸')}`, { token: alice.token });
    expect(chinese.body.items).toEqual([bob.user]);
    const self = await call(api.url, 'GET', `/users?q=${encodeURIComponent(bob.user.username)}`, { token: bob.token });
    expect(self.body.items[0]).toEqual(bob.user);
    expect(JSON.stringify(self.body)).not.toContain('password');
  });

  it('treats LIKE wildcards in the query as text and caps the answer at 20', async () => {
    const prefix = uniqueName('many').slice(0, 20);
    for (let i = 0; i < 22; i++) {
      const answer = await call(api.url, 'POST', '/auth/register', { body: { username: `${prefix}${i}`, password: PASSWORD } });
      expect(answer.status).toBe(201);
    }
    expect((await call(api.url, 'GET', `/users?q=${prefix}`, { token: alice.token })).body.items).toHaveLength(20);
    // Every hit holds the query literally: `_` matches names with an underscore, `a_y` does not match "many".
    for (const q of ['%', '_', '!', '%_%', "'", '"', 'a_y']) {
      const answer = await call(api.url, 'GET', `/users?q=${encodeURIComponent(q)}`, { token: alice.token });
      expect(answer.status, q).toBe(200);
      for (const u of answer.body.items as Array<{ username: string; displayName: string }>) {
        expect(`${u.username} ${u.displayName}`.toLowerCase(), q).toContain(q);
      }
      if (q !== '_') expect(answer.body.items, q).toEqual([]);
    }
    expect((await call(api.url, 'GET', '/users?q=_', { token: alice.token })).body.items.length).toBeGreaterThan(0);
    expect((await call(api.url, 'GET', '/users', { token: alice.token })).body.items).toEqual([]);
  });

  it('reads one user; 404 for an unknown id; 401 without a token', async () => {
    expect(await call(api.url, 'GET', `/users/${bob.user.id}`, { token: alice.token })).toMatchObject({ status: 200, body: { user: bob.user } });
    const unknown = await call(api.url, 'GET', '/users/0190aaaa-0000-7000-8000-000000000000', { token: alice.token });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
    expect((await call(api.url, 'GET', `/users/${bob.user.id}`)).status).toBe(401);
  });

  it('adds, lists with presence, refuses duplicates, self and strangers, and removes contacts', async () => {
    const added = await call(api.url, 'POST', '/contacts', { token: alice.token, body: { userId: bob.user.id } });
    expect(added.status).toBe(201);
    expect(added.body.contact).toEqual({ ...bob.user, online: false });

    api.online.add(bob.user.id);
    const list = await call(api.url, 'GET', '/contacts', { token: alice.token });
    expect(list.body.items).toEqual([{ ...bob.user, online: true }]);
    api.online.clear();
    // One-way: bob's list is still empty.
    expect((await call(api.url, 'GET', '/contacts', { token: bob.token })).body.items).toEqual([]);

    const again = await call(api.url, 'POST', '/contacts', { token: alice.token, body: { userId: bob.user.id } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONFLICT');
    const self = await call(api.url, 'POST', '/contacts', { token: alice.token, body: { userId: alice.user.id } });
    expect(self.status).toBe(400);
    const stranger = await call(api.url, 'POST', '/contacts', { token: alice.token, body: { userId: 'no-such-user' } });
    expect(stranger.status).toBe(404);

    expect((await call(api.url, 'DELETE', `/contacts/${bob.user.id}`, { token: alice.token })).status).toBe(204);
    expect((await call(api.url, 'DELETE', `/contacts/${bob.user.id}`, { token: alice.token })).status).toBe(404);
    expect((await call(api.url, 'GET', '/contacts', { token: alice.token })).body.items).toEqual([]);
  });

  it('adds a contact once when the same request races', async () => {
    const carol = await signUp(api.url, 'carol');
    const answers = await Promise.all([0, 1, 2, 3].map(() => call(api.url, 'POST', '/contacts', { token: carol.token, body: { userId: alice.user.id } })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409]);
  });
});
