import { z } from 'zod';
import { v7 as uuidv7 } from 'uuid';
import {
  CONVERSATION_STATUSES,
  LIMITS,
  ParleyError,
  commandSchema,
  statusOf,
  type Command,
  type Role,
} from '@parley/schema';
import {
  contextKey,
  conversationDetail,
  conversationSummaries,
  directKey,
  createConversation,
  expireContexts,
  getOrCreate,
  requireMember,
} from '../index/conversations.ts';
import { historyPage } from '../index/history.ts';
import { usersByIds } from '../index/users.ts';
import { validate } from './body.ts';
import { avatarUrl, id, queryInt, title } from './fields.ts';
import type { RequestContext, Route } from './router.ts';

const createBody = z.discriminatedUnion('type', [
  z.object({ type: z.literal('direct'), memberIds: z.array(id).min(1).max(2) }),
  z.object({ type: z.literal('group'), title, memberIds: z.array(id).max(LIMITS.groupMaxMembers) }),
]);

const contextBody = z.object({
  context: z.object({
    kind: z.string().regex(/^[a-z0-9_.-]{1,32}$/, '1–32 of a–z, 0–9, _ . -'),
    ref: z.string().min(1).max(128),
  }),
  buyerId: id,
  sellerId: id,
  title: title.optional(),
  expiresAt: z.number().int().positive().nullable().optional(),
});

const patchBody = z
  .object({ title: title.optional(), avatarUrl: avatarUrl.optional() })
  .refine((b) => b.title !== undefined || b.avatarUrl !== undefined, 'give title or avatarUrl');
const membersBody = z.object({ userIds: z.array(id).min(1).max(LIMITS.groupMaxMembers) });
const roleBody = z.object({ role: z.enum(['admin', 'member']) });
const statusBody = z.object({ status: z.enum(CONVERSATION_STATUSES) });
const historyQuery = z.object({
  before: queryInt(1, Number.MAX_SAFE_INTEGER),
  limit: queryInt(1, LIMITS.historyPageMax),
});

export function conversationRoutes(): Route[] {
  return [
    { method: 'POST', path: '/conversations', handler: create },
    { method: 'POST', path: '/context-conversations', handler: createContext },
    {
      method: 'GET',
      path: '/conversations',
      handler: async (ctx) => {
        const { store } = ctx.services;
        await expireContexts(store.db, ctx.userId);
        return { status: 200, body: { items: await conversationSummaries(store.db, ctx.userId, isOnline(ctx)) } };
      },
    },
    {
      method: 'GET',
      path: '/conversations/:id',
      handler: async (ctx) => ({ status: 200, body: { conversation: await detail(ctx) } }),
    },
    {
      method: 'GET',
      path: '/conversations/:id/messages',
      handler: async (ctx) => {
        const { before, limit } = ctx.query(historyQuery);
        const conversationId = ctx.params.id!;
        await requireMember(ctx.services.store.db, conversationId, ctx.userId);
        const page = await historyPage(ctx.services.store.db, conversationId, { before, limit: limit ?? LIMITS.historyPageDefault });
        return { status: 200, body: page };
      },
    },
    {
      method: 'PATCH',
      path: '/conversations/:id',
      handler: async (ctx) => {
        const body = await ctx.body(patchBody);
        // Both commands are validated before either runs, so bad input writes nothing.
        const commands: Command[] = [];
        if (body.title !== undefined) commands.push(command(ctx, { type: 'rename', title: body.title }));
        if (body.avatarUrl !== undefined) commands.push(command(ctx, { type: 'setAvatar', avatarUrl: body.avatarUrl }));
        return run(ctx, commands);
      },
    },
    {
      method: 'POST',
      path: '/conversations/:id/members',
      handler: async (ctx) => {
        const { userIds } = await ctx.body(membersBody);
        return run(ctx, [command(ctx, { type: 'addMembers', userIds: [...new Set(userIds)] })]);
      },
    },
    {
      method: 'DELETE',
      path: '/conversations/:id/members/:userId',
      handler: async (ctx) => {
        const userId = ctx.params.userId!;
        const cmd = userId === ctx.userId ? command(ctx, { type: 'leave' }) : command(ctx, { type: 'removeMember', userId });
        return run(ctx, [cmd]);
      },
    },
    {
      method: 'PUT',
      path: '/conversations/:id/members/:userId/role',
      handler: async (ctx) => {
        const { role } = await ctx.body(roleBody);
        return run(ctx, [command(ctx, { type: 'setRole', userId: ctx.params.userId!, role })]);
      },
    },
    { method: 'POST', path: '/conversations/:id/leave', handler: (ctx) => run(ctx, [command(ctx, { type: 'leave' })]) },
    {
      method: 'POST',
      path: '/conversations/:id/status',
      handler: async (ctx) => {
        const { status } = await ctx.body(statusBody);
        return run(ctx, [command(ctx, { type: 'setStatus', status })]);
      },
    },
  ];
}

async function create(ctx: RequestContext) {
  const body = await ctx.body(createBody);
  const { store } = ctx.services;
  const others = [...new Set(body.memberIds)].filter((u) => u !== ctx.userId);

  if (body.type === 'direct') {
    const [other] = others;
    if (others.length !== 1 || !other) throw new ParleyError('VALIDATION_FAILED', 'memberIds: a direct conversation has exactly one other member');
    await requireUsers(ctx, others);
    const { id, created } = await getOrCreate(store.db, {
      type: 'direct',
      title: null,
      creatorId: ctx.userId,
      members: [ctx.userId, other].map((userId) => ({ userId, role: 'member' as Role })),
      directKey: directKey(ctx.userId, other),
    });
    if (created) await refreshInboxes(ctx, id, [ctx.userId, other]);
    return { status: created ? 201 : 200, body: { conversation: await conversationDetail(store.db, ctx.userId, id, isOnline(ctx)) } };
  }

  if (others.length + 1 > LIMITS.groupMaxMembers) {
    throw new ParleyError('VALIDATION_FAILED', `memberIds: a group holds at most ${LIMITS.groupMaxMembers} members, you included`);
  }
  await requireUsers(ctx, others);
  const members = [{ userId: ctx.userId, role: 'owner' as Role }, ...others.map((userId) => ({ userId, role: 'member' as Role }))];
  const id = await createConversation(store.db, { type: 'group', title: body.title, creatorId: ctx.userId, members });
  await refreshInboxes(ctx, id, members.map((m) => m.userId));
  return { status: 201, body: { conversation: await conversationDetail(store.db, ctx.userId, id, isOnline(ctx)) } };
}

/**
 * A conversation between a buyer and a seller about one thing (a listing, an
 * order): one per (kind, ref, buyer, seller), opened by either of the two.
 */
async function createContext(ctx: RequestContext) {
  const body = await ctx.body(contextBody);
  const { store } = ctx.services;
  if (body.buyerId === body.sellerId) throw new ParleyError('VALIDATION_FAILED', 'sellerId: the buyer and the seller are two different users');
  if (ctx.userId !== body.buyerId && ctx.userId !== body.sellerId) {
    throw new ParleyError('FORBIDDEN', 'only the buyer or the seller may open this conversation');
  }
  if (body.expiresAt != null && body.expiresAt <= Date.now()) throw new ParleyError('VALIDATION_FAILED', 'expiresAt: must lie in the future');
  await requireUsers(ctx, [body.buyerId, body.sellerId]);
  const { kind, ref } = body.context;
  const { id, created } = await getOrCreate(store.db, {
    type: 'context',
    title: body.title ?? null,
    creatorId: ctx.userId,
    members: [body.buyerId, body.sellerId].map((userId) => ({ userId, role: 'member' as Role })),
    context: { kind, ref, buyerId: body.buyerId, sellerId: body.sellerId, key: contextKey(kind, ref, body.buyerId, body.sellerId) },
    expiresAt: body.expiresAt ?? null,
  });
  if (created) await refreshInboxes(ctx, id, [body.buyerId, body.sellerId]);
  else await expireContexts(store.db, ctx.userId);
  return { status: created ? 201 : 200, body: { conversation: await conversationDetail(store.db, ctx.userId, id, isOnline(ctx)) } };
}

async function detail(ctx: RequestContext) {
  await expireContexts(ctx.services.store.db, ctx.userId);
  return conversationDetail(ctx.services.store.db, ctx.userId, ctx.params.id!, isOnline(ctx));
}

type CommandBody = Command extends infer C ? (C extends Command ? Omit<C, 'id' | 'conversationId' | 'createdAt'> : never) : never;

/** A command for the conversation in the path, validated by the same schema the outbox uses. */
function command(ctx: RequestContext, body: CommandBody): Command {
  return validate(commandSchema, { ...body, id: uuidv7(), conversationId: ctx.params.id!, createdAt: Date.now() });
}

/**
 * Every conversation write goes through the command executor, which decides
 * who may do what; a refusal keeps its code. Leaving answers 204: the caller
 * can no longer read the conversation.
 */
async function run(ctx: RequestContext, commands: Command[]) {
  for (const cmd of commands) {
    const result = await ctx.services.commands.execute(ctx.userId, cmd);
    if (result.status === 'failed') {
      throw new ParleyError(statusOf(result.code) >= 500 ? 'INTERNAL' : result.code, result.message);
    }
  }
  if (commands.some((c) => c.type === 'leave')) return { status: 204 };
  return { status: 200, body: { conversation: await detail(ctx) } };
}

async function requireUsers(ctx: RequestContext, ids: string[]): Promise<void> {
  const found = new Set((await usersByIds(ctx.services.store.db, ids)).map((u) => u.id));
  const missing = ids.filter((u) => !found.has(u));
  if (missing.length) throw new ParleyError('NOT_FOUND', `no such user: ${missing.slice(0, 5).join(', ')}`);
}

/** The index is committed; an inbox that fails to refresh catches up on the member's next load, so it only gets logged. */
async function refreshInboxes(ctx: RequestContext, conversationId: string, userIds: string[]): Promise<void> {
  try {
    await ctx.services.inbox.refresh(conversationId, userIds);
    ctx.services.presence.introduce(userIds);
  } catch (error) {
    ctx.log.warn({ err: error, conversationId }, 'inbox refresh after creation failed');
  }
}

function isOnline(ctx: RequestContext) {
  return (userId: string) => ctx.services.presence.isOnline(userId);
}
