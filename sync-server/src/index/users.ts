import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, UsersTable } from '@parley/schema/db';
import type { User } from '@parley/schema';
import { isUniqueViolation } from './errors.ts';
import { like, likePattern } from './search.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** The public columns of a user; the password hash never leaves auth/. */
const PUBLIC = ['id', 'username', 'display_name', 'avatar_url'] as const;
export type UserRow = Pick<UsersTable, (typeof PUBLIC)[number]>;

export function toUser(row: UserRow): User {
  return { id: row.id, username: row.username, displayName: row.display_name, avatarUrl: row.avatar_url };
}

/** Inserts a user; false when the username is taken (also when another insert won the race). */
export async function insertUser(db: Db, row: UsersTable): Promise<boolean> {
  try {
    await db.insertInto('users').values(row).execute();
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

export async function credentialsByUsername(db: Db, username: string) {
  return db.selectFrom('users').select(['id', 'password_hash']).where('username', '=', username).executeTakeFirst();
}

export async function userById(db: Db, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').select(PUBLIC).where('id', '=', id).executeTakeFirst();
}

export async function usersByIds(db: Db, ids: readonly string[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('users').select(PUBLIC).where('id', 'in', [...new Set(ids)]).execute();
}

/** Users whose username or display name contains `q`; username prefix matches first. */
export async function searchUsers(db: Db, q: string, limit: number): Promise<UserRow[]> {
  const contains = likePattern(q, 'contains');
  const prefix = likePattern(q.toLowerCase(), 'prefix');
  return db
    .selectFrom('users')
    .select(PUBLIC)
    .where((eb) => eb.or([like(eb.ref('username'), likePattern(q.toLowerCase(), 'contains')), like(eb.ref('display_name'), contains)]))
    .orderBy(sql`case when ${like(sql.ref('username'), prefix)} then 0 else 1 end`)
    .orderBy('username')
    .limit(limit)
    .execute();
}

export async function updateProfile(db: Db, id: string, changes: { displayName?: string; avatarUrl?: string | null }): Promise<void> {
  const set: Partial<Pick<UsersTable, 'display_name' | 'avatar_url'>> = {};
  if (changes.displayName !== undefined) set.display_name = changes.displayName;
  if (changes.avatarUrl !== undefined) set.avatar_url = changes.avatarUrl;
  if (Object.keys(set).length === 0) return;
  await db.updateTable('users').set(set).where('id', '=', id).execute();
}
