import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openStore, sql } from './index.ts';
import { eachStore } from './testing.ts';

eachStore('index schema', (getStore) => {
  it('migrates and round-trips a user with emoji and SQL metacharacters', async () => {
    const { db } = getStore();
    await db.insertInto('users').values({
      id: 'u1', username: "o'neil;--", display_name: '🎉 Robert"); DROP TABLE users;--', password_hash: 'x', avatar_url: null, created_at: 1,
    }).execute();
    const row = await db.selectFrom('users').selectAll().where('id', '=', 'u1').executeTakeFirstOrThrow();
    expect(row.display_name).toBe('🎉 Robert"); DROP TABLE users;--');
    expect(typeof row.created_at).toBe('number');
  });

  it('stores a snapshot larger than 64 KB', async () => {
    const { db } = getStore();
    const data = new Uint8Array(300_000).map((_, i) => i % 251);
    await db.insertInto('documents').values({ name: 'conversation:x', data, updated_at: 1 }).execute();
    const row = await db.selectFrom('documents').select('data').where('name', '=', 'conversation:x').executeTakeFirstOrThrow();
    expect(Buffer.from(row.data).equals(Buffer.from(data))).toBe(true);
  });
});

describe('opening one fresh SQLite file from several stores at once (npm start opens it from two services)', () => {
  it('migrates once, and every store opens', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-race-'));
    try {
      const stores = await Promise.all(Array.from({ length: 4 }, () => openStore({ dataDir })));
      const applied = await stores[0]!.db.selectFrom('schema_migrations' as never).select('name' as never).execute();
      expect(new Set(applied.map((r) => (r as { name: string }).name)).size).toBe(applied.length);
      for (const store of stores) await store.close();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('opening a SQLite file while another process writes it', () => {
  // Turning the file to WAL needs it to itself, and SQLite answers SQLITE_BUSY at once, without
  // its busy handler, while another process holds a write lock: npm start's two services meet
  // this when they open one fresh file together. The opener must wait, not exit.
  it('waits for the writer and opens', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-busy-'));
    const file = path.join(dataDir, 'parley.db');
    const writer = spawn(process.execPath, ['-e', `
      const db = new (require('better-sqlite3'))(${JSON.stringify(file)});
      db.exec('BEGIN IMMEDIATE; CREATE TABLE other_writer (x)');
      console.log('holding');
      setTimeout(() => { db.exec('COMMIT'); db.close(); }, 500);
    `], { cwd: fileURLToPath(new URL('.', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        writer.stdout.once('data', () => resolve());
        writer.once('exit', (code) => reject(new Error(`the writer exited with ${code} before holding its lock`)));
      });
      const store = await openStore({ dataDir });
      const { journal_mode } = (await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(store.db)).rows[0]!;
      expect(journal_mode).toBe('wal');
      await store.close();
    } finally {
      writer.kill();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
