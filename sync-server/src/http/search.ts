import { z } from 'zod';
import { LIMITS } from '@parley/schema';
import { requireMember } from '../index/conversations.ts';
import { searchMessages } from '../index/search.ts';
import { id, queryInt } from './fields.ts';
import type { Route } from './router.ts';

const searchQuery = z.object({
  q: z.string().trim().min(1, 'give a search text').max(LIMITS.searchQueryMaxLength),
  conversationId: id.optional(),
  limit: queryInt(1, LIMITS.searchPageMax),
});

export function searchRoutes(): Route[] {
  return [
    {
      method: 'GET',
      path: '/search',
      handler: async (ctx) => {
        const { q, conversationId, limit } = ctx.query(searchQuery);
        const { store } = ctx.services;
        if (conversationId !== undefined) await requireMember(store.db, conversationId, ctx.userId);
        const items = await searchMessages(store, ctx.userId, { q, conversationId, limit: limit ?? LIMITS.searchPageDefault });
        return { status: 200, body: { items } };
      },
    },
  ];
}
