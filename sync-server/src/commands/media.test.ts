import { describe, expect, it } from 'vitest';
import type { Media } from '@parley/schema';
import { judgeMedia, type UploadFacts } from './media.ts';

/** Rule F1, the pure core: the descriptor against the upload rows it names. */
const id = '0123456789abcdef0123456789abcdef';
const posterId = 'fedcba9876543210fedcba9876543210';
const upload = (over: Partial<UploadFacts> = {}): UploadFacts => ({
  id, userId: 'alice', conversationId: 'c1', kind: 'image', mimeType: 'image/png', size: 100, status: 'complete',
  filename: 'pic.png', width: 640, height: 480, hasThumbnail: true, ...over,
});
const media = (over: Partial<Media> = {}): Media => ({ url: `/files/${id}`, mimeType: 'image/png', size: 100, ...over });
const judge = (kind: string, m: Media, u: UploadFacts | undefined, poster?: UploadFacts) => judgeMedia('alice', { conversationId: 'c1', kind, media: m }, u, poster);

describe('F1: media descriptors', () => {
  it("an image's stored descriptor takes the server's dimensions, thumbnail and name", () => {
    expect(judge('image', media({ width: 1, height: 1, thumbnailUrl: 'https://tracker.example/p.gif' }), upload())).toEqual({
      ok: true,
      media: { url: `/files/${id}`, mimeType: 'image/png', size: 100, name: 'pic.png', width: 640, height: 480, thumbnailUrl: `/files/${id}/thumbnail` },
    });
  });

  it("a video keeps the client's size and duration, and a poster the sender uploaded", () => {
    const video = upload({ kind: 'video', mimeType: 'video/mp4', width: null, height: null, hasThumbnail: false });
    const poster = upload({ id: posterId });
    const judged = judge('video', media({ mimeType: 'video/mp4', width: 1280, height: 720, durationMs: 5000, thumbnailUrl: `/files/${posterId}` }), video, poster);
    expect(judged).toMatchObject({ ok: true, media: { width: 1280, height: 720, durationMs: 5000, thumbnailUrl: `/files/${posterId}/thumbnail` } });
    expect(judge('video', media({ mimeType: 'video/mp4', thumbnailUrl: `/files/${posterId}` }), video, upload({ id: posterId, userId: 'bob' })))
      .toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
    expect(judge('video', media({ mimeType: 'video/mp4', thumbnailUrl: 'https://tracker.example/p.gif' }), video, undefined))
      .toMatchObject({ ok: false, code: 'MEDIA_INVALID' });
  });

  it('refuses what does not match, with the code for each', () => {
    expect(judge('image', media(), upload({ userId: 'bob' }))).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
    expect(judge('image', media(), upload({ conversationId: 'c2' }))).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
    expect(judge('image', media(), undefined)).toMatchObject({ ok: false, code: 'MEDIA_INVALID' });
    expect(judge('image', media(), upload({ status: 'pending' }))).toMatchObject({ ok: false, code: 'MEDIA_INVALID' });
    expect(judge('image', media(), upload({ status: 'rejected' }))).toMatchObject({ ok: false, code: 'MEDIA_INVALID' });
    expect(judge('video', media(), upload())).toMatchObject({ ok: false, code: 'MEDIA_INVALID' });
    expect(judge('image', media({ mimeType: 'image/jpeg' }), upload())).toMatchObject({ ok: false, code: 'MEDIA_INVALID' });
    expect(judge('image', media({ size: 101 }), upload())).toMatchObject({ ok: false, code: 'MEDIA_INVALID' });
    expect(judge('image', media({ url: `/files/${id}/thumbnail` }), upload())).toMatchObject({ ok: false, code: 'MEDIA_INVALID' });
    expect(judge('image', media({ url: `/files/../${id}` }), upload())).toMatchObject({ ok: false, code: 'MEDIA_INVALID' });
    expect(judge('text', media(), upload())).toMatchObject({ ok: false, code: 'MEDIA_INVALID' });
    // An image sent as a file is fine; as a video it is not.
    expect(judge('file', media(), upload())).toMatchObject({ ok: true });
  });

  it('accepts the URL tus returned in any of its forms', () => {
    for (const url of [`/files/${id}`, `http://chat.example:1080/files/${id}`, `//chat.example/files/${id}?sig=x`, `/media/files/${id}`]) {
      expect(judge('image', media({ url }), upload()).ok, url).toBe(true);
    }
  });
});
