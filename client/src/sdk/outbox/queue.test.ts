import { describe, expect, it } from 'vitest';
import { clientId, type Command } from '@parley/schema';
import { insertionIndex, priorityOf, retryAttemptOf, retryCommandId } from './queue.ts';

const text = (id: string, priority?: number): Command => ({
  id, type: 'send', conversationId: 'c', messageId: id, kind: 'text', text: id, createdAt: 0, ...(priority !== undefined ? { priority } : {}),
});
const image = (id: string): Command => ({
  id, type: 'send', conversationId: 'c', messageId: id, kind: 'image', text: '', createdAt: 0,
  media: { url: '/f/1', mimeType: 'image/png', size: 10 },
});

describe('SDK-Q1: outbox priority', () => {
  it('text outranks media by default', () => {
    expect(priorityOf(text('a'))).toBeGreaterThan(priorityOf(image('b')));
  });

  it('a short text goes before waiting media, after earlier texts', () => {
    const outbox = [text('t1'), image('i1'), image('i2')];
    expect(insertionIndex(outbox, text('t2'))).toBe(1);
  });

  it('equal priorities keep send order', () => {
    expect(insertionIndex([text('a'), text('b')], text('c'))).toBe(2);
    expect(insertionIndex([image('a')], image('b'))).toBe(1);
  });

  it('an explicit priority wins', () => {
    expect(insertionIndex([text('a'), text('b')], text('urgent', 9))).toBe(0);
  });
});

describe('SDK-Q2: retry ids', () => {
  it('derives the same valid id in every tab and counts attempts', () => {
    const id = '0190c3a0-0000-7000-8000-000000000000';
    const r1 = retryCommandId(id);
    expect(r1).toBe(`${id}-r1`);
    expect(retryCommandId(r1)).toBe(`${id}-r2`);
    expect(retryAttemptOf(retryCommandId(r1))).toBe(2);
    expect(clientId.safeParse(retryCommandId('x'.repeat(64))).success).toBe(true);
  });
});
