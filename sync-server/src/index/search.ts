import { sql, type Expression, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { Database, Store } from '@parley/schema/db';
import { LIMITS, type SearchHit } from '@parley/schema';
import { rowToMessage, withReplies } from './messages.ts';

/**
 * Message search over the caller's conversations (docs/api.md, "Search").
 *
 * Every whitespace-separated term must occur in the text, as a substring,
 * ignoring case. SQLite answers long terms from the FTS5 trigram index, which
 * has exactly those semantics. MySQL narrows with its FULLTEXT index where a
 * term is one the parser indexes, and always confirms with LIKE, because the
 * default parser (MariaDB has no ngram) matches whole words only and skips
 * stopwords, emoji and unsegmented Chinese.
 */
export interface SearchOptions {
  q: string;
  conversationId?: string | undefined;
  limit: number;
}

/** Trigram FTS (SQLite) and our MySQL rule both need three characters. */
const FTS_MIN_CHARS = 3;
/** innodb_ft_max_token_size's default. */
const MYSQL_FTS_MAX_CHARS = 84;
/** InnoDB's default stopword list (INNODB_FT_DEFAULT_STOPWORD): a required stopword matches nothing. */
const INNODB_STOPWORDS = new Set([
  'a', 'about', 'an', 'are', 'as', 'at', 'be', 'by', 'com', 'de', 'en', 'for', 'from', 'how', 'i', 'in', 'is', 'it',
  'la', 'of', 'on', 'or', 'that', 'the', 'this', 'to', 'was', 'what', 'when', 'where', 'who', 'will', 'with', 'und', 'www',
]);
const WORD = /^[\p{L}\p{N}_]+$/u;
const UNSEGMENTED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/u;

export function searchTerms(q: string): string[] {
  return [...new Set(q.trim().split(/\s+/u).filter((t) => t.length > 0))].slice(0, LIMITS.searchTermsMax);
}

export async function searchMessages(store: Store, userId: string, options: SearchOptions): Promise<SearchHit[]> {
  const terms = searchTerms(options.q);
  if (terms.length === 0) return [];
  const { db } = store;
  const conditions: Array<RawBuilder<SqlBool>> = [];

  if (store.dialect === 'sqlite') {
    const long = terms.filter((t) => chars(t) >= FTS_MIN_CHARS);
    if (long.length) conditions.push(sql<SqlBool>`m.rowid in (select rowid from messages_fts where messages_fts match ${ftsPhrases(long)})`);
    for (const t of terms.filter((t) => chars(t) < FTS_MIN_CHARS)) conditions.push(like(sql.ref('m.text'), likePattern(t, 'contains')));
  } else {
    const ngram = await hasNgramParser(db);
    const indexed = terms.filter((t) => mysqlIndexes(t, ngram));
    if (indexed.length) {
      const expr = indexed.map((t) => `+"${t}"`).join(' ');
      conditions.push(sql<SqlBool>`match(m.text) against (${expr} in boolean mode)`);
    }
    for (const t of terms) conditions.push(like(sql.ref('m.text'), likePattern(t, 'contains')));
  }

  let query = db
    .selectFrom('messages as m')
    .innerJoin('members as mb', (join) =>
      join.onRef('mb.conversation_id', '=', 'm.conversation_id').on('mb.user_id', '=', userId).on('mb.left_at', 'is', null),
    )
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .selectAll('m')
    .select('c.title as conversation_title')
    .where('m.recalled_at', 'is', null)
    .where('m.kind', '!=', 'system');
  if (options.conversationId !== undefined) query = query.where('m.conversation_id', '=', options.conversationId);
  for (const condition of conditions) query = query.where(condition);
  const rows = await query.orderBy('m.created_at', 'desc').orderBy('m.seq', 'desc').limit(options.limit).execute();

  const pairs = await withReplies(db, rows);
  return pairs.map(([row, reply], i) => ({ ...rowToMessage(row, reply), conversationTitle: rows[i]!.conversation_title }));
}

/** FTS5 phrases, one per term, AND-ed; double quotes doubled so user syntax stays text. */
function ftsPhrases(terms: string[]): string {
  return terms.map((t) => `"${t.replaceAll('"', '""')}"`).join(' AND ');
}

function mysqlIndexes(term: string, ngram: boolean): boolean {
  const n = chars(term);
  if (n < FTS_MIN_CHARS || n > MYSQL_FTS_MAX_CHARS || !WORD.test(term)) return false;
  if (ngram) return true;
  return !UNSEGMENTED.test(term) && !INNODB_STOPWORDS.has(term.toLowerCase());
}

const ngramByDb = new WeakMap<object, Promise<boolean>>();

/** MySQL builds the index WITH PARSER ngram; MariaDB falls back to the word parser (see migrations). */
function hasNgramParser(db: Kysely<Database>): Promise<boolean> {
  let known = ngramByDb.get(db);
  if (!known) {
    known = sql<Record<string, string>>`show create table messages`
      .execute(db)
      .then((r) => /with parser\s+`?ngram/i.test(Object.values(r.rows[0] ?? {}).join(' ')))
      .catch(() => false);
    ngramByDb.set(db, known);
  }
  return known;
}

function chars(s: string): number {
  return [...s].length;
}

/** A LIKE pattern with `!` as the escape character (one spelling that both databases accept). */
export function likePattern(text: string, mode: 'contains' | 'prefix'): string {
  const escaped = text.replace(/[!%_]/g, (c) => `!${c}`);
  return mode === 'contains' ? `%${escaped}%` : `${escaped}%`;
}

export function like(column: Expression<unknown> | RawBuilder<unknown>, pattern: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`${column} like ${pattern} escape '!'`;
}
