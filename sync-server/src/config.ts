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
  /**
   * How long a SIGTERM may take to store documents before the process exits
   * anyway (`PARLEY_SHUTDOWN_TIMEOUT_MS`): a store the database keeps refusing
   * must not hold the process forever; the update log already holds each change.
   */
  shutdownTimeoutMs: number;
  /** Rules B2–B6 (docs/protocol.md, "Bounds"; docs/operations.md): what one socket or document may hold. */
  bounds: BoundsConfig;
  /** Bearer token for `GET /metrics` (`PARLEY_METRICS_TOKEN`); unset, /metrics answers 404. */
  metricsToken: string | undefined;
}

export interface BoundsConfig {
  /** Bytes queued to a socket before it is closed as a slow reader (`PARLEY_SEND_QUEUE_MAX_BYTES`). */
  sendQueueMaxBytes: number;
  /** Sync-step-1 requests per document connection: a burst, then one per interval. */
  syncRequestBurst: number;
  syncRequestIntervalMs: number;
  awarenessStateMaxBytes: number;
  awarenessDocumentMaxBytes: number;
  /** A user document's encoded size (`PARLEY_USER_DOC_MAX_BYTES`). */
  userDocumentMaxBytes: number;
  /** One client update, refused before decoding (`PARLEY_UPDATE_MAX_BYTES`). */
  updateMaxBytes: number;
  /** Sockets per address not yet authenticated (`PARLEY_UNAUTHENTICATED_PER_ADDRESS`). */
  unauthenticatedPerAddress: number;
  /** Time a socket has to authenticate its first document (`PARLEY_AUTH_DEADLINE_MS`). */
  authDeadlineMs: number;
  /** Period of the sockets' pings; a socket silent for two is cut (`PARLEY_HEARTBEAT_MS`, rule B8). */
  heartbeatMs: number;
}

function loadBounds(env: NodeJS.ProcessEnv): BoundsConfig {
  return {
    sendQueueMaxBytes: positiveInt(env.PARLEY_SEND_QUEUE_MAX_BYTES, LIMITS.sendQueueMaxBytes),
    syncRequestBurst: positiveInt(env.PARLEY_SYNC_REQUEST_BURST, LIMITS.syncRequestBurst),
    syncRequestIntervalMs: positiveInt(env.PARLEY_SYNC_REQUEST_INTERVAL_MS, LIMITS.syncRequestIntervalMs),
    awarenessStateMaxBytes: positiveInt(env.PARLEY_AWARENESS_STATE_MAX_BYTES, LIMITS.awarenessStateMaxBytes),
    awarenessDocumentMaxBytes: positiveInt(env.PARLEY_AWARENESS_DOC_MAX_BYTES, LIMITS.awarenessDocumentMaxBytes),
    userDocumentMaxBytes: positiveInt(env.PARLEY_USER_DOC_MAX_BYTES, LIMITS.userDocumentMaxBytes),
    updateMaxBytes: positiveInt(env.PARLEY_UPDATE_MAX_BYTES, LIMITS.updateMaxBytes),
    unauthenticatedPerAddress: positiveInt(env.PARLEY_UNAUTHENTICATED_PER_ADDRESS, LIMITS.unauthenticatedPerAddress),
    authDeadlineMs: positiveInt(env.PARLEY_AUTH_DEADLINE_MS, LIMITS.authDeadlineMs),
    heartbeatMs: positiveInt(env.PARLEY_HEARTBEAT_MS, 30_000),
  };
}

/** Settings a caller (a test, an embedding) fixes over the environment's. */
export type ConfigOverrides = Partial<Omit<SyncConfig, 'bounds'>> & { bounds?: Partial<BoundsConfig> };

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigOverrides = {}): SyncConfig {
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
    storeDebounceMs: positiveInt(env.PARLEY_STORE_DEBOUNCE_MS, 10_000),
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
    shutdownTimeoutMs: positiveInt(env.PARLEY_SHUTDOWN_TIMEOUT_MS, 20_000),
    ...overrides,
    bounds: { ...loadBounds(env), ...overrides.bounds },
  };
}

function list(value: string | undefined): string[] {
  const entries = (value ?? '').split(',').map((e) => e.trim()).filter(Boolean);
  trustedProxies(entries); // refuses a bad entry at start, not at the first request
  return entries;
}
