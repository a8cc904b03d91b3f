import { ParleyError } from '@parley/schema';
import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';
import type { HeartbeatOptions } from './heartbeat/Heartbeat.ts';
import type { ReconnectOptions, ReconnectStrategy } from './reconnect/delay.ts';
import type { ClientStorage } from './storage/types.ts';
import { browserOnlineSignal } from './sync/network.ts';
import type { BroadcastChannelFactory } from './tabs/channel.ts';
import type { OnlineSignal } from './uploads/types.ts';

export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug';

export interface Logger {
  error(msg: string, data?: unknown): void;
  warn(msg: string, data?: unknown): void;
  info(msg: string, data?: unknown): void;
  debug(msg: string, data?: unknown): void;
}

/** What an application passes to `new ParleyClient(config)`. */
export interface ParleyClientConfig {
  /** HTTP base of the sync-server, e.g. `https://chat.example.com` (REST lives under `/api`). */
  serverUrl: string;
  /** WebSocket URL; default: serverUrl with ws(s): and `/sync`. */
  wsUrl?: string;
  /** HTTP base of the media-server (tus at `/files/`); default: serverUrl, as behind the web app's proxy. */
  mediaUrl?: string;
  /** Uploads running at once (client.uploads); the rest wait in order. */
  uploadConcurrency?: number;
  /** Access token (from login/register). */
  token: string;
  /** The signed-in user's id. */
  userId: string;
  /** Lets the SDK renew an expired access token through `/api/auth/refresh`. */
  refreshToken?: string;
  reconnect?: Partial<ReconnectOptions>;
  heartbeat?: Partial<HeartbeatOptions>;
  /** 'indexeddb' (default where indexedDB exists), 'memory' (default elsewhere), or an adapter. */
  storage?: 'indexeddb' | 'memory' | ClientStorage;
  logLevel?: LogLevel;
  logger?: Logger;
  /** Typing stops by itself after this many idle milliseconds. */
  typingTimeout?: number;
  /** Automatic retries of a send that failed with a retryable code. */
  maxSendRetries?: number;
  /** Edges, injectable for Node and for tests. */
  fetch?: typeof fetch;
  /** A WebSocket class; Node needs the `ws` package here (the provider's WebSocketPolyfill). */
  WebSocket?: unknown;
  /** Tab-to-tab relay; default: the global BroadcastChannel when there is one; false disables it. */
  broadcastChannel?: BroadcastChannelFactory | false;
  /** Whether the device has a network (rule SDK-C12); default: the browser's `navigator.onLine` and its events; false: the socket alone decides. */
  online?: OnlineSignal | false;
  clock?: Clock;
  random?: () => number;
}

export interface ResolvedConfig {
  serverUrl: string;
  apiUrl: string;
  wsUrl: string;
  mediaUrl: string;
  uploadConcurrency: number;
  token: string;
  userId: string;
  refreshToken: string | undefined;
  reconnect: ReconnectOptions;
  heartbeat: HeartbeatOptions;
  storage: 'indexeddb' | 'memory' | ClientStorage;
  logger: Logger;
  typingTimeout: number;
  maxSendRetries: number;
  fetch: typeof fetch;
  WebSocket: unknown;
  broadcastChannel: BroadcastChannelFactory | null;
  online: OnlineSignal | null;
  clock: Clock;
  random: () => number;
}

export const DEFAULTS = {
  reconnect: { strategy: 'exponential', maxRetries: 0, initialDelay: 1000, maxDelay: 30_000, jitter: 0.5 } satisfies ReconnectOptions,
  heartbeat: { interval: 25_000, timeout: 10_000 } satisfies HeartbeatOptions,
  typingTimeout: 3000,
  maxSendRetries: 5,
  uploadConcurrency: 3,
} as const;

const STRATEGIES: readonly ReconnectStrategy[] = ['fixed', 'linear', 'exponential'];
const LEVELS: readonly LogLevel[] = ['silent', 'error', 'warn', 'info', 'debug'];

/** Validates the whole config at once (rule SDK-CFG1): a bad one throws CONFIG_INVALID listing every problem. */
export function resolveConfig(raw: ParleyClientConfig): ResolvedConfig {
  const problems: string[] = [];
  if (raw === null || typeof raw !== 'object') throw new ParleyError('CONFIG_INVALID', 'config must be an object');
  const c = raw as ParleyClientConfig & Record<string, unknown>;

  const url = (key: string, value: unknown, protocols: string[]): string | undefined => {
    if (typeof value !== 'string' || value === '') {
      problems.push(`${key}: expected a URL string`);
      return undefined;
    }
    try {
      const u = new URL(value);
      if (!protocols.includes(u.protocol)) problems.push(`${key}: expected ${protocols.join(' or ')} URL, got ${u.protocol}`);
      return value.replace(/\/+$/, '');
    } catch {
      problems.push(`${key}: not a URL: ${JSON.stringify(value)}`);
      return undefined;
    }
  };
  const serverUrl = url('serverUrl', c.serverUrl, ['http:', 'https:']) ?? '';
  const mediaUrl = c.mediaUrl !== undefined ? url('mediaUrl', c.mediaUrl, ['http:', 'https:']) ?? '' : serverUrl;
  const wsUrl = c.wsUrl !== undefined ? url('wsUrl', c.wsUrl, ['ws:', 'wss:']) ?? '' : serverUrl.replace(/^http/, 'ws') + '/sync';

  const nonEmpty = (key: string, value: unknown) => {
    if (typeof value !== 'string' || value.trim() === '') problems.push(`${key}: expected a non-empty string`);
  };
  nonEmpty('token', c.token);
  nonEmpty('userId', c.userId);
  if (c.refreshToken !== undefined) nonEmpty('refreshToken', c.refreshToken);

  const number = (key: string, value: unknown, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
      problems.push(`${key}: expected a number in [${min}, ${max === Number.MAX_SAFE_INTEGER ? '∞' : max}], got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value;
  };

  const r = (c.reconnect ?? {}) as Partial<ReconnectOptions>;
  if (typeof r !== 'object') problems.push('reconnect: expected an object');
  const strategy = r.strategy ?? DEFAULTS.reconnect.strategy;
  if (!STRATEGIES.includes(strategy)) problems.push(`reconnect.strategy: expected ${STRATEGIES.join(' | ')}, got ${JSON.stringify(strategy)}`);
  const maxRetriesRaw = r.maxRetries === Infinity ? 0 : r.maxRetries;
  const reconnect: ReconnectOptions = {
    strategy,
    maxRetries: number('reconnect.maxRetries', maxRetriesRaw, DEFAULTS.reconnect.maxRetries, 0),
    initialDelay: number('reconnect.initialDelay', r.initialDelay, DEFAULTS.reconnect.initialDelay, 1),
    maxDelay: number('reconnect.maxDelay', r.maxDelay, Math.max(DEFAULTS.reconnect.maxDelay, r.initialDelay ?? 0), 1),
    jitter: number('reconnect.jitter', r.jitter, DEFAULTS.reconnect.jitter, 0, 1),
  };
  if (reconnect.maxDelay < reconnect.initialDelay) problems.push('reconnect.maxDelay: must be ≥ reconnect.initialDelay');

  const h = (c.heartbeat ?? {}) as Partial<HeartbeatOptions>;
  const heartbeat: HeartbeatOptions = {
    interval: number('heartbeat.interval', h.interval, DEFAULTS.heartbeat.interval, 10),
    timeout: number('heartbeat.timeout', h.timeout, DEFAULTS.heartbeat.timeout, 10),
  };

  const storage = c.storage ?? (typeof globalThis.indexedDB === 'undefined' ? 'memory' : 'indexeddb');
  if (storage !== 'indexeddb' && storage !== 'memory' && (typeof storage !== 'object' || typeof storage.persistDoc !== 'function')) {
    problems.push('storage: expected "indexeddb", "memory" or a ClientStorage adapter');
  }
  if (storage === 'indexeddb' && typeof globalThis.indexedDB === 'undefined') {
    problems.push('storage: "indexeddb" asked for, but this runtime has no indexedDB (use "memory" in Node, or load fake-indexeddb)');
  }

  const logLevel = c.logLevel ?? 'warn';
  if (!LEVELS.includes(logLevel)) problems.push(`logLevel: expected ${LEVELS.join(' | ')}`);

  // Called through a plain function: a browser's fetch throws "Illegal invocation" when called as a method of another object.
  const given = c.fetch ?? globalThis.fetch;
  const fetchImpl: typeof fetch | undefined = typeof given === 'function' ? (input, init) => given.call(globalThis, input, init) : undefined;
  if (typeof fetchImpl !== 'function') problems.push('fetch: this runtime has no fetch; pass one');
  const WebSocketImpl = c.WebSocket ?? (globalThis as { WebSocket?: unknown }).WebSocket;
  if (typeof WebSocketImpl !== 'function') problems.push('WebSocket: this runtime has no WebSocket; pass one (in Node: the `ws` package)');

  let broadcastChannel: BroadcastChannelFactory | null = null;
  if (c.broadcastChannel === undefined) {
    const BC = (globalThis as { BroadcastChannel?: new (name: string) => unknown }).BroadcastChannel;
    if (typeof BC === 'function') broadcastChannel = (name) => new BC(name) as ReturnType<BroadcastChannelFactory>;
  } else if (typeof c.broadcastChannel === 'function') {
    broadcastChannel = c.broadcastChannel;
  } else if (c.broadcastChannel !== false) {
    problems.push('broadcastChannel: expected a factory or false');
  }

  let online: OnlineSignal | null = null;
  if (c.online === undefined) online = browserOnlineSignal();
  else if (c.online && typeof c.online.isOnline === 'function' && typeof c.online.subscribe === 'function') online = c.online;
  else if (c.online !== false) problems.push('online: expected { isOnline(), subscribe(fn) } or false');

  if (problems.length) throw new ParleyError('CONFIG_INVALID', `invalid Parley client config: ${problems.join('; ')}`);

  return {
    serverUrl,
    apiUrl: `${serverUrl}/api`,
    wsUrl,
    mediaUrl,
    uploadConcurrency: number('uploadConcurrency', c.uploadConcurrency, DEFAULTS.uploadConcurrency, 1),
    token: c.token,
    userId: c.userId,
    refreshToken: c.refreshToken,
    reconnect,
    heartbeat,
    storage,
    logger: c.logger ?? consoleLogger(logLevel),
    typingTimeout: number('typingTimeout', c.typingTimeout, DEFAULTS.typingTimeout, 100),
    maxSendRetries: number('maxSendRetries', c.maxSendRetries, DEFAULTS.maxSendRetries, 0),
    fetch: fetchImpl!,
    WebSocket: WebSocketImpl,
    broadcastChannel,
    online,
    clock: c.clock ?? systemClock,
    random: c.random ?? Math.random,
  };
}

function consoleLogger(level: LogLevel): Logger {
  const rank = LEVELS.indexOf(level);
  const sink = globalThis.console;
  const at = (l: LogLevel, write: (...args: unknown[]) => void) => (msg: string, data?: unknown) => {
    if (LEVELS.indexOf(l) <= rank) write(`[parley] ${msg}`, ...(data === undefined ? [] : [data]));
  };
  return {
    error: at('error', sink.error.bind(sink)),
    warn: at('warn', sink.warn.bind(sink)),
    info: at('info', sink.info.bind(sink)),
    debug: at('debug', sink.debug.bind(sink)),
  };
}
