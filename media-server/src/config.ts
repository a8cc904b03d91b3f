import path from 'node:path';
import { DEFAULT_PORTS } from '@parley/schema';
import { port, readOrCreateSecret } from '@parley/schema/env';

/** Every setting of the media-server, parsed once at start (CONTRACT.md, "Configuration"). */
export interface MediaConfig {
  dataDir: string;
  /** Shared with the sync-server: it signs the access tokens this server checks. */
  jwtSecret: string;
  port: number;
  host: string;
  logLevel: string;
  /** How long a graceful shutdown may take before open connections are cut. */
  shutdownGraceMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<MediaConfig> = {}): MediaConfig {
  const dataDir = path.resolve(overrides.dataDir ?? env.PARLEY_DATA_DIR ?? './data');
  return {
    dataDir,
    jwtSecret: overrides.jwtSecret ?? (env.JWT_SECRET || readOrCreateSecret(dataDir)),
    port: port(env.MEDIA_PORT, DEFAULT_PORTS.media),
    host: env.MEDIA_HOST || '0.0.0.0',
    logLevel: env.LOG_LEVEL || 'info',
    shutdownGraceMs: 10_000,
    ...overrides,
  };
}
