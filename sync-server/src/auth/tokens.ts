import type { Kysely } from 'kysely';
import { ParleyError } from '@parley/schema';
import type { Database } from '@parley/schema/db';
import type { TokenService } from '@parley/schema/tokens';

// One token check for both services: the media-server verifies the same access tokens.
export { createTokenService, type TokenService } from '@parley/schema/tokens';

/**
 * The sync-server's token check: a valid signature is not enough, the account
 * must exist too (a token for a deleted account, or one minted with a secret
 * shared with another deployment, is refused). REST and the /sync handshake
 * both call `verifyAccess` on this service, so the rule holds on both.
 */
export function accountTokens(tokens: TokenService, db: Kysely<Database>): TokenService {
  return {
    issueAccess: (userId) => tokens.issueAccess(userId),
    async verifyAccess(token) {
      const userId = await tokens.verifyAccess(token);
      const row = await db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
      if (!row) throw new ParleyError('AUTH_FAILED', 'the account no longer exists');
      return userId;
    },
  };
}
