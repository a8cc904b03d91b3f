import { z } from 'zod';
import { LIMITS, ParleyError } from '@parley/schema';
import { login, logout, refresh, register } from '../auth/accounts.ts';
import type { LoginLimits } from '../auth/rateLimit.ts';
import { toUser, updateProfile, userById } from '../index/users.ts';
import { avatarUrl, displayName } from './fields.ts';
import type { RequestContext, Route } from './router.ts';

const username = z
  .string()
  .trim()
  .toLowerCase()
  .min(LIMITS.usernameMinLength)
  .max(LIMITS.usernameMaxLength)
  .regex(/^[a-z0-9_.-]+$/, 'letters a–z, digits, _ . or -');
const password = z.string().min(LIMITS.passwordMinLength).max(LIMITS.passwordMaxLength);

const registerBody = z.object({ username, password, displayName: displayName.optional() });
// Login does not re-check the registration rules: a wrong name is just a failed login.
const loginBody = z.object({
  username: z.string().trim().toLowerCase().min(1).max(LIMITS.usernameMaxLength * 4),
  password: z.string().min(1).max(LIMITS.passwordMaxLength),
});
const refreshBody = z.object({ refreshToken: z.string().min(1).max(512) });
const profileBody = z
  .object({ displayName: displayName.optional(), avatarUrl: avatarUrl.optional() })
  .refine((b) => b.displayName !== undefined || b.avatarUrl !== undefined, 'give displayName or avatarUrl');

export function authRoutes(limits: LoginLimits): Route[] {
  return [
    {
      method: 'POST',
      path: '/auth/register',
      auth: false,
      handler: async (ctx) => ({ status: 201, body: await register(ctx.services, limits, { ...(await ctx.body(registerBody)), address: ctx.address }) }),
    },
    {
      method: 'POST',
      path: '/auth/login',
      auth: false,
      handler: async (ctx) => {
        const body = await ctx.body(loginBody);
        return { status: 200, body: await login(ctx.services, limits, { ...body, address: ctx.address }) };
      },
    },
    {
      method: 'POST',
      path: '/auth/refresh',
      auth: false,
      handler: async (ctx) => ({ status: 200, body: await refresh(ctx.services, (await ctx.body(refreshBody)).refreshToken) }),
    },
    {
      method: 'POST',
      path: '/auth/logout',
      handler: async (ctx) => {
        await logout(ctx.services, ctx.userId, (await ctx.body(refreshBody)).refreshToken);
        return { status: 204 };
      },
    },
    { method: 'GET', path: '/me', handler: async (ctx) => ({ status: 200, body: { user: await me(ctx) } }) },
    {
      method: 'PATCH',
      path: '/me',
      handler: async (ctx) => {
        await updateProfile(ctx.services.store.db, ctx.userId, await ctx.body(profileBody));
        return { status: 200, body: { user: await me(ctx) } };
      },
    },
  ];
}

async function me(ctx: RequestContext) {
  const row = await userById(ctx.services.store.db, ctx.userId);
  // A valid token for an account that is gone (e.g. another deployment's secret reused).
  if (!row) throw new ParleyError('AUTH_FAILED', 'the account no longer exists');
  return toUser(row);
}
