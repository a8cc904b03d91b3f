import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';

/**
 * A client of the classic relay (bench/relay/server.ts), with the same shape as
 * LiteParleyClient so that one load generator drives both: connect, join each
 * conversation's room, send, observe messages arriving. Sends made before
 * connect() are buffered by socket.io-client and flushed on connect, as an
 * offline backlog would be.
 */
export class RelayClient {
  private readonly socket: Socket;
  onMessage: ((messageId: string, conversationId: string) => void) | null = null;

  constructor(url: string, readonly userId: string, token: string) {
    this.socket = io(url, { transports: ['websocket'], auth: { token }, autoConnect: false, reconnection: false, timeout: 60_000 });
    this.socket.on('newMessage', (m: { clientId: string; conversationId: string }) => this.onMessage?.(m.clientId, m.conversationId));
  }

  connect(timeoutMs = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('relay: connect timed out')), timeoutMs);
      this.socket.once('connect', () => (clearTimeout(timer), resolve()));
      this.socket.once('connect_error', (e) => (clearTimeout(timer), reject(e)));
      this.socket.connect();
    });
  }

  async openConversation(conversationId: string): Promise<void> {
    const ok = (await this.socket.timeout(60_000).emitWithAck('joinConversation', conversationId)) as boolean;
    if (!ok) throw new Error(`relay: not a member of ${conversationId}`);
  }

  send(conversationId: string, text: string): string {
    const clientId = randomUUID();
    this.socket.emit('sendMessage', { conversationId, clientId, text });
    return clientId;
  }

  close(): void {
    this.socket.disconnect();
  }
}
