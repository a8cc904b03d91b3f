import type { Hocuspocus, Connection } from '@hocuspocus/server';
import type { Kysely } from 'kysely';
import type { Database } from '@parley/schema/db';
import { userDocName } from '@parley/schema';
import type { PresenceView } from '../services.ts';
import type { Logger } from '../log.ts';

/**
 * Online status (rule R1): a user is online while any of their user-document
 * connections is open on this instance. Changes go as stateless messages on the
 * user documents of the people who share a conversation or a contact with them,
 * never into a document.
 */
export class Presence implements PresenceView {
  private instance: Hocuspocus | null = null;
  private readonly connections = new Map<string, number>();

  constructor(private readonly db: Kysely<Database>, private readonly log: Logger) {}

  attach(instance: Hocuspocus) {
    this.instance = instance;
  }

  isOnline(userId: string): boolean {
    return (this.connections.get(userId) ?? 0) > 0;
  }

  async connected(userId: string, connection: Connection) {
    const count = (this.connections.get(userId) ?? 0) + 1;
    this.connections.set(userId, count);
    const peers = await this.peersOf(userId);
    connection.sendStateless(JSON.stringify({ type: 'presenceSnapshot', online: peers.filter((p) => this.isOnline(p)) }));
    if (count === 1) this.announce(userId, true, peers);
  }

  async disconnected(userId: string) {
    const count = (this.connections.get(userId) ?? 1) - 1;
    if (count > 0) {
      this.connections.set(userId, count);
      return;
    }
    this.connections.delete(userId);
    this.announce(userId, false, await this.peersOf(userId));
  }

  introduce(userIds: string[], others: string[] = userIds) {
    for (const [from, to] of [[userIds, others], [others, userIds]] as const) {
      for (const userId of from) {
        if (!this.isOnline(userId)) continue;
        this.announce(userId, true, to.filter((peer) => peer !== userId));
      }
    }
  }

  private announce(userId: string, online: boolean, peers: string[]) {
    const message = JSON.stringify({ type: 'presence', userId, online });
    for (const peer of peers) {
      this.instance?.documents.get(userDocName(peer))?.broadcastStateless(message);
    }
    this.log.debug({ userId, online, peers: peers.length }, 'presence');
  }

  /** Users who share a conversation or a contact with `userId`. */
  private async peersOf(userId: string): Promise<string[]> {
    const [members, contacts] = await Promise.all([
      this.db
        .selectFrom('members as mine')
        .innerJoin('members as theirs', 'theirs.conversation_id', 'mine.conversation_id')
        .select('theirs.user_id')
        .distinct()
        .where('mine.user_id', '=', userId)
        .where('mine.left_at', 'is', null)
        .where('theirs.left_at', 'is', null)
        .where('theirs.user_id', '!=', userId)
        .execute(),
      this.db
        .selectFrom('contacts')
        .select(['user_id', 'contact_id'])
        .where((eb) => eb.or([eb('user_id', '=', userId), eb('contact_id', '=', userId)]))
        .execute(),
    ]);
    const peers = new Set(members.map((m) => m.user_id));
    for (const c of contacts) peers.add(c.user_id === userId ? c.contact_id : c.user_id);
    return [...peers];
  }
}
