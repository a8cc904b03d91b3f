import type { Hocuspocus, Connection } from '@hocuspocus/server';
import type { Kysely } from 'kysely';
import type { Database } from '@parley/schema/db';
import { encodeStateless, userDocName } from '@parley/schema';
import type { PresenceView } from '../services.ts';
import type { Logger } from '../log.ts';
import type { Bus } from '../cluster/bus.ts';

interface PresenceMessage {
  userId: string;
  online: boolean;
  /** Whose user documents to tell. */
  peers: string[];
  /** A connect or disconnect on the sending instance (not an introduction). */
  transition: boolean;
}

/**
 * Online status (rule R1): a user is online while any of their user-document
 * connections is open on any instance. Changes go as stateless messages on the
 * user documents of the people who share a conversation or a contact with
 * them, never into a document. Instances tell each other through the bus.
 */
export class Presence implements PresenceView {
  private instance: Hocuspocus | null = null;
  private readonly connections = new Map<string, number>();
  /** Users online on other instances, and where. */
  private readonly remote = new Map<string, Set<string>>();
  /** Users whose last connection closed, not yet announced offline. */
  private readonly leaving = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: Logger,
    private readonly bus: Bus,
    /**
     * The throttle: a user is announced offline only after this long without a
     * connection, so a reload or a short network drop tells nobody anything.
     */
    private readonly offlineGraceMs: number,
  ) {
    bus.subscribe('presence', (message: PresenceMessage, from) => {
      if (from === bus.instance) return;
      if (message.transition) this.track(message.userId, from, message.online);
      this.deliver(message);
    });
    // A new instance asks the others who is online on them; each answers with its own.
    bus.subscribe('presence-hello', (_payload, from) => {
      if (from !== bus.instance) bus.publish('presence-state', { online: [...this.connections.keys()] });
    });
    bus.subscribe('presence-state', ({ online }: { online: string[] }, from) => {
      if (from !== bus.instance) for (const userId of online) this.track(userId, from, true);
    });
    bus.publish('presence-hello', {});
  }

  attach(instance: Hocuspocus) {
    this.instance = instance;
  }

  isOnline(userId: string): boolean {
    return (this.connections.get(userId) ?? 0) > 0 || this.leaving.has(userId) || (this.remote.get(userId)?.size ?? 0) > 0;
  }

  async connected(userId: string, connection: Connection) {
    const count = (this.connections.get(userId) ?? 0) + 1;
    this.connections.set(userId, count);
    const returning = this.leaving.get(userId);
    if (returning) {
      clearTimeout(returning);
      this.leaving.delete(userId);
    }
    const peers = await this.peersOf(userId);
    connection.sendStateless(encodeStateless({ type: 'presenceSnapshot', online: peers.filter((p) => this.isOnline(p)) }));
    // Back within the grace period: the peers never heard otherwise.
    if (count === 1 && !returning) this.announce({ userId, online: true, peers, transition: true });
  }

  disconnected(userId: string) {
    const count = (this.connections.get(userId) ?? 1) - 1;
    if (count > 0) {
      this.connections.set(userId, count);
      return;
    }
    this.connections.delete(userId);
    const timer = setTimeout(() => {
      this.leaving.delete(userId);
      void this.peersOf(userId).then(
        (peers) => this.announce({ userId, online: this.isOnline(userId), peers, transition: true }),
        (error: unknown) => this.log.error({ err: error, userId }, 'presence lookup failed'),
      );
    }, this.offlineGraceMs);
    timer.unref();
    this.leaving.set(userId, timer);
  }

  /** Shutdown: whoever is leaving is announced now. */
  close() {
    for (const [userId, timer] of this.leaving) {
      clearTimeout(timer);
      this.leaving.delete(userId);
      void this.peersOf(userId).then((peers) => this.announce({ userId, online: this.isOnline(userId), peers, transition: true }), () => undefined);
    }
  }

  introduce(userIds: string[], others: string[] = userIds) {
    for (const [from, to] of [[userIds, others], [others, userIds]] as const) {
      for (const userId of from) {
        if (this.isOnline(userId)) this.announce({ userId, online: true, peers: to.filter((peer) => peer !== userId), transition: false });
      }
    }
  }

  private announce(message: PresenceMessage) {
    this.deliver(message);
    this.bus.publish('presence', message);
  }

  /** Tells the peers whose user documents are loaded here. */
  private deliver({ userId, peers }: PresenceMessage) {
    // Another instance may still hold a connection of this user: report the overall state.
    const text = encodeStateless({ type: 'presence', userId, online: this.isOnline(userId) });
    for (const peer of peers) this.instance?.documents.get(userDocName(peer))?.broadcastStateless(text);
    this.log.debug({ userId, peers: peers.length }, 'presence');
  }

  private track(userId: string, instance: string, online: boolean) {
    const where = this.remote.get(userId) ?? new Set<string>();
    if (online) where.add(instance);
    else where.delete(instance);
    if (where.size) this.remote.set(userId, where);
    else this.remote.delete(userId);
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
