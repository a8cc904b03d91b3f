import { expect, it } from 'vitest';
import { eachStore } from '@parley/schema/db/testing';
import { conversationSummaries } from './conversations.ts';

/**
 * Rule I2 rests on a summary that agrees with itself: its unread count holds
 * exactly the others' messages after the read marker up to its `lastSeq`. Read
 * in parts while messages commit, a summary could count a message past its
 * `lastSeq`, which the inbox then counted a second time when it followed it.
 */
eachStore('conversation summaries', (getStore) => {
  it('I2: a summary taken while messages commit counts unread up to its own lastSeq', async () => {
    const { db } = getStore();
    const [ann, ben, id] = ['ann-s', 'ben-s', 'conv-s'];
    await db.insertInto('users').values([ann, ben].map((u) => ({ id: u, username: u, display_name: u, password_hash: 'x', avatar_url: null, created_at: 1 }))).execute();
    await db.insertInto('conversations').values({
      id, type: 'direct', title: null, avatar_url: null, direct_key: null, context_kind: null, context_ref: null, buyer_id: null, seller_id: null,
      context_key: null, status: 'active', expires_at: null, created_by: ann, created_at: 1, last_seq: 0, last_message_at: 1, epoch: 1,
    }).execute();
    await db.insertInto('members').values([ann, ben].map((u) => ({ conversation_id: id, user_id: u, role: 'member', joined_at: 1, left_at: null, muted: 0, last_read_seq: 0 }))).execute();

    let writing = true;
    const writer = (async () => {
      for (let seq = 1; writing && seq <= 400; seq++) {
        await db.transaction().execute(async (trx) => {
          await trx.updateTable('conversations').set({ last_seq: seq, last_message_at: seq }).where('id', '=', id).execute();
          await trx.insertInto('messages').values({
            conversation_id: id, id: `m-${seq}`, sender_id: ann, kind: 'text', text: `${seq}`, media: null, reply_to: null, system: null,
            created_at: seq, seq, version: 1, edited_at: null, recalled_at: null, reactions: null,
          }).execute();
        });
      }
    })();
    const seen: Array<{ lastSeq: number; unreadCount: number; last: number | undefined }> = [];
    while (seen.length < 60) {
      const [summary] = await conversationSummaries(db, ben, () => false, id);
      seen.push({ lastSeq: summary!.lastSeq, unreadCount: summary!.unreadCount, last: summary!.lastMessage?.seq });
    }
    writing = false;
    await writer;
    // ben never read and ann sent every message: each summary's unread count is its lastSeq.
    expect(seen.filter((s) => s.unreadCount !== s.lastSeq || (s.lastSeq > 0 && s.last !== s.lastSeq))).toEqual([]);
    expect(seen.at(-1)!.lastSeq).toBeGreaterThan(0);
  });
});
