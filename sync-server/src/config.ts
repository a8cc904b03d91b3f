import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { LIMITS } from '@parley/schema';

/** Every setting of the sync-server, parsed once at start (CONTRACT.md, "Configuration"). */
export interface SyncConfig {
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  jwtSecret: string;
  port: number;
  host: string;
  logLevel: string;
  /** Messages kept in a conversation document's window. */
  windowSize: number;
  commandRatePerSecond: number;
  commandBurst: number;
  accessTokenTtlSeconds: number;
  /** Debounce of snapshot stores; the update log makes every change durable before that. */
  storeDebounceMs: number;
  /** A name for this instance in logs and Redis. */
  instanceName: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<SyncConfig> = {}): SyncConfig {
  const dataDir = path.resolve(overrides.dataDir ?? env.PARLEY_DATA_DIR ?? './data');
  return {
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    jwtSecret: env.JWT_SECRET || readOrCreateSecret(dataDir),
    port: port(env.SYNC_PORT, 1234),
    host: env.SYNC_HOST || '0.0.0.0',
    logLevel: env.LOG_LEVEL || 'info',
    windowSize: positiveInt(env.PARLEY_WINDOW_SIZE, LIMITS.windowSize),
    commandRatePerSecond: positiveInt(env.PARLEY_COMMAND_RATE, LIMITS.commandRatePerSecond),
    commandBurst: positiveInt(env.PARLEY_COMMAND_BURST, LIMITS.commandBurst),
    accessTokenTtlSeconds: positiveInt(env.PARLEY_TOKEN_TTL, LIMITS.accessTokenTtlSeconds),
    storeDebounceMs: positiveInt(env.PARLEY_STORE_DEBOUNCE_MS, 2000),
    instanceName: env.PARLEY_INSTANCE || `sync-${process.pid}`,
    ...overrides,
  };
}

/** The generated secret lives in the data folder so that restarts keep tokens valid. */
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
      // Another service created it first: use theirs.
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

function positiveInt(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`not a positive integer: ${value}`);
  return n;
}
