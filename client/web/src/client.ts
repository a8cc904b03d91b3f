import { ParleyClient } from '@parley/client/sdk';
import { loadSession, type Session } from './session.ts';

const KEY = 'parley.session';

/**
 * The SDK client of the signed-in user. The SDK rotates tokens by itself; this
 * subclass writes each new pair back to localStorage, so a reload keeps the
 * session and the REST calls of api.ts use the same, current token.
 */
class WebClient extends ParleyClient {
  override updateAccessToken(token: string, refreshToken?: string): void {
    super.updateAccessToken(token, refreshToken);
    const session = loadSession();
    if (session && session.user.id === this.userId) {
      localStorage.setItem(KEY, JSON.stringify({ ...session, token, ...(refreshToken ? { refreshToken } : {}) } satisfies Session));
    }
  }
}

export function createClient(session: Session): ParleyClient {
  return new WebClient({
    serverUrl: location.origin,
    token: session.token,
    userId: session.user.id,
    ...(session.refreshToken ? { refreshToken: session.refreshToken } : {}),
    logLevel: 'warn',
  });
}
