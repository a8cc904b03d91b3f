import { z } from 'zod';
import { LIMITS, ParleyError } from '@parley/schema';
import { addContact, listContacts, removeContact } from '../index/contacts.ts';
import { withOnline } from '../index/conversations.ts';
import { searchUsers, toUser, userById } from '../index/users.ts';
import { id } from './fields.ts';
import type { Route } from './router.ts';

const searchQuery = z.object({ q: z.string().max(LIMITS.userSearchQueryMaxLength).default('') });
const contactBody = z.object({ userId: id });

export function userRoutes(): Route[] {
  return [
    {
      method: 'GET',
      path: '/users',
      handler: async (ctx) => {
        const { q } = ctx.query(searchQuery);
        const term = q.trim();
        const rows = term ? await searchUsers(ctx.services.store.db, term, LIMITS.userSearchMax) : [];
        return { status: 200, body: { items: rows.map(toUser) } };
      },
    },
    {
      method: 'GET',
      path: '/users/:id',
      handler: async (ctx) => {
        const row = await userById(ctx.services.store.db, ctx.params.id!);
        if (!row) throw new ParleyError('NOT_FOUND', 'no such user');
        return { status: 200, body: { user: toUser(row) } };
      },
    },
    {
      method: 'GET',
      path: '/contacts',
      handler: async (ctx) => {
        const { presence, store } = ctx.services;
        const rows = await listContacts(store.db, ctx.userId);
        return { status: 200, body: { items: rows.map((r) => withOnline(toUser(r), (u) => presence.isOnline(u))) } };
      },
    },
    {
      method: 'POST',
      path: '/contacts',
      handler: async (ctx) => {
        const { userId } = await ctx.body(contactBody);
        const { presence, store } = ctx.services;
        if (userId === ctx.userId) throw new ParleyError('VALIDATION_FAILED', 'you cannot add yourself as a contact');
        const row = await userById(store.db, userId);
        if (!row) throw new ParleyError('NOT_FOUND', 'no such user');
        if (!(await addContact(store.db, ctx.userId, userId))) throw new ParleyError('CONFLICT', 'already a contact');
        presence.introduce([ctx.userId, userId]);
        return { status: 201, body: { contact: withOnline(toUser(row), (u) => presence.isOnline(u)) } };
      },
    },
    {
      method: 'DELETE',
      path: '/contacts/:userId',
      handler: async (ctx) => {
        if (!(await removeContact(ctx.services.store.db, ctx.userId, ctx.params.userId!))) throw new ParleyError('NOT_FOUND', 'not a contact');
        return { status: 204 };
      },
    },
  ];
}
