import type { Kysely } from 'kysely';
import type { Database } from '@parley/schema/db';
import type { Role } from '@parley/schema';
import type { Facts } from './decide.ts';
import type { Bus } from '../cluster/bus.ts';
import { currentMembers } from '../index/members.ts';

/**
 * What a send or a read is decided on, as the index held it when it was loaded:
 * decide's conversation facts without `lastSeq` (never cached), where `status` is
 * the stored one (the effective one also depends on `expiresAt`, set at creation,
 * never changed), and the current members in join order, with their roles.
 */
export type CachedConversation = Omit<NonNullable<Facts['conversation']>, 'lastSeq'> & { members: Map<string, Role> };

const TOPIC = 'facts';
/** Conversations kept; the oldest loaded go first past it. */
const DEFAULT_CAPACITY = 20_000;

/**
 * Rule O12 (docs/protocol.md): conversation facts (status, members, roles) in
 * memory, so a send costs no fact look-up. An entry is dropped by every command
 * that changes them (here and, over the bus, on every other instance). A copy
 * that is stale for the moment a bus message takes is caught at the commit:
 * the seq update requires the stored status to be active and the sender's read
 * marker update requires a current membership (see group-commit.ts).
 */
export class FactsCache {
  private readonly entries = new Map<string, CachedConversation>();
  /**
   * Rule O15: the last seq this instance committed, per conversation: a guess
   * that lets a group commit write its messages in one round trip. The commit
   * checks it (another instance, or a command outside the group, may have moved
   * the seq since) and reads the seq afresh when it is off.
   */
  private readonly seqs = new Map<string, number>();
  /** Loads in flight, so a burst into one cold conversation loads it once. */
  private readonly loading = new Map<string, Promise<CachedConversation | null>>();
  /** Bumped on every invalidation: a load that raced one is not kept. */
  private generation = 0;
  private bus: Bus | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {}

  attachBus(bus: Bus) {
    this.bus = bus;
    bus.subscribe(TOPIC, ({ conversationId }: { conversationId: unknown }, from) => {
      if (from !== bus.instance && typeof conversationId === 'string') this.drop(conversationId);
    });
  }

  async get(conversationId: string): Promise<CachedConversation | null> {
    const cached = this.entries.get(conversationId);
    if (cached) return cached;
    let pending = this.loading.get(conversationId);
    if (!pending) {
      const generation = this.generation;
      pending = this.load(conversationId).then((loaded) => {
        if (loaded && generation === this.generation) this.keep(loaded);
        return loaded;
      }).finally(() => this.loading.delete(conversationId));
      this.loading.set(conversationId, pending);
    }
    return pending;
  }

  /** Drops the conversation's entry here and on every other instance (its facts changed). */
  invalidate(conversationId: string) {
    this.drop(conversationId);
    this.bus?.publish(TOPIC, { conversationId });
  }

  /** Drops the entry on this instance only (its copy proved stale at a commit). */
  drop(conversationId: string) {
    this.generation++;
    this.entries.delete(conversationId);
    this.seqs.delete(conversationId);
  }

  /** The last seq known for each of `conversationIds`; null unless every one is known. */
  knownSeqs(conversationIds: string[]): Map<string, number> | null {
    const known = new Map<string, number>();
    for (const id of conversationIds) {
      const seq = this.seqs.get(id);
      if (seq === undefined) return null;
      known.set(id, seq);
    }
    return known;
  }

  /** A commit moved the conversation's seq to `seq` (two groups in flight may answer out of order: the higher stays). */
  committed(conversationId: string, seq: number) {
    if ((this.seqs.get(conversationId) ?? -1) > seq) return;
    this.seqs.delete(conversationId);
    this.seqs.set(conversationId, seq);
    if (this.seqs.size > this.capacity) this.seqs.delete(this.seqs.keys().next().value!);
  }

  /** The seq moved in a way the cache did not see (a command outside the group commit). */
  forgetSeq(conversationId: string) {
    this.seqs.delete(conversationId);
  }

  private keep(entry: CachedConversation) {
    this.entries.set(entry.id, entry);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  private async load(conversationId: string): Promise<CachedConversation | null> {
    const [row, members] = await Promise.all([
      this.db.selectFrom('conversations').select(['id', 'type', 'status', 'expires_at', 'title', 'avatar_url']).where('id', '=', conversationId).executeTakeFirst(),
      currentMembers(this.db, conversationId).select(['mb.user_id', 'mb.role']).orderBy('mb.joined_at').orderBy('mb.user_id').execute(),
    ]);
    if (!row) return null;
    return {
      id: row.id,
      type: row.type,
      status: row.status,
      expiresAt: row.expires_at == null ? null : Number(row.expires_at),
      title: row.title,
      avatarUrl: row.avatar_url,
      members: new Map(members.map((m) => [m.user_id, m.role])),
    };
  }
}
