import { expect, it } from 'vitest';
import { readMeta, type ConversationSummary } from '@parley/schema';
import { eachServer } from './harness.ts';
import { api, connect, register, waitFor } from './clients.ts';

/** Conversations bound to an outside object with a lifetime: a buyer and a seller about one listing. */
eachServer('context conversations', (server) => {

  it('O6: past its expiry a context conversation refuses messages, and its document says expired', async () => {
    const [buyer, seller] = [await register(server.url, 'buyer'), await register(server.url, 'seller')];
    const expiresAt = Date.now() + 1500;
    const { status, body } = await api<{ conversation: ConversationSummary }>(server.url, '/context-conversations', {
      token: buyer.token,
      body: { context: { kind: 'listing', ref: 'book-42' }, buyerId: buyer.user.id, sellerId: seller.user.id, title: 'Moby Dick, 1st ed.', expiresAt },
    });
    expect(status).toBe(201);
    const conversationId = body.conversation.id;

    const b = await connect(server.wsUrl, buyer);
    const { doc } = await b.open(conversationId);
    expect(readMeta(doc)).toMatchObject({ type: 'context', status: 'active', context: { kind: 'listing', ref: 'book-42', buyerId: buyer.user.id, sellerId: seller.user.id } });
    b.send(conversationId, 'Is it still available?');
    await waitFor(() => b.results().length === 1, 10_000, 'first result');
    expect(b.results()[0]).toMatchObject({ status: 'sent' });
    b.destroy();
    await waitFor(() => server.sync.server.hocuspocus.getDocumentsCount() === 0, 10_000, 'documents unloaded');

    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now() + 50)));
    const again = await connect(server.wsUrl, buyer);
    const { doc: reopened } = await again.open(conversationId);
    expect(readMeta(reopened)).toMatchObject({ status: 'expired' });
    again.send(conversationId, 'Hello?');
    await waitFor(() => again.results().length >= 2, 10_000, 'second result');
    expect(again.results().at(-1)).toMatchObject({ status: 'failed', code: 'CONVERSATION_CLOSED' });
    again.destroy();
  });
}, { dialects: ['sqlite'] });
