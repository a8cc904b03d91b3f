import { expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { userParts } from '@parley/schema';
import { eachServer } from './harness.ts';
import { connect, directConversation, register, waitFor } from './clients.ts';

/** Issue 11: an outbox entry no parser expects gets a coded failure and never blocks what follows (rule O8). */
eachServer('poison outbox entries', (server) => {
  it('O8: BigInt, deeply nested and prototype-named entries are refused VALIDATION_FAILED, and the outbox keeps draining', async () => {
    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    const conversationId = await directConversation(server.url, alice, bob);
    const a = await connect(server.wsUrl, alice);
    const first = a.send(conversationId, 'target');
    await waitFor(() => a.results().some((r) => r.id === first.id), 10_000, 'first result');

    let deep: Record<string, unknown> = { leaf: true };
    // 5,000 levels overflow lib0's recursive decoder before the update reaches the outbox (a document-layer bound);
    // 1,000 reach it, far past what a command may nest (the unit test in schema covers 5,000).
    for (let i = 0; i < 1000; i++) deep = { d: deep };
    const base = () => ({ id: uuidv7(), conversationId, createdAt: Date.now() });
    const poison = [
      { ...base(), type: 'send', messageId: uuidv7(), kind: 'text', text: 'big', extra: 10n },
      { ...base(), type: 'send', messageId: 10n, kind: 'text', text: 'big id' },
      { ...base(), type: 'send', messageId: uuidv7(), kind: 'text', text: 'deep', extra: deep },
      ...['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'].map((emoji) => ({ ...base(), type: 'react', messageId: first.messageId, emoji })),
    ];
    userParts(a.user.doc).outbox.push(poison as never[]);
    const after = a.send(conversationId, 'after the poison');

    await waitFor(() => a.results().some((r) => r.id === after.id), 15_000, 'the command after the poison');
    const byId = new Map(a.results().map((r) => [r.id, r]));
    for (const entry of poison.slice(0, 6)) expect(byId.get(entry.id)).toMatchObject({ status: 'failed', code: 'VALIDATION_FAILED' });
    // Ordinary names of Object.prototype are fine emoji strings, and stay own keys of the reactions.
    for (const entry of poison.slice(6)) expect(byId.get(entry.id)).toMatchObject({ status: 'sent' });
    expect(byId.get(after.id)).toMatchObject({ status: 'sent' });
    expect(userParts(a.user.doc).outbox.length).toBe(0);
    a.destroy();
  }, 40_000);
}, { dialects: ['sqlite'] });
