import { describe, expect, it } from 'vitest';
import { isSafeLink, parseCommand } from './commands.ts';
import { cleanName } from './names.ts';

const base = { id: 'cmd-00000001', conversationId: 'c1', createdAt: 1 };
const send = (over: Record<string, unknown> = {}) => ({ ...base, type: 'send', messageId: 'msg-00000001', kind: 'text', text: 'hi', ...over });

describe('parseCommand is total (rule O8)', () => {
  it('refuses BigInt, binary, non-finite numbers and 5,000-deep values with VALIDATION_FAILED instead of throwing', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 5000; i++) deep = { d: deep };
    for (const raw of [send({ extra: 1n }), send({ messageId: 1n }), send({ extra: new Uint8Array(4) }), send({ extra: deep }), send({ extra: [[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]] }), send({ extra: Number.NaN })]) {
      expect(parseCommand(raw)).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
  });

  it('refuses reactions named after prototype members that would reach the prototype', () => {
    for (const emoji of ['__proto__', 'constructor', 'prototype', '  ']) {
      expect(parseCommand({ ...base, type: 'react', messageId: 'msg-00000001', emoji })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
    const polluted = JSON.parse(`{"id":"cmd-00000001","conversationId":"c1","createdAt":1,"type":"react","messageId":"msg-00000001","emoji":"👍","__proto__":{"x":1}}`);
    expect(parseCommand(polluted)).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(parseCommand({ ...base, type: 'react', messageId: 'msg-00000001', emoji: 'toString' })).toMatchObject({ ok: true });
  });

  it('answers a huge entry PAYLOAD_TOO_LARGE without serialising all of it', () => {
    expect(parseCommand(send({ extra: Array.from({ length: 100_000 }, () => 'x'.repeat(100)) }))).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
  });
});

describe('links: one rule for avatars, media and thumbnails', () => {
  it('accepts http(s) and Parley media paths, refuses every other scheme', () => {
    for (const ok of ['https://example.org/a.png', 'http://host:1080/files/abc', '/files/0123456789abcdef0123456789abcdef', '/files/abc/thumbnail?sig=x.y.z']) expect(isSafeLink(ok)).toBe(true);
    for (const bad of ['javascript:alert(1)', 'JAVASCRIPT:alert(1)', 'data:text/html,<script>', 'java\tscript:x', '//evil.org/x', '/files/../api/me', '/other', 'https://', 'vbscript:x', ' https://a.b']) {
      expect(isSafeLink(bad)).toBe(false);
    }
    const media = { url: '/files/abc', mimeType: 'image/png', size: 1 };
    expect(parseCommand(send({ kind: 'image', media: { ...media, url: 'javascript:alert(1)' } }))).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(parseCommand(send({ kind: 'image', media: { ...media, thumbnailUrl: 'data:text/html,<b>' } }))).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(parseCommand({ ...base, type: 'setAvatar', avatarUrl: 'javascript:alert(1)' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(parseCommand({ ...base, type: 'setAvatar', avatarUrl: '/files/abc' })).toMatchObject({ ok: true });
  });
});

describe('names (docs/api.md, "Names")', () => {
  it('normalises to NFC and strips controls, bidi overrides, isolates and zero-width characters', () => {
    expect(cleanName('Ali\u202Ece')).toBe('Alice');
    expect(cleanName('\u2066Bob\u2069')).toBe('Bob');
    expect(cleanName('a\u200Bb\u200Dc\uFEFF')).toBe('abc');
    expect(cleanName('x\u0000y\nz\u001b[31m')).toBe('xyz[31m');
    expect(cleanName('e\u0301')).toBe('\u00e9');
    // Joiners that scripts need stay: an emoji family, a Persian word.
    expect(cleanName('👨‍👩‍👧')).toBe('👨‍👩‍👧');
    expect(cleanName('می‌خواهم')).toBe('می‌خواهم');
  });

  it('refuses invisible-only names', () => {
    for (const blank of ['\u3164', '\u115F', '\u2800\u2800', ' \u200B ', '\u202E', '\uFFA0\u1160']) expect(cleanName(blank)).toBe('');
    expect(parseCommand({ ...base, type: 'rename', title: '\u3164' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(parseCommand({ ...base, type: 'rename', title: ' Tea\u202E ' })).toMatchObject({ ok: true, value: { title: 'Tea' } });
  });
});
