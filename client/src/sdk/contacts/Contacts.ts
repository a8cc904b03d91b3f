import type { User } from '@parley/schema';
import type { RestClient } from '../rest/RestClient.ts';

const enc = encodeURIComponent;

/**
 * People: user search, profiles and the user's one-way address book
 * (docs/api.md, "Users and contacts"). Plain REST; no state of its own.
 */
export class Contacts {
  constructor(private readonly rest: RestClient) {}

  /** Users whose username or display name contains `q`, at most 20; an empty `q` finds no one. */
  async searchUsers(q: string): Promise<User[]> {
    if (q.trim() === '') return [];
    const res = await this.rest.get<{ items: User[] }>(`/users?q=${enc(q)}`);
    return res.items;
  }

  async getUser(id: string): Promise<User> {
    const res = await this.rest.get<{ user: User }>(`/users/${enc(id)}`);
    return res.user;
  }

  me(): Promise<{ user: User }> {
    return this.rest.get<{ user: User }>('/me');
  }

  /** Display name and avatar (`null` removes it). */
  async updateProfile(patch: { displayName?: string; avatarUrl?: string | null }): Promise<User> {
    const res = await this.rest.patch<{ user: User }>('/me', patch);
    return res.user;
  }

  async list(): Promise<User[]> {
    const res = await this.rest.get<{ items: User[] }>('/contacts');
    return res.items;
  }

  async add(userId: string): Promise<User> {
    const res = await this.rest.post<{ contact: User }>('/contacts', { userId });
    return res.contact;
  }

  async remove(userId: string): Promise<void> {
    await this.rest.delete(`/contacts/${enc(userId)}`);
  }
}
