// @ts-check
// bot.mjs: an echo bot on the SDK, run by plain Node (≥ 20.19, no TypeScript loader):
//   npm install @parley/client ws
//   PARLEY_URL=http://localhost:1234 PARLEY_USERNAME=bot PARLEY_PASSWORD='a long password' node bot.mjs
// The account must exist (register it in the web app, or with ParleyClient.register).
import process from 'node:process';
import { WebSocket } from 'ws';
import { ParleyClient } from '@parley/client/sdk';

const server = process.env.PARLEY_URL ?? 'http://localhost:1234';
const auth = await ParleyClient.login(server, {
  username: process.env.PARLEY_USERNAME ?? 'bot',
  password: process.env.PARLEY_PASSWORD ?? 'a long password',
});
const client = new ParleyClient({
  serverUrl: server,
  token: auth.token,
  refreshToken: auth.refreshToken,
  userId: auth.user.id,
  WebSocket,            // Node has no usable WebSocket for the provider
  storage: 'memory',    // or import 'fake-indexeddb/auto' and use 'indexeddb'
  reconnect: { strategy: 'exponential', maxRetries: Infinity, initialDelay: 1000, maxDelay: 30000 },
  heartbeat: { interval: 30000, timeout: 5000 },
});

client.setCallbacks({
  connected: () => console.log('connected'),
  reconnecting: (n, ms) => console.log(`reconnect #${n} in ${ms} ms`),
  authFailed: (e) => console.error('auth', e.code),
  messageFailed: (e) => console.error('not sent', e.messageId, e.error.code),
  error: (e) => console.error(e.code, e.message),
  messageReceived: async (m) => {
    if (m.kind === 'text') await client.sendMessage({ conversationId: m.conversationId, text: `echo: ${m.text}`, replyTo: m.id });
  },
});

await client.connect();
await client.whenSynced();
console.log(client.listConversations().map((c) => `${c.title ?? c.peer?.displayName}: ${c.unreadCount} unread`));

// Ctrl-C: close the socket and release the client before leaving.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => void client.destroy().then(() => process.exit(0)));
}
