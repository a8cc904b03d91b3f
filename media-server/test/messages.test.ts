import { expect, it } from 'vitest';
import { randomUUID as uuidv7 } from 'node:crypto';
import { userParts, type AuthResponse, type CommandResult, type Media } from '@parley/schema';
import { connect, waitFor, type SyncClient } from '../../sync-server/test/clients.ts';
import { api, eachWorld, group, mp4Head, register, samplePng, uploadBytes } from './setup.ts';

/**
 * Rule F1: a media message names a finished upload of the sender in that
 * conversation, of a type that fits the kind; anything else is refused with a
 * code. And access ends with membership (issue 8, "Done when").
 */
eachWorld('media messages and access', (world) => {
  let a: AuthResponse;
  let b: AuthResponse;
  let c: AuthResponse;
  let conversationId: string;
  let otherConversation: string;
  let sender: SyncClient;
  let image: { url: string; size: number };
  let video: { url: string; size: number };
  let bobsFile: { url: string; size: number };
  let otherConversationFile: { url: string; size: number };

  const send = async (client: SyncClient, kind: 'image' | 'video' | 'file' | 'text', media: Media | undefined, to = conversationId): Promise<CommandResult> => {
    const command = { id: uuidv7(), type: 'send', conversationId: to, messageId: uuidv7(), kind, text: kind === 'text' ? 'hi' : '', createdAt: Date.now(), ...(media ? { media } : {}) };
    userParts(client.user.doc).outbox.push([command as never]);
    await waitFor(() => client.results().some((r) => r.id === command.id), 15_000, 'result');
    return client.results().find((r) => r.id === command.id)!;
  };

  it('setup: uploads of several owners and conversations', async () => {
    a = await register(world.sync.url, 'alice');
    b = await register(world.sync.url, 'bob');
    c = await register(world.sync.url, 'carol');
    conversationId = await group(world, a, [b, c]);
    otherConversation = await group(world, a, [b], 'other');
    const png = await samplePng(200, 100);
    const mp4 = Buffer.concat([mp4Head(), Buffer.alloc(5000, 3)]);
    const up = async (who: AuthResponse, filename: string, filetype: string, bytes: Buffer, conv = conversationId) => {
      const { location, finish } = await uploadBytes(world, who.token, { filename, filetype, conversationId: conv }, bytes);
      expect(finish.status).toBe(204);
      return { url: location, size: bytes.length };
    };
    image = await up(a, 'pic.png', 'image/png', png);
    video = await up(a, 'clip.mp4', 'video/mp4', mp4);
    bobsFile = await up(b, 'bob.png', 'image/png', png);
    otherConversationFile = await up(a, 'elsewhere.png', 'image/png', png, otherConversation);
    sender = await connect(world.sync.wsUrl, a);
  });

  it('F1: an image message is stored with the server’s dimensions and thumbnail', async () => {
    const result = await send(sender, 'image', { url: image.url, mimeType: 'image/png', size: image.size, width: 1, height: 1 });
    expect(result.status).toBe('sent');
    const history = await api<{ items: { kind: string; media: Media }[] }>(world.sync.url, `/conversations/${conversationId}/messages`, { token: b.token });
    const message = history.body.items.find((m) => m.kind === 'image')!;
    expect(message.media).toMatchObject({ url: image.url, mimeType: 'image/png', size: image.size, width: 200, height: 100, name: 'pic.png', thumbnailUrl: `${image.url}/thumbnail` });
  });

  it('F1: a video with a poster the sender uploaded, and duration from the client', async () => {
    const result = await send(sender, 'video', { url: video.url, mimeType: 'video/mp4', size: video.size, width: 1280, height: 720, durationMs: 4200, thumbnailUrl: image.url });
    expect(result.status).toBe('sent');
    // An absolute URL names the same upload.
    const absolute = await send(sender, 'file', { url: new URL(video.url, world.url).toString(), mimeType: 'video/mp4', size: video.size });
    expect(absolute.status).toBe('sent');
  });

  it('F1: forged or mismatched descriptors are refused with a code', async () => {
    const cases: [string, 'image' | 'video' | 'file' | 'text', Media, string][] = [
      ["another user's file", 'image', { url: bobsFile.url, mimeType: 'image/png', size: bobsFile.size }, 'NOT_ALLOWED'],
      ["another conversation's file", 'image', { url: otherConversationFile.url, mimeType: 'image/png', size: otherConversationFile.size }, 'NOT_ALLOWED'],
      ["a poster of another user", 'video', { url: video.url, mimeType: 'video/mp4', size: video.size, thumbnailUrl: bobsFile.url }, 'NOT_ALLOWED'],
      ['an unknown upload', 'image', { url: '/files/0123456789abcdef0123456789abcdef', mimeType: 'image/png', size: 10 }, 'MEDIA_INVALID'],
      ['a foreign URL', 'image', { url: 'https://evil.example/x.png', mimeType: 'image/png', size: 10 }, 'MEDIA_INVALID'],
      ['a thumbnail as the file', 'image', { url: `${image.url}/thumbnail`, mimeType: 'image/png', size: image.size }, 'MEDIA_INVALID'],
      ['a video sent as an image', 'image', { url: video.url, mimeType: 'video/mp4', size: video.size }, 'MEDIA_INVALID'],
      ['an image sent as a video', 'video', { url: image.url, mimeType: 'image/png', size: image.size }, 'MEDIA_INVALID'],
      ['a wrong type', 'image', { url: image.url, mimeType: 'image/jpeg', size: image.size }, 'MEDIA_INVALID'],
      ['a wrong size', 'image', { url: image.url, mimeType: 'image/png', size: image.size + 1 }, 'MEDIA_INVALID'],
      ['media on a text message', 'text', { url: image.url, mimeType: 'image/png', size: image.size }, 'MEDIA_INVALID'],
    ];
    for (const [what, kind, media, code] of cases) {
      const result = await send(sender, kind, media);
      expect(result.status, what).toBe('failed');
      expect(result.status === 'failed' && result.code, what).toBe(code);
    }
    // An unfinished upload.
    const created = await fetch(`${world.url}/files/`, {
      method: 'POST',
      headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '100', Authorization: `Bearer ${a.token}`, 'Upload-Metadata': `filename ${btoa('x.png')},filetype ${btoa('image/png')},conversationId ${btoa(conversationId)}` },
    });
    const pending = await send(sender, 'image', { url: created.headers.get('location')!, mimeType: 'image/png', size: 100 });
    expect(pending.status === 'failed' && pending.code).toBe('MEDIA_INVALID');
  });

  it('access ends with membership: Bearer and a signed URL issued before leaving are refused after', async () => {
    const url = new URL(image.url, world.url).toString();
    const link = await fetch(`${url}/link`, { method: 'POST', headers: { Authorization: `Bearer ${c.token}` } });
    const { url: signed, thumbnailUrl } = (await link.json()) as { url: string; thumbnailUrl: string };
    expect((await fetch(new URL(signed, world.url))).status).toBe(200);
    expect((await fetch(url, { headers: { Authorization: `Bearer ${c.token}` } })).status).toBe(200);

    const left = await api(world.sync.url, `/conversations/${conversationId}/leave`, { token: c.token, body: {} });
    expect(left.status).toBe(204);

    const bearer = await fetch(url, { headers: { Authorization: `Bearer ${c.token}` } });
    expect(bearer.status).toBe(403);
    const bySig = await fetch(new URL(signed, world.url));
    expect(bySig.status).toBe(403);
    expect((await fetch(new URL(thumbnailUrl, world.url))).status).toBe(403);
    const ranged = await fetch(new URL(signed, world.url), { headers: { Range: 'bytes=0-10' } });
    expect(ranged.status).toBe(403);
    // Nor may they upload to it any more.
    const create = await fetch(`${world.url}/files/`, {
      method: 'POST',
      headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '10', Authorization: `Bearer ${c.token}`, 'Upload-Metadata': `filename ${btoa('x.txt')},filetype ${btoa('text/plain')},conversationId ${btoa(conversationId)}` },
    });
    expect(create.status).toBe(403);
    // The members who stayed still read it.
    expect((await fetch(url, { headers: { Authorization: `Bearer ${b.token}` } })).status).toBe(200);
    sender.destroy();
  });
});
