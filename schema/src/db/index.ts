import fs from 'node:fs';
import path from 'node:path';
import { Kysely, Migrator, MysqlDialect, SqliteDialect, type LogConfig, type MigrationProvider } from 'kysely';
import { createPool } from 'mysql2';
import SQLite from 'better-sqlite3';
import { migrations } from './migrations.ts';
import type { Database } from './tables.ts';

export type { Database } from './tables.ts';
export * from './tables.ts';
export { sql } from 'kysely';

export type Dialect = 'mysql' | 'sqlite';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** `mysql://user:pass@host:port/db`; without it, SQLite in dataDir. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** Connections in the MySQL pool. */
  poolSize?: number;
  /** Kysely's query log (a statement counter in tests and benches). */
  log?: LogConfig;
}

/** Opens the index and brings its schema up to date. */
export async function openStore(options: OpenOptions): Promise<Store> {
  const store = options.databaseUrl ? openMysql(options.databaseUrl, options.poolSize ?? 10, options.log) : openSqlite(options.dataDir, options.log);
  await migrate(store);
  return store;
}

function openMysql(url: string, connectionLimit: number, log?: LogConfig): Store {
  const parsed = new URL(url);
  if (parsed.protocol !== 'mysql:') throw new Error(`DATABASE_URL must start with mysql://, got ${parsed.protocol}`);
  const pool = createPool({
    uri: url,
    connectionLimit,
    charset: 'utf8mb4',
    supportBigNumbers: true,
    // Seq and timestamps fit a double; strings would leak into every caller.
    bigNumberStrings: false,
    decimalNumbers: true,
    // Rule O15: a transaction's steps go in one round trip each. Every statement is
    // Kysely's, with its values as parameters; no text from outside is ever joined into SQL.
    multipleStatements: true,
  });
  const db = new Kysely<Database>({ dialect: new MysqlDialect({ pool }), ...(log ? { log } : {}) });
  return { db, dialect: 'mysql', close: () => db.destroy() };
}

function openSqlite(dataDir: string, log?: LogConfig): Store {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'parley.db');
  const database = new SQLite(file, { timeout: 5000 });
  switchToWal(database);
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }), ...(log ? { log } : {}) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

/**
 * Turning a file to WAL needs it to itself for a moment, and SQLite answers SQLITE_BUSY at
 * once, without its busy handler, when another process (npm start's sync-server and
 * media-server open one fresh file together) holds it. Opening is synchronous, so wait here.
 */
function switchToWal(database: SQLite.Database): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 1; ; attempt++) {
    try {
      database.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= 100) throw error;
      Atomics.wait(pause, 0, 0, 20 + Math.random() * 30);
    }
  }
}

async function migrate(store: Store): Promise<void> {
  const all = migrations(store.dialect);
  const provider: MigrationProvider = { getMigrations: async () => all };
  const migrator = new Migrator({ db: store.db, provider, migrationTableName: 'schema_migrations', migrationLockTableName: 'schema_migrations_lock' });
  // Kysely takes no migration lock on SQLite, so two processes opening one fresh file
  // (npm start's sync-server and media-server) race: the loser's migration fails on a
  // table or column the winner just created and rolls back. Trying again finds the winner's work done.
  for (let attempt = 1; ; attempt++) {
    const { error } = await migrator.migrateToLatest();
    if (!error) return;
    const racing = store.dialect === 'sqlite' && /already exists|duplicate column name|database is locked|SQLITE_BUSY/i.test(String((error as Error)?.message ?? error));
    if (!racing || attempt >= 20) throw error instanceof Error ? error : new Error(String(error));
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
  }
}
