import { SignJWT, errors, jwtVerify } from 'jose';
import { ParleyError } from '@parley/schema';

/** Access tokens: HS256 JWTs whose subject is the user id. */
export interface TokenService {
  issueAccess(userId: string): Promise<{ token: string; expiresAt: number }>;
  /** The user id of a valid token; throws ParleyError AUTH_FAILED or TOKEN_EXPIRED. */
  verifyAccess(token: string): Promise<string>;
}

const ISSUER = 'parley';

export function createTokenService(secret: string, ttlSeconds: number): TokenService {
  const key = new TextEncoder().encode(secret);
  return {
    async issueAccess(userId) {
      const expiresAt = Date.now() + ttlSeconds * 1000;
      const token = await new SignJWT({ typ: 'access' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setIssuer(ISSUER)
        .setIssuedAt()
        .setExpirationTime(Math.floor(expiresAt / 1000))
        .sign(key);
      return { token, expiresAt };
    },
    async verifyAccess(token) {
      if (typeof token !== 'string' || token.length === 0 || token.length > 4096) {
        throw new ParleyError('AUTH_FAILED', 'missing or malformed token');
      }
      try {
        const { payload } = await jwtVerify(token, key, { issuer: ISSUER, algorithms: ['HS256'] });
        if (payload.typ !== 'access' || typeof payload.sub !== 'string') throw new ParleyError('AUTH_FAILED', 'not an access token');
        return payload.sub;
      } catch (error) {
        if (error instanceof ParleyError) throw error;
        if (error instanceof errors.JWTExpired) throw new ParleyError('TOKEN_EXPIRED', 'the access token has expired');
        throw new ParleyError('AUTH_FAILED', 'invalid token');
      }
    },
  };
}
