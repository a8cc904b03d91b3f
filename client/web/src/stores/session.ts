import { create } from 'zustand';
import type { AuthResponse, User } from '@parley/schema';

/** What survives a reload: the tokens and who they belong to (localStorage). */
export interface Session {
  token: string;
  refreshToken: string;
  expiresAt: number;
  user: User;
}

export const SESSION_KEY = 'parley.session';

export function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    if (!raw) return null;
    const value = JSON.parse(raw) as Partial<Session>;
    if (typeof value.token !== 'string' || !value.user || typeof value.user.id !== 'string') return null;
    return value as Session;
  } catch {
    return null;
  }
}

interface SessionState {
  session: Session | null;
  signIn(auth: AuthResponse): void;
  /** The SDK rotated the tokens: keep the new pair, the old refresh token is spent. */
  tokensRefreshed(token: string, refreshToken: string): void;
  /** The session ended (sign-out, or the server no longer accepts our tokens): back to sign-in. */
  signOut(): void;
}

/** The signed-in user and their tokens, mirrored to localStorage. */
export const useSession = create<SessionState>((set, get) => ({
  session: loadSession(),
  signIn(auth) {
    const session: Session = { token: auth.token, refreshToken: auth.refreshToken, expiresAt: auth.expiresAt, user: auth.user };
    localStorage.setItem(SESSION_KEY, JSON.stringify(session));
    set({ session });
  },
  tokensRefreshed(token, refreshToken) {
    const current = get().session;
    if (!current) return;
    const session = { ...current, token, refreshToken };
    localStorage.setItem(SESSION_KEY, JSON.stringify(session));
    set({ session });
  },
  signOut() {
    localStorage.removeItem(SESSION_KEY);
    set({ session: null });
  },
}));

/** The signed-in user; only for components under the chat shell, which exists only while signed in. */
export function useMe(): User {
  const me = useSession((s) => s.session?.user);
  if (!me) throw new Error('useMe outside a session');
  return me;
}
