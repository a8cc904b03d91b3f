import { sql, type RawBuilder } from 'kysely';

/**
 * `case when <condition> then <value> … end`: one statement that gives each row
 * its own value (null on a row no condition names), where a statement per row
 * would be a round trip each (rules O12, P7).
 */
export function caseOf(branches: Array<[RawBuilder<unknown>, number]>): RawBuilder<number> {
  return sql<number>`case ${sql.join(branches.map(([when, then]) => sql`when ${when} then ${then}`), sql` `)} end`;
}
