import { ParleyClient } from '@parley/client/sdk';
import './embed.css';

/**
 * The embeddable example (docs/embed.md): a host page keeps a link to the chat
 * that reads "Chat (N)", N the unread total over conversations that are not
 * muted, live through the SDK's `unreadTotal` event. Same origin as the app, so
 * it reuses the session the app keeps in localStorage; a host on its own origin
 * passes its own token and userId instead.
 */
const link = document.getElementById('parley-chat-link')!;
const status = document.getElementById('parley-embed-status')!;

interface StoredSession {
  token: string;
  refreshToken?: string;
  user: { id: string };
}

function storedSession(): StoredSession | null {
  try {
    const value = JSON.parse(localStorage.getItem('parley.session') ?? 'null') as StoredSession | null;
    return value && typeof value.token === 'string' && typeof value.user?.id === 'string' ? value : null;
  } catch {
    return null;
  }
}

function show(total: number): void {
  link.textContent = total > 0 ? `Chat (${total})` : 'Chat';
  link.setAttribute('aria-label', total > 0 ? `Chat, ${total} unread` : 'Chat');
  status.textContent = total > 0 ? `You have ${total} unread message${total === 1 ? '' : 's'}.` : 'No unread messages.';
}

const session = storedSession();
if (session) {
  const client = new ParleyClient({
    serverUrl: location.origin,
    token: session.token,
    userId: session.user.id,
    ...(session.refreshToken ? { refreshToken: session.refreshToken } : {}),
    logLevel: 'warn',
  });
  client.on('unreadTotal', show);
  client.on('signedOut', () => show(0));
  client.on('authFailed', () => {
    status.textContent = 'Your Parley session has ended: sign in again.';
    void client.destroy();
  });
  // The same refresh-token rule as the app (docs/sdk.md): keep a renewed pair, the old one is spent.
  client.on('tokenRefreshed', ({ token, refreshToken }) => {
    const current = storedSession();
    if (current?.user.id === session.user.id) localStorage.setItem('parley.session', JSON.stringify({ ...current, token, refreshToken }));
  });
  void client.connect().then(() => {
    show(client.getUnreadTotal());
    return client.refreshConversations().catch(() => undefined);
  });
}
