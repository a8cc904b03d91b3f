import crypto from 'node:crypto';
import { expect, it } from 'vitest';
import type { AuthResponse } from '@parley/schema';
import { api, eachWorld, group, register, samplePng, uploadBytes, errorCode } from './setup.ts';

/** A finished upload is served at the URL tus returned, with Range, the validated type and immutable caching. */
eachWorld('media serving', (world) => {
  let a: AuthResponse;
  let b: AuthResponse;
  let conversationId: string;
  const text = Buffer.from('hello, parley\n'.repeat(1000));
  let fileUrl: string;

  it('an uploaded file is served whole to a member, with its headers', async () => {
    a = await register(world.sync.url, 'alice');
    b = await register(world.sync.url, 'bob');
    conversationId = await group(world, a, [b]);
    const { location, finish } = await uploadBytes(world, a.token, { filename: 'notes.txt', filetype: 'text/plain', conversationId }, text);
    expect(finish.status).toBe(204);
    expect(location).toMatch(/^\/files\/[0-9a-f]{32}$/);
    fileUrl = new URL(location, world.url).toString();

    const res = await fetch(fileUrl, { headers: { Authorization: `Bearer ${b.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="notes.txt"/);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('cache-control')).toContain('immutable');
    expect(Buffer.from(await res.arrayBuffer()).equals(text)).toBe(true);
  });

  it('answers a Range with 206 and exactly those bytes', async () => {
    const res = await fetch(fileUrl, { headers: { Authorization: `Bearer ${b.token}`, Range: 'bytes=100-199' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 100-199/${text.length}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(text.subarray(100, 200))).toBe(true);

    const suffix = await fetch(fileUrl, { headers: { Authorization: `Bearer ${b.token}`, Range: 'bytes=-10' } });
    expect(suffix.status).toBe(206);
    expect(Buffer.from(await suffix.arrayBuffer()).equals(text.subarray(text.length - 10))).toBe(true);

    const open = await fetch(fileUrl, { headers: { Authorization: `Bearer ${b.token}`, Range: `bytes=${text.length - 5}-` } });
    expect(open.status).toBe(206);
    expect((await open.arrayBuffer()).byteLength).toBe(5);
  });

  it('answers a Range beyond the end, or a malformed one, with 416 and the size', async () => {
    for (const range of [`bytes=${text.length}-`, `bytes=${text.length + 10}-${text.length + 20}`, 'bytes=200-100', 'bytes=abc', 'bytes=-0', 'bytes=-']) {
      const res = await fetch(fileUrl, { headers: { Authorization: `Bearer ${b.token}`, Range: range } });
      expect(res.status, range).toBe(416);
      expect(res.headers.get('content-range')).toBe(`bytes */${text.length}`);
      expect(await errorCode(res)).toBe('RANGE_NOT_SATISFIABLE');
    }
  });

  it('an image gets its dimensions and a thumbnail; it is served inline', async () => {
    const png = await samplePng(640, 480);
    const { location, finish } = await uploadBytes(world, a.token, { filename: 'pic.png', filetype: 'image/png', conversationId }, png);
    expect(finish.status).toBe(204);
    const id = location.split('/').pop()!;
    const row = await world.sync.services.store.db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.status).toBe('complete');
    expect([Number(row.width), Number(row.height)]).toEqual([640, 480]);

    const original = await fetch(new URL(location, world.url), { headers: { Authorization: `Bearer ${b.token}` } });
    expect(original.headers.get('content-type')).toBe('image/png');
    expect(original.headers.get('content-disposition')).toMatch(/^inline/);
    const thumb = await fetch(new URL(`${location}/thumbnail`, world.url), { headers: { Authorization: `Bearer ${b.token}` } });
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    const sharp = (await import('sharp')).default;
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([320, 240]);
  });

  it('a signed link works without a header, only for its file, and not as an access token', async () => {
    const id = fileUrl.split('/').pop()!;
    const link = await fetch(`${fileUrl}/link`, { method: 'POST', headers: { Authorization: `Bearer ${b.token}` } });
    expect(link.status).toBe(200);
    const { url, expiresAt } = (await link.json()) as { url: string; expiresAt: number };
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(world.config.signedUrlTtlSeconds * 1000 + 1000);
    expect(expiresAt).toBeGreaterThan(Date.now());
    const res = await fetch(new URL(url, world.url));
    expect(res.status).toBe(200);
    expect(crypto.createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex'))
      .toBe(crypto.createHash('sha256').update(text).digest('hex'));

    // Bound to the file: the same signature on another upload is refused.
    const other = await uploadBytes(world, a.token, { filename: 'other.txt', filetype: 'text/plain', conversationId }, Buffer.from('other'));
    const sig = new URL(url, world.url).searchParams.get('sig')!;
    const wrongFile = await fetch(new URL(`${other.location}?sig=${sig}`, world.url));
    expect(wrongFile.status).toBe(401);
    // Not an access token: the sync-server's API refuses it.
    const asToken = await api(world.sync.url, '/me', { token: sig });
    expect(asToken.status).toBe(401);
    // A forged signature is refused.
    const forged = await fetch(new URL(`/files/${id}?sig=${sig.slice(0, -4)}AAAA`, world.url));
    expect(forged.status).toBe(401);
  });

  it('a member of another conversation cannot read it, with Bearer or by asking for a link', async () => {
    const c = await register(world.sync.url, 'carol');
    const res = await fetch(fileUrl, { headers: { Authorization: `Bearer ${c.token}` } });
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe('NOT_A_MEMBER');
    const link = await fetch(`${fileUrl}/link`, { method: 'POST', headers: { Authorization: `Bearer ${c.token}` } });
    expect(link.status).toBe(403);
  });
});
