import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { AuthResponse } from '@parley/schema';
import { api, create, eachWorld, errorCode, exeHead, group, mp4Head, patch, register, samplePng, uploadBytes, type MediaWorld } from './setup.ts';

/** Issue 8, "Bad input": each gets a clear 4xx, nothing is stored that should not be, and the server stays up. */
eachWorld('media bad input', (world) => {
  let a: AuthResponse;
  let b: AuthResponse;
  let outsider: AuthResponse;
  let conversationId: string;
  const meta = (over: Record<string, string> = {}) => ({ filename: 'a.txt', filetype: 'text/plain', conversationId, ...over });
  const uploadRows = async () => world.sync.services.store.db.selectFrom('uploads').selectAll().execute();
  const storedFiles = () => fs.readdirSync(path.join(world.config.dataDir, 'uploads')).filter((f) => !f.endsWith('.json'));

  it('setup', async () => {
    a = await register(world.sync.url, 'alice');
    b = await register(world.sync.url, 'bob');
    outsider = await register(world.sync.url, 'mallory');
    conversationId = await group(world, a, [b]);
  });

  it('no token, a bad token or an expired-looking one: 401 on every tus request, nothing created', async () => {
    const before = (await uploadRows()).length;
    for (const token of [undefined, 'not-a-jwt', `${a.token.slice(0, -3)}xyz`]) {
      const res = await create(world, token, meta(), 10);
      expect(res.status).toBe(401);
      expect(await errorCode(res)).toBe('AUTH_FAILED');
    }
    const { location } = await uploadBytes(world, a.token, meta(), Buffer.from('0123456789'));
    for (const method of ['HEAD', 'PATCH', 'DELETE', 'GET']) {
      const res = await fetch(new URL(location, world.url), { method, headers: { 'Tus-Resumable': '1.0.0', 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' } });
      expect(res.status, method).toBe(401);
    }
    expect((await uploadRows()).length).toBe(before + 1);
  });

  it('not a member, an unknown conversation, a closed one: refused at creation', async () => {
    const notMember = await create(world, outsider.token, meta(), 10);
    expect(notMember.status).toBe(403);
    expect(await errorCode(notMember)).toBe('NOT_A_MEMBER');
    const unknown = await create(world, a.token, meta({ conversationId: 'no-such-conversation' }), 10);
    expect(unknown.status).toBe(404);
    expect(await errorCode(unknown)).toBe('NOT_FOUND');

    const context = await api<{ conversation: { id: string } }>(world.sync.url, '/context-conversations', {
      token: a.token, body: { context: { kind: 'listing', ref: 'book-1' }, buyerId: a.user.id, sellerId: b.user.id },
    });
    const closedId = context.body.conversation.id;
    expect((await api(world.sync.url, `/conversations/${closedId}/status`, { token: a.token, body: { status: 'closed' } })).status).toBeLessThan(300);
    const closed = await create(world, a.token, meta({ conversationId: closedId }), 10);
    expect(closed.status).toBe(403);
    expect(await errorCode(closed)).toBe('CONVERSATION_CLOSED');
    expect((await uploadRows()).filter((r) => r.conversation_id !== conversationId)).toEqual([]);
  });

  it('a disallowed type, a type/extension mismatch, missing metadata: 415/400 before a byte is stored', async () => {
    const before = storedFiles().length;
    const cases: [Record<string, string>, number, string][] = [
      [meta({ filename: 'setup.exe', filetype: 'application/x-msdownload' }), 415, 'UNSUPPORTED_TYPE'],
      [meta({ filename: 'movie.exe', filetype: 'video/mp4' }), 415, 'UNSUPPORTED_TYPE'],
      [meta({ filename: 'x.mp4', filetype: 'application/octet-stream' }), 415, 'UNSUPPORTED_TYPE'],
      [meta({ filename: 'clip.mp4', filetype: 'video/mp4', kind: 'image' }), 415, 'UNSUPPORTED_TYPE'],
      [{ filename: 'a.txt', conversationId }, 400, 'VALIDATION_FAILED'],
      [{ filetype: 'text/plain', conversationId }, 400, 'VALIDATION_FAILED'],
      [meta({ filename: '../../jwt-secret' }), 400, 'VALIDATION_FAILED'],
      [meta({ kind: 'sticker' }), 400, 'VALIDATION_FAILED'],
    ];
    for (const [metadata, status, code] of cases) {
      const res = await create(world, a.token, metadata, 10);
      expect(res.status, JSON.stringify(metadata)).toBe(status);
      expect(await errorCode(res)).toBe(code);
    }
    const malformed = await create(world, a.token, meta(), 10, { 'Upload-Metadata': 'filename !!!notbase64' });
    expect(malformed.status).toBe(400);
    expect(storedFiles().length).toBe(before);
  });

  it('zero bytes, a deferred length, no length: 400', async () => {
    const zero = await create(world, a.token, meta(), 0);
    expect(zero.status).toBe(400);
    expect(await errorCode(zero)).toBe('VALIDATION_FAILED');
    const deferred = await create(world, a.token, meta(), undefined, { 'Upload-Defer-Length': '1' });
    expect(deferred.status).toBe(400);
    const none = await create(world, a.token, meta(), undefined);
    expect(none.status).toBe(400);
  });

  it('an executable renamed to .mp4 is refused with a 4xx on finish and deleted', async () => {
    const exe = Buffer.concat([exeHead(), Buffer.alloc(4096, 0x90)]);
    const { location, finish } = await uploadBytes(world, a.token, meta({ filename: 'holiday.mp4', filetype: 'video/mp4' }), exe);
    expect(finish.status).toBe(415);
    expect(await errorCode(finish)).toBe('UNSUPPORTED_TYPE');
    const id = location.split('/').pop()!;
    expect(fs.existsSync(path.join(world.config.dataDir, 'uploads', id))).toBe(false);
    const row = (await uploadRows()).find((r) => r.id === id)!;
    expect(row.status).toBe('rejected');
    const get = await fetch(new URL(location, world.url), { headers: { Authorization: `Bearer ${a.token}` } });
    expect(get.status).toBe(404);
  });

  it('content that is not its declared type is refused on finish: a PNG sent as JPEG, binary sent as text, HTML sent as a PNG', async () => {
    const png = await samplePng();
    const cases: [Record<string, string>, Uint8Array][] = [
      [meta({ filename: 'p.jpg', filetype: 'image/jpeg' }), png],
      [meta({ filename: 'p.txt', filetype: 'text/plain' }), Buffer.from([0x41, 0x00, 0x42, 0x43])],
      [meta({ filename: 'p.txt', filetype: 'text/plain' }), png],
      [meta({ filename: 'p.png', filetype: 'image/png' }), Buffer.from('<html><script>alert(1)</script></html>')],
      // Right magic, broken image: sharp cannot decode it.
      [meta({ filename: 'p.png', filetype: 'image/png' }), Buffer.concat([png.subarray(0, 40), Buffer.alloc(200, 7)])],
    ];
    for (const [metadata, bytes] of cases) {
      const { finish } = await uploadBytes(world, a.token, metadata, bytes);
      expect(finish.status, JSON.stringify(metadata)).toBe(415);
    }
  });

  it('a real mp4 header passes the sniff', async () => {
    const { finish } = await uploadBytes(world, a.token, meta({ filename: 'ok.mp4', filetype: 'video/mp4' }), Buffer.concat([mp4Head(), Buffer.alloc(1000, 1)]));
    expect(finish.status).toBe(204);
  });

  it('over the limit: 413 at creation, and on a PATCH longer than the declared length', async () => {
    const big = await create(world, a.token, meta({ filename: 'big.png', filetype: 'image/png' }), world.config.sizeLimits.image + 1);
    expect(big.status).toBe(413);
    expect(await errorCode(big)).toBe('PAYLOAD_TOO_LARGE');
    const tooBig = await create(world, a.token, meta({ filename: 'big.mp4', filetype: 'video/mp4' }), world.config.sizeLimits.video + 1);
    expect(tooBig.status).toBe(413);

    const created = await create(world, a.token, meta(), 10);
    const location = created.headers.get('location')!;
    const over = await patch(world, location, a.token, 0, Buffer.alloc(20, 0x41));
    expect(over.status).toBe(413);
    const head = await fetch(new URL(location, world.url), { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${a.token}` } });
    expect(Number(head.headers.get('upload-offset'))).toBeLessThanOrEqual(10);
  });

  it('a wrong offset is 409; a wrong or missing Tus-Resumable is 412', async () => {
    const created = await create(world, a.token, meta(), 10);
    const location = created.headers.get('location')!;
    expect((await patch(world, location, a.token, 0, Buffer.from('01234'))).status).toBe(204);
    const wrong = await patch(world, location, a.token, 3, Buffer.from('34567'));
    expect(wrong.status).toBe(409);
    const ahead = await patch(world, location, a.token, 7, Buffer.from('789'));
    expect(ahead.status).toBe(409);
    const version = await patch(world, location, a.token, 5, Buffer.from('56789'), { 'Tus-Resumable': '0.2.2' });
    expect(version.status).toBe(412);
    expect(version.headers.get('tus-version')).toBe('1.0.0');
    const createOld = await create(world, a.token, meta(), 10, { 'Tus-Resumable': '0.2.2' });
    expect(createOld.status).toBe(412);
    expect((await patch(world, location, a.token, 5, Buffer.from('56789'))).status).toBe(204);
  });

  it('path-traversal ids are 404 and reach no file', async () => {
    fs.writeFileSync(path.join(world.config.dataDir, 'uploads', 'secret'), 'do not serve');
    const paths = [
      '/files/..%2Fjwt-secret', '/files/%2e%2e%2fjwt-secret', '/files/../jwt-secret', '/files/..%2F..%2Fetc%2Fpasswd',
      '/files/secret', '/files/secret.json', '/files/%2e%2e', '/files/0123456789abcdef0123456789abcdef/../secret',
      '/files/0123456789ABCDEF0123456789ABCDEF',
    ];
    for (const p of paths) {
      for (const method of ['GET', 'HEAD', 'PATCH', 'DELETE']) {
        const status = await raw(world, method, p, a.token);
        expect(status, `${method} ${p}`).toBe(404);
      }
    }
    expect(fs.readFileSync(path.join(world.config.dataDir, 'uploads', 'secret'), 'utf8')).toBe('do not serve');
  });

  it("HEAD, PATCH or DELETE on someone else's upload: 403, and the upload is untouched", async () => {
    const created = await create(world, a.token, meta(), 10);
    const location = created.headers.get('location')!;
    expect((await patch(world, location, a.token, 0, Buffer.from('01234'))).status).toBe(204);
    for (const who of [b, outsider]) {
      const head = await fetch(new URL(location, world.url), { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${who.token}` } });
      expect(head.status).toBe(403);
      const p = await patch(world, location, who.token, 5, Buffer.from('EVIL!'));
      expect(p.status).toBe(403);
      const del = await fetch(new URL(location, world.url), { method: 'DELETE', headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${who.token}` } });
      expect(del.status).toBe(403);
      // Nor may a member read it before it is finished.
      const get = await fetch(new URL(location, world.url), { headers: { Authorization: `Bearer ${who.token}` } });
      expect(get.status).toBeGreaterThanOrEqual(403);
    }
    const head = await fetch(new URL(location, world.url), { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${a.token}` } });
    expect(head.headers.get('upload-offset')).toBe('5');
    // The uploader may delete an unfinished upload; a finished one stays (it may be in a message).
    const del = await fetch(new URL(location, world.url), { method: 'DELETE', headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${a.token}` } });
    expect(del.status).toBe(204);
  });

  it('expired unfinished uploads are deleted, finished ones kept', async () => {
    const created = await create(world, a.token, meta(), 10);
    const stale = created.headers.get('location')!.split('/').pop()!;
    const done = await uploadBytes(world, a.token, meta(), Buffer.from('finished!!'));
    const finishedId = done.location.split('/').pop()!;
    await world.sync.services.store.db.updateTable('uploads').set({ created_at: Date.now() - world.config.uploadExpiryMs - 1000 })
      .where('id', 'in', [stale, finishedId]).execute();
    // The store's own record says old too (a finished upload must survive whatever the store believes).
    for (const id of [stale, finishedId]) {
      const info = path.join(world.config.dataDir, 'uploads', `${id}.json`);
      const record = JSON.parse(fs.readFileSync(info, 'utf8')) as { creation_date: string };
      record.creation_date = new Date(Date.now() - world.config.uploadExpiryMs - 1000).toISOString();
      fs.writeFileSync(info, JSON.stringify(record));
    }
    expect(await world.media.cleanExpired()).toBeGreaterThanOrEqual(1);
    const ids = (await uploadRows()).map((r) => r.id);
    expect(ids).not.toContain(stale);
    expect(ids).toContain(finishedId);
    expect(fs.existsSync(path.join(world.config.dataDir, 'uploads', stale))).toBe(false);
    expect(fs.existsSync(path.join(world.config.dataDir, 'uploads', finishedId))).toBe(true);
  });

  it('SVG and HTML are served as sandboxed attachments, never as active content', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const { location, finish } = await uploadBytes(world, a.token, meta({ filename: 'x.svg', filetype: 'image/svg+xml' }), svg);
    expect(finish.status).toBe(204);
    const res = await fetch(new URL(location, world.url), { headers: { Authorization: `Bearer ${b.token}` } });
    expect(res.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    // Uploading an SVG as an image is refused: it is a file only.
    expect((await create(world, a.token, meta({ filename: 'x.svg', filetype: 'image/svg+xml', kind: 'image' }), 10)).status).toBe(415);
  });

  it('the server is still up', async () => {
    expect((await fetch(`${world.url}/health`)).status).toBe(200);
  });
});

/** A request with its path sent as written (fetch would normalise `..`). */
function raw(world: MediaWorld, method: string, rawPath: string, token: string): Promise<number> {
  const { port } = new URL(world.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: rawPath, headers: { Authorization: `Bearer ${token}`, 'Tus-Resumable': '1.0.0', 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(method === 'PATCH' ? 'x' : undefined);
  });
}
