import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe } from 'vitest';
import { openStore, type Dialect, type Store } from './index.ts';

/**
 * Test support: a fresh, migrated index on each database under test — SQLite
 * always, MySQL/MariaDB too when TEST_MYSQL_URL is set (one new database each).
 */
export interface TestDatabase {
  dialect: Dialect;
  databaseUrl?: string;
  dataDir: string;
  drop(): Promise<void>;
}

export function testDialects(): Dialect[] {
  return process.env.TEST_MYSQL_URL ? ['sqlite', 'mysql'] : ['sqlite'];
}

export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-test-'));
  const removeDir = async () => fs.rmSync(dataDir, { recursive: true, force: true });
  if (dialect === 'sqlite') return { dialect, dataDir, drop: removeDir };

  const server = new URL(process.env.TEST_MYSQL_URL!);
  const name = `parley_test_${randomBytes(6).toString('hex')}`;
  const admin = await createConnection({ uri: server.toString() });
  await admin.query(`create database \`${name}\` character set utf8mb4 collate utf8mb4_unicode_ci`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    dialect,
    dataDir,
    databaseUrl: url.toString(),
    async drop() {
      const conn = await createConnection({ uri: server.toString() });
      await conn.query(`drop database if exists \`${name}\``);
      await conn.end();
      await removeDir();
    },
  };
}

/** Runs the suite once per database under test, each with its own fresh store. */
export function eachStore(title: string, suite: (getStore: () => Store, getDatabase: () => TestDatabase) => void): void {
  for (const dialect of testDialects()) {
    describe(`${title} [${dialect}]`, () => {
      let database: TestDatabase;
      let store: Store;
      beforeAll(async () => {
        database = await createTestDatabase(dialect);
        store = await openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
      });
      afterAll(async () => {
        await store?.close();
        await database?.drop();
      });
      suite(() => store, () => database);
    });
  }
}
