import { ParleyError, type AuthResponse } from '@parley/schema';
import type { Logger } from '../config.ts';
import { authRequest } from '../rest/RestClient.ts';

export interface RenewedTokens {
  token: string;
  refreshToken: string;
  expiresAt: number;
}

export interface SessionHooks {
  /** A new access token is in use: open documents re-authenticate with it. */
  tokenChanged(): void;
  /** The SDK renewed the tokens itself; the refresh token presented is spent (rule SDK-A2). */
  renewed(tokens: RenewedTokens): void;
}

/**
 * The user's tokens, and the one refresher of them (rule SDK-A2). Refresh tokens
 * are single-use: of every caller that finds the access token expired (REST, a
 * refused document), one refresh runs and the others wait for its answer.
 */
export class Session {
  private access: string;
  private spare: string | undefined;
  private refreshing: Promise<boolean> | null = null;
  private ended = false;

  constructor(
    private readonly apiUrl: string,
    private readonly fetchImpl: typeof fetch,
    tokens: { token: string; refreshToken?: string | undefined },
    private readonly logger: Logger,
    private readonly hooks: SessionHooks,
  ) {
    this.access = tokens.token;
    this.spare = tokens.refreshToken;
  }

  get token(): string {
    return this.access;
  }

  get refreshToken(): string | undefined {
    return this.spare;
  }

  get canRefresh(): boolean {
    return !this.ended && this.spare !== undefined;
  }

  /** Tokens from the app (updateAccessToken), or from a refresh. */
  update(token: string, refreshToken?: string): void {
    if (typeof token !== 'string' || token === '') throw new ParleyError('CONFIG_INVALID', 'updateAccessToken: expected a token');
    this.access = token;
    if (refreshToken) this.spare = refreshToken;
    this.ended = false;
    this.hooks.tokenChanged();
  }

  /** Renews the access token with the refresh token; true when it worked. Concurrent calls share one request. */
  refresh(): Promise<boolean> {
    if (!this.canRefresh) return Promise.resolve(false);
    this.refreshing ??= (async () => {
      try {
        const res = await authRequest<AuthResponse>(this.fetchImpl, this.apiUrl, '/auth/refresh', { refreshToken: this.spare });
        if (this.ended) return false;
        this.update(res.token, res.refreshToken);
        this.hooks.renewed({ token: res.token, refreshToken: res.refreshToken, expiresAt: res.expiresAt });
        return true;
      } catch (e) {
        this.logger.warn('token refresh failed', e);
        return false;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /** Another tab signed out and revoked the tokens (rule SDK-A5): forget them here without a request. */
  forget(): void {
    this.ended = true;
    this.spare = undefined;
  }

  /**
   * Revokes the refresh token on the server (POST /auth/logout), best effort:
   * offline, the token stays valid on the server until it expires, and the
   * device forgets it all the same (rule SDK-A3). An expired access token is
   * renewed first, since logout needs one; the renewed refresh token is the one revoked.
   */
  async logout(): Promise<void> {
    const revoke = () => authRequest<unknown>(this.fetchImpl, this.apiUrl, '/auth/logout', { refreshToken: this.spare }, this.access);
    if (this.spare !== undefined) {
      try {
        await this.refreshing;
        await revoke();
      } catch (e) {
        const expired = e instanceof ParleyError && (e.code === 'TOKEN_EXPIRED' || e.code === 'AUTH_FAILED');
        if (!(expired && (await this.refresh()) && (await revoke().then(() => true, () => false)))) {
          this.logger.warn('logout: the refresh token was not revoked on the server', e);
        }
      }
    }
    this.ended = true;
    this.spare = undefined;
  }
}
