import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { LIMITS, ParleyError, type AuthResponse, type User } from '@parley/schema';
import type { Services } from '../services.ts';
import { credentialsByUsername, insertUser, toUser, userById } from '../index/users.ts';
import { dummyHash, hashPassword, verifyPassword } from './passwords.ts';
import { RateLimitedError, type LoginLimits } from './rateLimit.ts';
import { newSessionId, refreshTokenFor, sessionOf } from './sessions.ts';

/**
 * Accounts: registration, login, refresh-token rotation and logout.
 * A refresh token is 32 random bytes handed to the client once; the index keeps
 * only its sha256, so a leaked table cannot be replayed.
 */
type Deps = Pick<Services, 'store' | 'tokens'>;

export interface NewAccount {
  /** Already lower-cased and validated. */
  username: string;
  password: string;
  displayName?: string | undefined;
}

/** Registers an account; `address` counts against the per-address registration limit. */
export async function register({ store, tokens }: Deps, limits: LoginLimits, input: NewAccount & { address: string }): Promise<AuthResponse> {
  const wait = await limits.registration.retryAfter(input.address);
  if (wait > 0) throw new RateLimitedError(wait, 'too many registrations from this address; try again later');
  await limits.registration.hit(input.address);
  const now = Date.now();
  const row = {
    id: uuidv7(),
    username: input.username,
    display_name: input.displayName ?? input.username,
    password_hash: await hashPassword(input.password),
    avatar_url: null,
    created_at: now,
  };
  if (!(await insertUser(store.db, row))) throw new ParleyError('USERNAME_TAKEN', `the username ${input.username} is taken`);
  return issue({ store, tokens }, toUser(row), newSessionId());
}

export async function login(
  { store, tokens }: Deps,
  limits: LoginLimits,
  input: { username: string; password: string; address: string },
): Promise<AuthResponse> {
  // A name is limited per address, never alone: guessing from elsewhere cannot lock its owner out (issue 11).
  // JSON keeps the two parts apart whatever characters they hold.
  const pair = JSON.stringify([input.address, input.username]);
  const wait = Math.max(await limits.pair.retryAfter(pair), await limits.address.retryAfter(input.address));
  if (wait > 0) throw new RateLimitedError(wait);

  const found = await credentialsByUsername(store.db, input.username);
  const ok = await verifyPassword(input.password, found?.password_hash ?? (await dummyHash()));
  if (!found || !ok) {
    await Promise.all([limits.pair.hit(pair), limits.address.hit(input.address)]);
    throw new ParleyError('AUTH_FAILED', 'wrong username or password');
  }
  await limits.pair.reset(pair);
  const user = await userById(store.db, found.id);
  if (!user) throw new ParleyError('AUTH_FAILED', 'wrong username or password');
  return issue({ store, tokens }, toUser(user), newSessionId());
}

/** Rotation: the presented token is revoked and a new pair issued; a revoked, expired or unknown token is refused. */
export async function refresh({ store, tokens }: Deps, refreshToken: string): Promise<AuthResponse> {
  const id = hashToken(refreshToken);
  const now = Date.now();
  const userId = await store.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('refresh_tokens').select(['user_id', 'expires_at', 'revoked_at']).where('id', '=', id).executeTakeFirst();
    if (!row || row.revoked_at !== null || Number(row.expires_at) <= now) return null;
    // Two refreshes racing with one token: exactly one of them revokes it.
    const revoked = await trx
      .updateTable('refresh_tokens')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(revoked.numUpdatedRows) === 1 ? row.user_id : null;
  });
  if (!userId) throw new ParleyError('AUTH_FAILED', 'the refresh token is unknown, expired or already used');
  const user = await userById(store.db, userId);
  if (!user) throw new ParleyError('AUTH_FAILED', 'the account no longer exists');
  // The new pair stays in the session of the one it replaces (rule A6).
  return issue({ store, tokens }, toUser(user), sessionOf(refreshToken));
}

/**
 * Revokes the caller's refresh token and ends the session's open sockets
 * (rule A6); unknown tokens and other users' tokens are ignored (logout is
 * idempotent). Only the caller's own sockets are ever closed.
 */
export async function logout({ store, sessions }: Deps & Pick<Services, 'sessions'>, userId: string, refreshToken: string): Promise<void> {
  sessions.revoke(userId, sessionOf(refreshToken));
  await store.db
    .updateTable('refresh_tokens')
    .set({ revoked_at: Date.now() })
    .where('id', '=', hashToken(refreshToken))
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
}

async function issue({ store, tokens }: Deps, user: User, sessionId: string): Promise<AuthResponse> {
  const now = Date.now();
  const refreshToken = refreshTokenFor(sessionId);
  await store.db.deleteFrom('refresh_tokens').where('user_id', '=', user.id).where('expires_at', '<', now).execute();
  await store.db
    .insertInto('refresh_tokens')
    .values({
      id: hashToken(refreshToken),
      user_id: user.id,
      expires_at: now + LIMITS.refreshTokenTtlSeconds * 1000,
      revoked_at: null,
      created_at: now,
    })
    .execute();
  const access = await tokens.issueAccess(user.id, sessionId);
  return { token: access.token, refreshToken, expiresAt: access.expiresAt, user };
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
