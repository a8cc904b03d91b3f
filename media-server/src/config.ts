import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

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
    port: port(env.MEDIA_PORT, 1080),
    host: env.MEDIA_HOST || '0.0.0.0',
    logLevel: env.LOG_LEVEL || 'info',
    shutdownGraceMs: 10_000,
    ...overrides,
  };
}

/**
 * Same file and same rules as the sync-server's: whichever service starts first
 * writes `<dataDir>/jwt-secret`, the other reads it, so tokens verify on both.
 */
function readOrCreateSecret(dataDir: string): string {
  const file = path.join(dataDir, 'jwt-secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(dataDir, { recursive: true });
    const secret = randomBytes(48).toString('base64url');
    try {
      fs.writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
      return secret;
    } catch {
      // The sync-server created it first: use theirs.
      return fs.readFileSync(file, 'utf8').trim();
    }
  }
}

function port(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`not a port: ${value}`);
  return n;
}
