// One token check for both services: the media-server verifies the same access tokens.
export { createTokenService, type TokenService } from '@parley/schema/tokens';
