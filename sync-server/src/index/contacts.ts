import type { Kysely, Transaction } from 'kysely';
import type { Database } from '@parley/schema/db';
import { isUniqueViolation } from './errors.ts';
import type { UserRow } from './users.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** A user's contacts: one-way, like an address book; adding someone needs no consent. */
export async function listContacts(db: Db, userId: string): Promise<UserRow[]> {
  return db
    .selectFrom('contacts as ct')
    .innerJoin('users as u', 'u.id', 'ct.contact_id')
    .select(['u.id', 'u.username', 'u.display_name', 'u.avatar_url'])
    .where('ct.user_id', '=', userId)
    .orderBy('u.display_name')
    .orderBy('u.username')
    .execute();
}

/** False when the contact already exists (also when a concurrent insert won). */
export async function addContact(db: Db, userId: string, contactId: string): Promise<boolean> {
  try {
    await db.insertInto('contacts').values({ user_id: userId, contact_id: contactId, created_at: Date.now() }).execute();
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

export async function removeContact(db: Db, userId: string, contactId: string): Promise<boolean> {
  const result = await db.deleteFrom('contacts').where('user_id', '=', userId).where('contact_id', '=', contactId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
