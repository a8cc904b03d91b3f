import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DEFAULT_PORTS, LIMITS } from '@parley/schema';
import { port, positiveInt, readOrCreateSecret } from '@parley/schema/env';
import { trustedProxies } from './http/address.ts';
import { parseOrigins } from './http/origin.ts';

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
  /** Commands a user may keep waiting in the outbox; entries past it are answered OUTBOX_FULL (rule O10). */
  outboxMaxPending: number;
  accessTokenTtlSeconds: number;
  /** Debounce of snapshot stores; the update log makes every change durable before that. */
  storeDebounceMs: number;
  /** A name for this instance in logs and Redis. */
  instanceName: string;
  /** How long a user without connections still shows online (the presence throttle). */
  presenceGraceMs: number;
  /** How long the server keeps a conversation document open after writing to it. */
  documentIdleMs: number;
  /** STUN/TURN URLs handed to call clients (TURN_URLS); never a public default. */
  turnUrls: string[];
  /** coturn's static-auth-secret (TURN_SECRET): with it, TURN entries carry REST credentials. */
  turnSecret: string | undefined;
  /** How long TURN credentials and peer tokens are valid. */
  callCredentialsTtlSeconds: number;
  /** A call nobody answers ends as missed after this long (rule K5). */
  callRingTimeoutMs: number;
  /** Invites a user may send: a burst, refilled at this many per minute (rule K9). */
  callInviteBurst: number;
  callInvitesPerMinute: number;
  /** Proxies whose X-Forwarded-For is believed (`PARLEY_TRUSTED_PROXIES`: addresses, CIDRs, `loopback`, `private`); default none. */
  trustedProxies: string[];
  /** Browser origins allowed besides same-origin (`PARLEY_ALLOWED_ORIGINS`, or `*`), for CORS and the /sync upgrade. */
  allowedOrigins: string[];
  /** Registrations per address per hour (`PARLEY_REGISTER_LIMIT`). */
  registrationsPerHour: number;
  /** Bearer token for `GET /metrics` (`PARLEY_METRICS_TOKEN`); unset, /metrics answers 404. */
  metricsToken: string | undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<SyncConfig> = {}): SyncConfig {
  const dataDir = path.resolve(overrides.dataDir ?? env.PARLEY_DATA_DIR ?? './data');
  return {
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    jwtSecret: env.JWT_SECRET || readOrCreateSecret(dataDir),
    port: port(env.SYNC_PORT, DEFAULT_PORTS.sync),
    host: env.SYNC_HOST || '0.0.0.0',
    logLevel: env.LOG_LEVEL || 'info',
    windowSize: positiveInt(env.PARLEY_WINDOW_SIZE, LIMITS.windowSize),
    commandRatePerSecond: positiveInt(env.PARLEY_COMMAND_RATE, LIMITS.commandRatePerSecond),
    commandBurst: positiveInt(env.PARLEY_COMMAND_BURST, LIMITS.commandBurst),
    outboxMaxPending: positiveInt(env.PARLEY_OUTBOX_MAX_PENDING, LIMITS.outboxMaxPending),
    accessTokenTtlSeconds: positiveInt(env.PARLEY_TOKEN_TTL, LIMITS.accessTokenTtlSeconds),
    storeDebounceMs: positiveInt(env.PARLEY_STORE_DEBOUNCE_MS, 2000),
    // Unique across machines: Redis tells instances apart by it.
    instanceName: env.PARLEY_INSTANCE || `sync-${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    presenceGraceMs: positiveInt(env.PARLEY_PRESENCE_GRACE_MS, 5000),
    documentIdleMs: positiveInt(env.PARLEY_DOCUMENT_IDLE_MS, 30_000),
    turnUrls: (env.TURN_URLS ?? '').split(',').map((u) => u.trim()).filter((u) => u.length > 0),
    turnSecret: env.TURN_SECRET || undefined,
    callCredentialsTtlSeconds: positiveInt(env.PARLEY_CALL_CREDENTIALS_TTL, 3600),
    callRingTimeoutMs: positiveInt(env.PARLEY_CALL_TIMEOUT_MS, 45_000),
    callInviteBurst: positiveInt(env.PARLEY_CALL_INVITE_BURST, 5),
    callInvitesPerMinute: positiveInt(env.PARLEY_CALL_INVITES_PER_MINUTE, 10),
    trustedProxies: list(env.PARLEY_TRUSTED_PROXIES),
    allowedOrigins: parseOrigins(env.PARLEY_ALLOWED_ORIGINS),
    registrationsPerHour: positiveInt(env.PARLEY_REGISTER_LIMIT, LIMITS.registrationsPerAddressPerHour),
    metricsToken: env.PARLEY_METRICS_TOKEN || undefined,
    ...overrides,
  };
}

function list(value: string | undefined): string[] {
  const entries = (value ?? '').split(',').map((e) => e.trim()).filter(Boolean);
  trustedProxies(entries); // refuses a bad entry at start, not at the first request
  return entries;
}
