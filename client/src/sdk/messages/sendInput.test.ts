import { describe, expect, it } from 'vitest';
import type { Media } from '@parley/schema';
import { kindOf, sendFields } from './sendInput.ts';

const ids = { commandId: 'cmd', messageId: 'msg' };
const media = (mimeType: string) => ({ url: '/files/x', mimeType, size: 1, name: 'x' }) as unknown as Media;

describe('sendMessage input: the seed aliases and the defaults', () => {
  it('text/content and kind/messageType are aliases; the message id is generated unless given', () => {
    expect(sendFields({ content: 'hi', messageType: 'text' }, 'c', ids, 7)).toEqual({
      id: 'cmd', type: 'send', conversationId: 'c', messageId: 'msg', kind: 'text', text: 'hi', createdAt: 7,
    });
    expect(sendFields({ text: 'a', content: 'b', messageId: 'mine', replyTo: 'r', priority: 9 }, 'c', ids, 7)).toMatchObject({
      text: 'a', messageId: 'mine', replyTo: 'r', priority: 9,
    });
  });

  it('the kind follows the media type, and a pending upload is a file', () => {
    expect(kindOf(media('image/png'))).toBe('image');
    expect(kindOf(media('video/mp4'))).toBe('video');
    expect(kindOf(media('application/pdf'))).toBe('file');
    expect(kindOf(new Promise<Media>(() => {}))).toBe('file');
    expect(sendFields({ media: media('image/jpeg') }, 'c', ids, 0).kind).toBe('image');
    expect(sendFields({ media: media('image/jpeg'), kind: 'file' }, 'c', ids, 0).kind).toBe('file');
  });
});
