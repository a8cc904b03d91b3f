import { beforeEach, expect, it } from 'vitest';
import { eachStore } from '@parley/schema/db/testing';
import type { Store } from '@parley/schema/db';
import { isUniqueViolation } from '../index/errors.ts';
import { GuardFailed, inSteps } from '../index/pipeline.ts';
import { commitGroup, StaleFacts, type GroupItem } from './group-commit.ts';

/**
 * Rules O12, O13, O15 on the database itself: a group commits whole in its two
 * steps, or in one on known seqs, and a conversation closed meanwhile, a sender
 * who left meanwhile, a seq moved by someone else, or a command answered before
 * leaves no trace of the group (on MySQL the failing statement stops its step
 * mid-query, and the transaction must still roll back).
 */
eachStore('group commit', (getStore) => {
  let n = 0;
  let ids: { ann: string; ben: string; one: string; two: string };

  beforeEach(async () => {
    const { db } = getStore();
    n++;
    ids = { ann: `ann${n}`, ben: `ben${n}`, one: `one${n}`, two: `two${n}` };
    await db.insertInto('users').values([ids.ann, ids.ben].map((id) => ({ id, username: id, display_name: id, password_hash: 'x', avatar_url: null, created_at: 1 }))).execute();
    await db.insertInto('conversations').values([ids.one, ids.two].map((id) => ({
      id, type: 'group', title: id, avatar_url: null, direct_key: null, context_kind: null, context_ref: null, buyer_id: null, seller_id: null,
      context_key: null, status: 'active', expires_at: null, created_by: ids.ann, created_at: 1, last_seq: 3, last_message_at: 1, epoch: 1,
    }))).execute();
    await db.insertInto('members').values([ids.one, ids.two].flatMap((conversationId) => [ids.ann, ids.ben].map((userId) => ({
      conversation_id: conversationId, user_id: userId, role: 'member', joined_at: 1, left_at: null, muted: 0, last_read_seq: 0,
    })))).execute();
  });

  const send = (actorId: string, conversationId: string, text: string): GroupItem => ({
    actorId, command: { id: crypto.randomUUID(), type: 'send', conversationId, messageId: crypto.randomUUID(), kind: 'text', text, createdAt: 1 },
  });
  const read = (actorId: string, conversationId: string, seq: number): GroupItem => ({
    actorId, command: { id: crypto.randomUUID(), type: 'read', conversationId, seq, createdAt: 1 },
  });
  /** The steps a commit took, and how many statements each carried (guards included). */
  let steps: number[] = [];
  const commit = (store: Store, items: GroupItem[], known: Map<string, number> | null = null) => inSteps(store.db, store.dialect, (step) =>
    commitGroup(store.db, store.dialect, (statements, options) => {
      steps.push(statements.length);
      return step(statements, options);
    }, items, 1000, known));
  beforeEach(() => {
    steps = [];
  });
  const state = async (store: Store) => ({
    seqs: (await store.db.selectFrom('conversations').select(['id', 'last_seq']).where('id', 'in', [ids.one, ids.two]).orderBy('id').execute()).map((r) => Number(r.last_seq)),
    messages: Number((await store.db.selectFrom('messages').select((eb) => eb.fn.countAll().as('n')).where('conversation_id', 'in', [ids.one, ids.two]).executeTakeFirstOrThrow()).n),
    markers: (await store.db.selectFrom('members').select('last_read_seq').where('conversation_id', 'in', [ids.one, ids.two]).orderBy('conversation_id').orderBy('user_id').execute()).map((r) => Number(r.last_read_seq)),
  });

  it('gives each conversation its seq range, moves the markers and stores every answer', async () => {
    const store = getStore();
    const items = [send(ids.ann, ids.one, 'a'), send(ids.ben, ids.one, 'b'), send(ids.ann, ids.two, 'c'), read(ids.ben, ids.two, 99)];
    const { results, changes } = await commit(store, items);
    expect(results.map((r) => (r.status === 'sent' ? r.seq : null))).toEqual([4, 5, 4, 4]);
    expect(changes.get(ids.one)!.rows.map((r) => r.seq)).toEqual([4, 5]);
    expect(changes.get(ids.two)!.reads).toEqual({ [ids.ann]: 4, [ids.ben]: 4 });
    // ann and ben in one, then in two: each sender at their own message, ben in two clamped to the last seq.
    expect(await state(store)).toEqual({ seqs: [5, 4], messages: 3, markers: [4, 5, 4, 4] });
    const stored = await store.db.selectFrom('commands').select('id').where('id', 'in', items.map((i) => i.command.id)).execute();
    expect(stored).toHaveLength(4);
  });

  it('rolls back whole when a conversation was closed meanwhile, and names it', async () => {
    const store = getStore();
    await store.db.updateTable('conversations').set({ status: 'closed' }).where('id', '=', ids.two).execute();
    const error = await commit(store, [send(ids.ann, ids.one, 'a'), send(ids.ann, ids.two, 'b')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StaleFacts);
    expect((error as StaleFacts).conversationIds).toEqual([ids.two]);
    expect(await state(store)).toEqual({ seqs: [3, 3], messages: 0, markers: [0, 0, 0, 0] });
  });

  it('rolls back whole when a sender left meanwhile', async () => {
    const store = getStore();
    await store.db.updateTable('members').set({ left_at: 5 }).where('conversation_id', '=', ids.one).where('user_id', '=', ids.ben).execute();
    const error = await commit(store, [send(ids.ann, ids.one, 'a'), send(ids.ben, ids.one, 'b')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StaleFacts);
    expect(await state(store)).toEqual({ seqs: [3, 3], messages: 0, markers: [0, 0, 0, 0] });
  });

  it('rolls back whole when a command was answered before, and the connection goes on working', async () => {
    const store = getStore();
    const first = send(ids.ann, ids.one, 'a');
    await commit(store, [first]);
    const before = await state(store);
    const again = { ...send(ids.ben, ids.two, 'b'), command: { ...send(ids.ben, ids.two, 'b').command, id: first.command.id } };
    const error = await commit(store, [send(ids.ann, ids.one, 'x'), again]).catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
    expect(await state(store)).toEqual(before);
    // Every pooled connection still takes a transaction (none was left inside the failed one).
    await Promise.all(Array.from({ length: 12 }, (_, i) => commit(store, [send(ids.ann, ids.two, `ok ${i}`)])));
    expect((await state(store)).seqs).toEqual([before.seqs[0], before.seqs[1]! + 12]);
  });

  it('O15: on known seqs, commits in one step what two steps commit', async () => {
    const store = getStore();
    const items = [send(ids.ann, ids.one, 'a'), send(ids.ben, ids.one, 'b'), send(ids.ann, ids.two, 'c'), read(ids.ben, ids.two, 4)];
    const { results, lastSeqs } = await commit(store, items, new Map([[ids.one, 3], [ids.two, 3]]));
    expect(steps).toHaveLength(1);
    expect(results.map((r) => (r.status === 'sent' ? r.seq : null))).toEqual([4, 5, 4, 4]);
    expect([...lastSeqs].sort()).toEqual([[ids.one, 5], [ids.two, 4]].sort());
    expect(await state(store)).toEqual({ seqs: [5, 4], messages: 3, markers: [4, 5, 4, 4] });
    // Reads alone within the known seqs: one step too.
    steps = [];
    await commit(store, [read(ids.ben, ids.one, 5)], new Map([[ids.one, 5]]));
    expect(steps).toHaveLength(1);
    expect((await state(store)).markers).toEqual([4, 5, 4, 4]);
  });

  it('O15: a read beyond a known seq takes the stored seq (two steps), and is clamped to it', async () => {
    const store = getStore();
    const { results } = await commit(store, [read(ids.ben, ids.one, 99)], new Map([[ids.one, 3]]));
    expect(steps).toHaveLength(2);
    expect(results[0]).toMatchObject({ status: 'sent', seq: 3 });
  });

  it('O15: a known seq that is off, a closed conversation or a sender who left fail the guard and leave nothing', async () => {
    const store = getStore();
    const off = await commit(store, [send(ids.ann, ids.one, 'a'), send(ids.ann, ids.two, 'b')], new Map([[ids.one, 3], [ids.two, 2]])).catch((e: unknown) => e);
    expect(off).toBeInstanceOf(GuardFailed);
    await store.db.updateTable('conversations').set({ status: 'closed' }).where('id', '=', ids.two).execute();
    const closedOne = await commit(store, [send(ids.ann, ids.two, 'b')], new Map([[ids.two, 3]])).catch((e: unknown) => e);
    expect(closedOne).toBeInstanceOf(GuardFailed);
    await store.db.updateTable('members').set({ left_at: 5 }).where('conversation_id', '=', ids.one).where('user_id', '=', ids.ben).execute();
    const left = await commit(store, [send(ids.ann, ids.one, 'a'), send(ids.ben, ids.one, 'b')], new Map([[ids.one, 3]])).catch((e: unknown) => e);
    expect(left).toBeInstanceOf(GuardFailed);
    expect(await state(store)).toEqual({ seqs: [3, 3], messages: 0, markers: [0, 0, 0, 0] });
    // The pool's connections are all usable after the failed steps.
    await Promise.all(Array.from({ length: 12 }, (_, i) => commit(store, [send(ids.ann, ids.one, `ok ${i}`)])));
    expect((await state(store)).seqs).toEqual([15, 3]);
  });
});
