import { ParleyClient } from '@parley/client/sdk';
import { loadSession, type Session } from './session.ts';

const KEY = 'parley.session';

/**
 * The SDK client of the signed-in user: the app's one way to the server (REST
 * and sync). The SDK rotates tokens by itself, the only refresher of them; each
 * new pair is written back to localStorage, so a reload keeps the session.
 */
export function createClient(session: Session): ParleyClient {
  const client = new ParleyClient({
    serverUrl: location.origin,
    token: session.token,
    userId: session.user.id,
    ...(session.refreshToken ? { refreshToken: session.refreshToken } : {}),
    logLevel: 'warn',
  });
  // The SDK renewed an expired token: keep the new pair, the old refresh token is spent.
  client.on('tokenRefreshed', ({ token, refreshToken }) => {
    const current = loadSession();
    if (current && current.user.id === session.user.id) localStorage.setItem(KEY, JSON.stringify({ ...current, token, refreshToken } satisfies Session));
  });
  return client;
}
