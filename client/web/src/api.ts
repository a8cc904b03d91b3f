import type { AuthResponse, ErrorCode, User } from '@parley/schema';
import { clearSession, loadSession, saveSession, type Session } from './session.ts';

/** An answer of the REST API that was not 2xx: its coded error (CONTRACT.md, "REST"). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK',
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Listener = () => void;
const signedOutListeners = new Set<Listener>();

/** Called when the server no longer accepts our tokens: the app returns to login. */
export function onSignedOut(listener: Listener): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

function signOut(): void {
  clearSession();
  for (const listener of signedOutListeners) listener();
}

async function call<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(`/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server cannot be reached. Check your connection.');
  }
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // A proxy's HTML error page, for example.
  }
  if (!res.ok) {
    const error = (data as { error?: { code?: ErrorCode; message?: string } } | null)?.error;
    throw new ApiError(res.status, error?.code ?? 'INTERNAL', error?.message ?? `The server answered ${res.status}.`);
  }
  return data as T;
}

let refreshing: Promise<Session | null> | null = null;

/** One refresh at a time, however many requests found the token expired. */
function refresh(session: Session): Promise<Session | null> {
  refreshing ??= call<AuthResponse>('POST', '/auth/refresh', { refreshToken: session.refreshToken })
    .then(saveSession)
    .catch(() => null)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** An authenticated call; an expired token is refreshed once, anything else that is 401 signs out. */
async function authed<T>(method: string, path: string, body?: unknown): Promise<T> {
  const session = loadSession();
  if (!session) {
    signOut();
    throw new ApiError(401, 'AUTH_FAILED', 'Signed out.');
  }
  try {
    return await call<T>(method, path, body, session.token);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    // The SDK may have rotated the tokens meanwhile (refresh tokens are single-use): take its pair.
    const latest = loadSession();
    const rotated = latest && latest.token !== session.token ? latest : null;
    const renewed = rotated ?? (error.code === 'TOKEN_EXPIRED' && session.refreshToken ? await refresh(session) : null);
    if (!renewed) {
      signOut();
      throw error;
    }
    try {
      return await call<T>(method, path, body, renewed.token);
    } catch (again) {
      if (again instanceof ApiError && again.status === 401) signOut();
      throw again;
    }
  }
}

export const api = {
  register: (username: string, password: string, displayName?: string) =>
    call<AuthResponse>('POST', '/auth/register', { username, password, ...(displayName ? { displayName } : {}) }).then(saveSession),
  login: (username: string, password: string) => call<AuthResponse>('POST', '/auth/login', { username, password }).then(saveSession),
  signOut,
  /** Revokes the refresh token on the server (best effort), then forgets the session here. */
  logout: async () => {
    const session = loadSession();
    if (session?.refreshToken) await call('POST', '/auth/logout', { refreshToken: session.refreshToken }, session.token).catch(() => undefined);
    signOut();
  },
  searchUsers: (q: string) => authed<{ items: User[] }>('GET', `/users?q=${encodeURIComponent(q)}`).then((r) => r.items),
};
