import type { AuthResponse, User } from '@parley/schema';

/** What survives a reload: the tokens and who they belong to (localStorage). */
export interface Session {
  token: string;
  refreshToken: string;
  expiresAt: number;
  user: User;
}

/** Also written by client.ts when the SDK rotates the tokens. */
const KEY = 'parley.session';

export function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const value = JSON.parse(raw) as Partial<Session>;
    if (typeof value.token !== 'string' || !value.user || typeof value.user.id !== 'string') return null;
    return value as Session;
  } catch {
    return null;
  }
}

export function saveSession(auth: AuthResponse): Session {
  const session: Session = { token: auth.token, refreshToken: auth.refreshToken, expiresAt: auth.expiresAt, user: auth.user };
  localStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export function clearSession(): void {
  localStorage.removeItem(KEY);
}

type Listener = () => void;
const signedOutListeners = new Set<Listener>();

/** Called when the session ends (sign-out, or the server no longer accepts our tokens): the app returns to login. */
export function onSignedOut(listener: Listener): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

export function signOut(): void {
  clearSession();
  for (const listener of signedOutListeners) listener();
}
