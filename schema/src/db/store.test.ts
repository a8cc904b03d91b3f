import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from './index.ts';
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
