import type { Kysely } from 'kysely';
import { ParleyError } from '@parley/schema';
import type { Database } from '@parley/schema/db';
import type { AccessClaims, TokenService } from '@parley/schema/tokens';
import type { RevokedSessions } from './sessions.ts';

// One token check for both services: the media-server verifies the same access tokens.
export { createTokenService, type AccessClaims, type TokenService } from '@parley/schema/tokens';

/**
 * The sync-server's token check: a valid signature is not enough, the account
 * must exist too (a token for a deleted account, or one minted with a secret
 * shared with another deployment, is refused), and its session must not have
 * been signed out (rule A6). REST and the /sync handshake both call this
 * service, so the rules hold on both.
 */
export function accountTokens(tokens: TokenService, db: Kysely<Database>, revoked: RevokedSessions): TokenService {
  const verifyAccessClaims = async (token: string): Promise<AccessClaims> => {
    const claims = await tokens.verifyAccessClaims(token);
    if (revoked.has(claims.userId, claims.sessionId)) throw new ParleyError('AUTH_FAILED', 'this session was signed out');
    const row = await db.selectFrom('users').select('id').where('id', '=', claims.userId).executeTakeFirst();
    if (!row) throw new ParleyError('AUTH_FAILED', 'the account no longer exists');
    return claims;
  };
  return {
    issueAccess: (userId, sessionId) => tokens.issueAccess(userId, sessionId),
    verifyAccessClaims,
    async verifyAccess(token) {
      return (await verifyAccessClaims(token)).userId;
    },
  };
}
