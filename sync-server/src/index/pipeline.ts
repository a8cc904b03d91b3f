import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type { Database, Dialect } from '@parley/schema/db';

/**
 * Rule O15: a check inside a step. The statement before it must have affected
 * exactly `rows` rows, or the step stops there and the transaction rolls back
 * (the step rejects with GuardFailed). On MySQL it is a statement of its own
 * that fails (error 1242) when the count is off; on SQLite the count is looked
 * at between the statements.
 */
export interface Guard {
  affected: number;
}

export const affected = (rows: number): Guard => ({ affected: rows });

export class GuardFailed extends Error {
  constructor() {
    super('a statement of the step did not affect the rows it had to');
  }
}

/** Runs one step of a transaction: its statements in order, and their results in order (guards give none). */
export type Step = (statements: Array<Compilable | Guard>, options?: { commit?: boolean }) => Promise<Array<QueryResult<unknown>>>;

const isGuard = (statement: Compilable | Guard): statement is Guard => 'affected' in statement;
/** MySQL: error 1242 (a scalar subquery of more than one row) unless row_count() is right. */
const guardQuery = (guard: Guard) => CompiledQuery.raw('select if(row_count() = ?, 1, (select 1 union all select 2))', [guard.affected]);
const SUBQUERY_NOT_ONE_ROW = 1242;

const BEGIN = CompiledQuery.raw('begin');
const COMMIT = CompiledQuery.raw('commit');
const ROLLBACK = CompiledQuery.raw('rollback');

/**
 * Rule O15: a transaction in steps, each step's statements sent together. On
 * MySQL a step is one round trip (a multi-statement query): `begin` rides with
 * the first step and, when the step says `commit`, `commit` with it, so a
 * transaction of seven statements whose later ones depend on what the first
 * ones read costs two writes to the socket, not seven. A statement that fails
 * stops the rest of its step (the server runs none after it), and the
 * transaction rolls back whole. On SQLite, which has no round trips, the
 * statements run one by one inside one transaction.
 */
export async function inSteps<T>(db: Kysely<Database>, dialect: Dialect, body: (step: Step) => Promise<T>): Promise<T> {
  if (dialect === 'sqlite') {
    return db.transaction().execute((trx) => body(async (statements) => {
      const results: Array<QueryResult<unknown>> = [];
      for (const statement of statements) {
        if (!isGuard(statement)) results.push(await trx.executeQuery(statement.compile()));
        else if (Number(results.at(-1)?.numAffectedRows ?? -1) !== statement.affected) throw new GuardFailed();
      }
      return results;
    }));
  }
  return db.connection().execute(async (connection) => {
    let open = false;
    let committed = false;
    const step: Step = async (statements, options = {}) => {
      const queries = [...(open ? [] : [BEGIN]), ...statements.map((s) => (isGuard(s) ? guardQuery(s) : s.compile())), ...(options.commit ? [COMMIT] : [])];
      const skipped = open ? 0 : 1;
      open = true;
      let results: Array<QueryResult<unknown>>;
      try {
        results = await sendTogether(connection, queries);
      } catch (error) {
        if ((error as { errno?: unknown } | null)?.errno === SUBQUERY_NOT_ONE_ROW && statements.some(isGuard)) throw new GuardFailed();
        throw error;
      }
      if (options.commit) committed = true;
      const answered = results.slice(skipped, skipped + statements.length);
      return answered.filter((_, i) => !isGuard(statements[i]!));
    };
    try {
      const value = await body(step);
      if (!committed) await connection.executeQuery(COMMIT);
      return value;
    } catch (error) {
      // A failed step leaves the transaction open (or the connection gone): roll back what is there.
      if (open) await connection.executeQuery(ROLLBACK).catch(() => undefined);
      throw error;
    }
  });
}

/** Kysely's MySQL driver answers a multi-statement query with one raw mysql2 result per statement. */
async function sendTogether(connection: Kysely<Database>, queries: CompiledQuery[]): Promise<Array<QueryResult<unknown>>> {
  if (queries.length === 1) return [await connection.executeQuery(queries[0]!)];
  const joined = CompiledQuery.raw(queries.map((q) => q.sql).join(';\n'), queries.flatMap((q) => [...q.parameters]));
  const { rows } = await connection.executeQuery(joined);
  return (rows as unknown[]).map(toQueryResult);
}

interface RawHeader {
  affectedRows: number;
  changedRows?: number;
  insertId?: number;
}

function toQueryResult(raw: unknown): QueryResult<unknown> {
  if (Array.isArray(raw)) return { rows: raw };
  const header = raw as RawHeader;
  return {
    rows: [],
    numAffectedRows: BigInt(header.affectedRows),
    ...(header.changedRows !== undefined ? { numChangedRows: BigInt(header.changedRows) } : {}),
    ...(header.insertId ? { insertId: BigInt(header.insertId) } : {}),
  };
}
