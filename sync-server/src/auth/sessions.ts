import { randomBytes } from 'node:crypto';

/**
 * Sessions (rule A6): every sign-in starts a session, a refresh-token family
 * whose id travels in each refresh token (`<session>.<secret>`) and in each
 * access token (`sid`). The index keeps only the hash of a refresh token, so
 * the id costs no column, and a forged prefix buys nothing: the hash must match.
 */
export const newSessionId = () => randomBytes(12).toString('base64url');

/** The session a refresh token belongs to; a token from before sessions starts a new one. */
export function sessionOf(refreshToken: string): string {
  const dot = refreshToken.indexOf('.');
  return dot > 0 ? refreshToken.slice(0, dot) : newSessionId();
}

export const refreshTokenFor = (sessionId: string) => `${sessionId}.${randomBytes(32).toString('base64url')}`;

/**
 * Sessions signed out on this instance or announced by another: their access
 * tokens stop working at once, not at their expiry. An entry is kept as long as
 * a token of the session can still be valid (the access-token lifetime).
 */
export class RevokedSessions {
  private readonly until = new Map<string, number>();

  constructor(private readonly ttlMs: number) {}

  add(userId: string, sessionId: string, now = Date.now()) {
    this.sweep(now);
    this.until.set(key(userId, sessionId), now + this.ttlMs);
  }

  has(userId: string, sessionId: string | null, now = Date.now()): boolean {
    if (sessionId === null) return false;
    const until = this.until.get(key(userId, sessionId));
    return until !== undefined && until > now;
  }

  private sweep(now: number) {
    for (const [k, until] of this.until) if (until <= now) this.until.delete(k);
  }
}

const key = (userId: string, sessionId: string) => `${userId}\u0000${sessionId}`;
