import { SignJWT, errors, jwtVerify } from 'jose';
import { ParleyError } from './errors.ts';

/**
 * Tokens signed with the JWT secret the services share (Node-only: exported as
 * `@parley/schema/tokens`, outside the browser's index). The sync-server issues
 * access tokens; the media-server checks them, and issues and checks the
 * short-lived media links that let `<img>` and `<video>` load a file.
 */

/**
 * Access tokens: HS256 JWTs whose subject is the user id. A token issued for a
 * sign-in carries its session id (`sid`, the refresh-token family), so that a
 * logout can end the sockets of that session (docs/protocol.md, A6).
 */
export interface TokenService {
  issueAccess(userId: string, sessionId?: string): Promise<{ token: string; expiresAt: number }>;
  /** The user id of a valid token; throws ParleyError AUTH_FAILED or TOKEN_EXPIRED. */
  verifyAccess(token: string): Promise<string>;
  /** As verifyAccess, with the claims a socket keeps: when the token expires, and its session. */
  verifyAccessClaims(token: string): Promise<AccessClaims>;
}

export interface AccessClaims {
  userId: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  sessionId: string | null;
}

const ISSUER = 'parley';

export function createTokenService(secret: string, ttlSeconds: number): TokenService {
  const key = new TextEncoder().encode(secret);
  return {
    async issueAccess(userId, sessionId) {
      const expiresAt = Date.now() + ttlSeconds * 1000;
      const token = await new SignJWT(sessionId ? { typ: 'access', sid: sessionId } : { typ: 'access' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setIssuer(ISSUER)
        .setIssuedAt()
        .setExpirationTime(Math.floor(expiresAt / 1000))
        .sign(key);
      return { token, expiresAt };
    },
    async verifyAccess(token) {
      return (await verify(key, token, 'access')).sub;
    },
    async verifyAccessClaims(token) {
      const payload = await verify(key, token, 'access');
      return { userId: payload.sub, expiresAt: payload.exp * 1000, sessionId: typeof payload.sid === 'string' ? payload.sid : null };
    },
  };
}

/** A signed media link: bound to one user and one upload, valid for minutes. */
export interface MediaLinkService {
  issue(userId: string, uploadId: string): Promise<{ sig: string; expiresAt: number }>;
  /** The user id a link was issued to, if it is valid for this upload; throws ParleyError otherwise. */
  verify(sig: string, uploadId: string): Promise<string>;
}

export function createMediaLinkService(secret: string, ttlSeconds: number): MediaLinkService {
  const key = new TextEncoder().encode(secret);
  return {
    async issue(userId, uploadId) {
      const expiresAt = Date.now() + ttlSeconds * 1000;
      const sig = await new SignJWT({ typ: 'media', fid: uploadId })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setIssuer(ISSUER)
        .setExpirationTime(Math.floor(expiresAt / 1000))
        .sign(key);
      return { sig, expiresAt };
    },
    async verify(sig, uploadId) {
      const payload = await verify(key, sig, 'media');
      if (payload.fid !== uploadId) throw new ParleyError('AUTH_FAILED', 'this link is for another file');
      return payload.sub;
    },
  };
}

/**
 * Peer tokens for call signalling (CONTRACT.md, "Calls"): bound to one user and
 * one peer id. The sync-server issues them with the peer id; the media-server's
 * PeerJS edge and the sync-server's call flow check them.
 */
export interface PeerTokenService {
  issue(userId: string, peerId: string): Promise<{ token: string; expiresAt: number }>;
  /** The user and peer id of a valid token; throws ParleyError AUTH_FAILED or TOKEN_EXPIRED. */
  verify(token: string): Promise<{ userId: string; peerId: string }>;
}

export function createPeerTokenService(secret: string, ttlSeconds: number): PeerTokenService {
  const key = new TextEncoder().encode(secret);
  return {
    async issue(userId, peerId) {
      const expiresAt = Date.now() + ttlSeconds * 1000;
      const token = await new SignJWT({ typ: 'peer', pid: peerId })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setIssuer(ISSUER)
        .setExpirationTime(Math.floor(expiresAt / 1000))
        .sign(key);
      return { token, expiresAt };
    },
    async verify(token) {
      const payload = await verify(key, token, 'peer');
      if (typeof payload.pid !== 'string' || payload.pid.length === 0) throw new ParleyError('AUTH_FAILED', 'a peer token without a peer id');
      return { userId: payload.sub, peerId: payload.pid };
    },
  };
}

const TOKEN_NAMES = { access: 'access token', media: 'media link', peer: 'peer token' } as const;

async function verify(key: Uint8Array, token: string, typ: keyof typeof TOKEN_NAMES): Promise<{ sub: string; exp: number; fid?: unknown; pid?: unknown; sid?: unknown }> {
  if (typeof token !== 'string' || token.length === 0 || token.length > 4096) {
    throw new ParleyError('AUTH_FAILED', 'missing or malformed token');
  }
  try {
    // `exp` is required: a token without one would be valid forever.
    const { payload } = await jwtVerify(token, key, { issuer: ISSUER, algorithms: ['HS256'], requiredClaims: ['exp'] });
    // A media link is not an access token, nor a peer token, nor the reverse.
    if (payload.typ !== typ || typeof payload.sub !== 'string') throw new ParleyError('AUTH_FAILED', `not a ${TOKEN_NAMES[typ]}`);
    return { sub: payload.sub, exp: payload.exp!, fid: payload.fid, pid: payload.pid, sid: payload.sid };
  } catch (error) {
    if (error instanceof ParleyError) throw error;
    if (error instanceof errors.JWTExpired) throw new ParleyError('TOKEN_EXPIRED', `the ${TOKEN_NAMES[typ]} has expired`);
    throw new ParleyError('AUTH_FAILED', 'invalid token');
  }
}
