import http from 'node:http';
import { jwtVerify } from 'jose';
import { createPool, type RowDataPacket } from 'mysql2/promise';
import { Server } from 'socket.io';

/**
 * The yardstick: a chat relay written the way Parley's original spec describes
 * it (NestJS gateway + TypeORM there; the same steps here without the
 * framework). Socket.IO, the access token checked once at the handshake, where
 * the user's conversations are read too and their rooms joined (one room per
 * conversation; `joinConversation` joins one more after a membership check),
 * and for each message one INSERT and one emit to the room (the sender
 * excluded, as the spec's gateway does). No outbox, no durable result, no inbox, no history window.
 *
 *   node --import tsx bench/relay/server.ts <port> <mysql url with database> <jwt secret>
 *
 * It creates its tables if missing. Started by bench/relay/relay.ts.
 */

const [portArg, databaseUrl, secret] = process.argv.slice(2);
const key = new TextEncoder().encode(secret);
const pool = createPool({ uri: databaseUrl, connectionLimit: 10 });

await pool.query(`CREATE TABLE IF NOT EXISTS users (id VARCHAR(36) PRIMARY KEY, username VARCHAR(64) NOT NULL UNIQUE, created_at BIGINT NOT NULL)`);
await pool.query(`CREATE TABLE IF NOT EXISTS conversations (id VARCHAR(36) PRIMARY KEY, type VARCHAR(8) NOT NULL, created_at BIGINT NOT NULL)`);
await pool.query(`CREATE TABLE IF NOT EXISTS conversation_members (conversation_id VARCHAR(36) NOT NULL, user_id VARCHAR(36) NOT NULL, PRIMARY KEY (conversation_id, user_id), KEY by_user (user_id))`);
await pool.query(`CREATE TABLE IF NOT EXISTS messages (id BIGINT AUTO_INCREMENT PRIMARY KEY, client_id VARCHAR(36) NOT NULL, conversation_id VARCHAR(36) NOT NULL, sender_id VARCHAR(36) NOT NULL, text TEXT NOT NULL, created_at BIGINT NOT NULL, KEY by_conversation (conversation_id, id))`);

const httpServer = http.createServer((req, res) => {
  res.writeHead(req.url === '/health' ? 200 : 404).end();
});
const io = new Server(httpServer, { transports: ['websocket'], serveClient: false });

io.use((socket, next) => {
  const token = (socket.handshake.auth as { token?: string }).token ?? '';
  jwtVerify(token, key, { issuer: 'parley' })
    .then(async ({ payload }) => {
      socket.data.userId = payload.sub;
      // Rooms are joined before the connection is accepted, so messages a client buffered while offline find them.
      const [rows] = await pool.query<RowDataPacket[]>('SELECT conversation_id FROM conversation_members WHERE user_id = ?', [payload.sub]);
      await socket.join(rows.map((r) => r.conversation_id as string));
      next();
    })
    .catch(() => next(new Error('unauthorized')));
});

io.on('connection', (socket) => {
  const userId = socket.data.userId as string;
  socket.on('joinConversation', async (conversationId: string, ack?: (ok: boolean) => void) => {
    const [rows] = await pool.query<RowDataPacket[]>('SELECT 1 FROM conversation_members WHERE conversation_id = ? AND user_id = ?', [conversationId, userId]);
    if (rows.length) await socket.join(conversationId);
    ack?.(rows.length > 0);
  });
  socket.on('sendMessage', async (m: { conversationId: string; clientId: string; text: string }, ack?: (r: { id?: number; error?: string }) => void) => {
    if (!socket.rooms.has(m.conversationId)) return ack?.({ error: 'not a member' });
    try {
      const createdAt = Date.now();
      const [result] = await pool.execute('INSERT INTO messages (client_id, conversation_id, sender_id, text, created_at) VALUES (?, ?, ?, ?, ?)', [m.clientId, m.conversationId, userId, m.text, createdAt]);
      const id = (result as { insertId: number }).insertId;
      socket.to(m.conversationId).emit('newMessage', { id, clientId: m.clientId, conversationId: m.conversationId, senderId: userId, text: m.text, createdAt });
      ack?.({ id });
    } catch (error) {
      ack?.({ error: (error as Error).message });
    }
  });
});

httpServer.listen(Number(portArg), '127.0.0.1');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void io.close(() => void pool.end().finally(() => process.exit(0)));
  });
}
