import { createConnection } from 'mysql2/promise';
import type * as Y from 'yjs';
import { conversationParts, epochState, userParts, type CommandResult, type HistoryPage } from '@parley/schema';
import { api, connect, type SyncClient } from '../clients.ts';
import { loadAll, type Member } from './workload.ts';

/**
 * The chaos suite's verdict, read from every side once the faults stopped:
 * the index (SQL), the history API (REST, paged), every member's SDK list and
 * document, and every user document. Each finding is a line; none is the pass.
 */
export interface Verdict {
  problems: string[];
  messages: number;
  /** Messages the members sent, by id, that the index holds 0 or ≥ 2 times. */
  lost: number;
  duplicated: number;
}

interface Row { conversation_id: string; seq: number; id: string; sender_id: string; kind: string }

export async function verify(options: { members: Member[]; databaseUrl: string; directUrl: string }): Promise<Verdict> {
  const { members } = options;
  const problems: string[] = [];
  const db = await createConnection({ uri: options.databaseUrl });
  const [rows] = await db.query('select conversation_id, seq, id, sender_id, kind from messages order by conversation_id, seq');
  const [commandRows] = await db.query('select id, user_id, result from commands');
  await db.end();
  const index = new Map<string, Row[]>();
  for (const row of rows as Row[]) index.set(row.conversation_id, [...(index.get(row.conversation_id) ?? []), { ...row, seq: Number(row.seq) }]);
  const commands = new Map((commandRows as Array<{ id: string; user_id: string; result: string }>).map((c) => [c.id, c]));

  // The index: every sent message once, seqs 1..n with no gap.
  const sentIds = members.flatMap((m) => m.sent);
  const counts = new Map<string, number>();
  for (const row of rows as Row[]) counts.set(row.id, (counts.get(row.id) ?? 0) + 1);
  const lost = sentIds.filter((id) => !counts.has(id)).length;
  const duplicated = sentIds.filter((id) => (counts.get(id) ?? 0) > 1).length;
  if (lost) problems.push(`index: ${lost} sent messages missing`);
  if (duplicated) problems.push(`index: ${duplicated} sent messages stored more than once`);
  const conversations = [...new Set(members.map((m) => m.conversationId))];
  for (const id of conversations) {
    const seqs = (index.get(id) ?? []).map((r) => r.seq);
    const gapless = seqs.every((s, i) => s === i + 1);
    if (!gapless) problems.push(`index: conversation ${id} seqs are not 1..${seqs.length}`);
    const texts = (index.get(id) ?? []).filter((r) => r.kind === 'text').length;
    const expected = members.filter((m) => m.conversationId === id).reduce((n, m) => n + m.sent.length, 0);
    if (texts !== expected) problems.push(`index: conversation ${id} holds ${texts} text messages, ${expected} were sent`);
  }
  const order = (id: string) => (index.get(id) ?? []).map((r) => `${r.seq}:${r.id}`).join(',');

  // The history API, paged, as one member of each conversation reads it.
  for (const id of conversations) {
    const reader = members.find((m) => m.conversationId === id)!;
    const items = await history(options.directUrl, reader.auth.token, id);
    if (items.map((m) => `${m.seq}:${m.id}`).join(',') !== order(id)) problems.push(`history: conversation ${id} differs from the index (${items.length} items)`);
  }

  // Every member's SDK list (history ∪ window ∪ pending) and its document.
  for (const member of members) {
    await loadAll(member);
    const list = member.room.messages();
    const who = `member ${member.auth.user.username}`;
    if (list.some((m) => m.status !== 'sent')) problems.push(`${who}: ${list.filter((m) => m.status !== 'sent').length} messages not sent (${[...new Set(list.map((m) => m.status))].join(', ')})`);
    // The SDK list is one per id by construction; the document under it must be too (rule D2).
    const doc = (member.room as unknown as { synced: { doc: Y.Doc } }).synced.doc;
    if (list.map((m) => `${m.seq}:${m.id}`).join(',') !== order(member.conversationId)) {
      const have = new Set(list.map((m) => m.seq));
      const missing = (index.get(member.conversationId) ?? []).filter((r) => !have.has(r.seq)).map((r) => r.seq);
      const provider = (member.room as unknown as { synced: { provider: { isSynced: boolean; isAuthenticated: boolean; _isAttached: boolean } | null } }).synced.provider;
      problems.push(`${who} on ${member.instance}: list differs from the index (${list.length} vs ${index.get(member.conversationId)?.length}; missing seqs ${missing.slice(0, 5).join(',')}…${missing.at(-1)}; document window ${conversationParts(doc).messages.length} entries, epochs ${conversationParts(doc).epoch.toArray().join(',')}; provider synced ${provider?.isSynced} authenticated ${provider?.isAuthenticated} attached ${provider?._isAttached}; socket ${member.client.getConnectionState()}; errors ${member.errors.join(' | ')})`);
    }
    const raw = conversationParts(doc).messages.toArray().map((m) => m.id);
    if (new Set(raw).size !== raw.length) problems.push(`${who}: the conversation document holds ${raw.length - new Set(raw).size} entries twice`);
    if (epochState(doc).stale) problems.push(`${who}: the conversation document is stale (epochs ${conversationParts(doc).epoch.toArray().join(',')})`);
    if (member.failed.length) problems.push(`${who}: ${member.failed.length} messageFailed events (${[...new Set(member.failed.map((f) => f.error.code))].join(', ')})`);
    const twice = [...member.confirmed.values()].filter((c) => c.times > 1).length;
    if (twice) problems.push(`${who}: ${twice} commands confirmed more than once`);
    const confirmedIds = new Set([...member.confirmed.values()].map((c) => c.messageId));
    if (member.sent.some((id) => !confirmedIds.has(id))) problems.push(`${who}: ${member.sent.filter((id) => !confirmedIds.has(id)).length} sends never confirmed`);
  }

  // Every user document: the outbox drained, one result per command id, each matching one index row of its sender.
  for (const member of members) {
    const who = `user document of ${member.auth.user.username}`;
    const raw = await openUserDocument(options.directUrl, member);
    if (typeof raw === 'string') {
      problems.push(`${who}: ${raw}`);
      continue;
    }
    try {
      const { outbox, results } = userParts(raw.user.doc);
      if (outbox.length) problems.push(`${who}: ${outbox.length} commands still in the outbox`);
      const ids = results.toArray().map((r) => r.id);
      if (new Set(ids).size !== ids.length) problems.push(`${who}: ${ids.length - new Set(ids).size} command ids with two results (${repeatedResults(results)})`);
      const rowsBySeq = new Map((index.get(member.conversationId) ?? []).map((r) => [r.seq, r]));
      const answered = new Set<string>();
      for (const result of results.toArray()) {
        if (result.status !== 'sent') problems.push(`${who}: command ${result.id} ${result.status} ${'code' in result ? result.code : ''}`);
        else if (member.confirmed.has(result.id)) {
          const row = rowsBySeq.get(result.seq);
          if (row?.sender_id !== member.auth.user.id) problems.push(`${who}: result ${result.id} points at seq ${result.seq}, not one of this user's messages`);
          else answered.add(row.id);
        }
        if (commands.get(result.id)?.user_id !== member.auth.user.id) problems.push(`${who}: result ${result.id} has no commands row of this user`);
      }
      const unanswered = member.sent.filter((id) => !answered.has(id)).length;
      if (unanswered) problems.push(`${who}: ${unanswered} sent messages without a result`);
    } finally {
      raw.destroy();
    }
  }
  return { problems, messages: (rows as Row[]).filter((r) => r.kind === 'text').length, lost, duplicated };
}

async function history(url: string, token: string, conversationId: string) {
  let before: number | undefined;
  const items: HistoryPage['items'] = [];
  for (;;) {
    const query = `limit=100${before === undefined ? '' : `&before=${before}`}`;
    const { status, body } = await api<HistoryPage>(url, `/conversations/${conversationId}/messages?${query}`, { token });
    if (status !== 200) throw new Error(`history ${status}`);
    items.unshift(...body.items);
    if (!body.hasMore || !body.items.length) return items;
    before = body.items[0]!.seq;
  }
}

/** The repeated results with the Yjs client that wrote each: which processes answered twice. */
function repeatedResults(results: Y.Array<CommandResult>): string {
  const written: Array<{ client: number; result: CommandResult }> = [];
  for (let item = results._start; item; item = item.right) {
    if (!item.deleted) for (const result of item.content.getContent() as CommandResult[]) written.push({ client: item.id.client, result });
  }
  const counts = new Map<string, number>();
  for (const { result } of written) counts.set(result.id, (counts.get(result.id) ?? 0) + 1);
  return written.filter(({ result }) => counts.get(result.id)! > 1).map(({ client, result }) => `${JSON.stringify(result)} by client ${client}`).join('; ');
}

/** A fresh copy of the member's user document, tried a few times (a loaded machine can be slow to answer); a string says why not. */
async function openUserDocument(directUrl: string, member: Member): Promise<SyncClient | string> {
  let last = '';
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      return await connect(`${directUrl.replace('http', 'ws')}/sync`, member.auth);
    } catch (error) {
      last = (error as Error).message;
    }
  }
  return `could not be opened (${last})`;
}
