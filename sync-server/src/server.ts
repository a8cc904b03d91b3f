import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { Server } from '@hocuspocus/server';
import { Redis } from '@hocuspocus/extension-redis';
import { Redis as RedisClient } from 'ioredis';
import { openStore, type Store } from '@parley/schema/db';
import { LIMITS, ParleyError } from '@parley/schema';
import type { SyncConfig } from './config.ts';
import { createLogger, type Logger } from './log.ts';
import { accountTokens, createTokenService } from './auth/tokens.ts';
import { DocumentPersistence } from './documents/persistence.ts';
import { DocumentHub } from './documents/hub.ts';
import { createCommandExecutor } from './commands/executor.ts';
import { FactsCache } from './commands/facts-cache.ts';
import { RateLimiter } from './commands/rate-limit.ts';
import { OutboxProcessor } from './outbox/processor.ts';
import { Inbox } from './inbox/inbox.ts';
import { Presence } from './presence/presence.ts';
import { Calls } from './calls/calls.ts';
import { createPeerTokenService } from '@parley/schema/tokens';
import { localBus, redisBus } from './cluster/bus.ts';
import { parleyExtension, persistenceExtension, type SyncContext } from './sync/extension.ts';
import { boundsExtension } from './sync/bounds.ts';
import { SocketGuard } from './sync/sockets.ts';
import { SyncSockets } from './sync/websockets.ts';
import { TokenWatch } from './sync/expiry.ts';
import { awarenessBytes } from './sync/awareness.ts';
import { RevokedSessions } from './auth/sessions.ts';
import { Quarantine } from './documents/quarantine.ts';
import { clientAddress, trustedProxies } from './http/address.ts';
import { createApiHandler, memoryLimits } from './http/api.ts';
import { originAllowed } from './http/origin.ts';
import { createAttemptLimiter } from './auth/rateLimit.ts';
import { createMetrics, type Metrics, measuredExecutor, measurePersistence, serveMetrics } from './metrics/metrics.ts';
import type { Services } from './services.ts';

export interface SyncServer {
  services: Services;
  metrics: Metrics;
  server: Server<SyncContext>;
  /** The conversation documents and their log (tests reach in to fail a projection). */
  documents: DocumentHub;
  /** http://host:port */
  readonly url: string;
  listen(): Promise<void>;
  /** Stops accepting work, flushes pending document stores, closes the database. */
  close(): Promise<void>;
}

const SYNC_PATH = '/sync';

export async function createSyncServer(config: SyncConfig, options: { log?: Logger; store?: Store } = {}): Promise<SyncServer> {
  const log = options.log ?? createLogger(config.logLevel);
  const store = options.store ?? (await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  const revoked = new RevokedSessions(config.accessTokenTtlSeconds * 1000);
  const tokens = accountTokens(createTokenService(config.jwtSecret, config.accessTokenTtlSeconds), store.db, revoked);
  // Read at scrape time, once the server below exists.
  const metrics = createMetrics({
    connections: () => server.hocuspocus.getConnectionsCount(),
    documents: () => server.hocuspocus.getDocumentsCount(),
    queuedBytesMax: () => websockets.queuedBytesMax(),
    awarenessBytes: () => [...server.hocuspocus.documents.values()].reduce((sum, document) => sum + awarenessBytes(document), 0),
  });
  const refused = (reason: string) => metrics.refusals.inc({ reason });
  const sockets = new SocketGuard(config.bounds, refused, log);
  const tokenWatch = new TokenWatch(refused);
  const proxies = trustedProxies(config.trustedProxies);
  const quarantine = new Quarantine(path.join(config.dataDir, 'quarantine'), log, (kind) => metrics.quarantined.inc({ kind }));
  const hub = new DocumentHub(store.db, measurePersistence(new DocumentPersistence(store), metrics), config.windowSize, log, config.documentIdleMs, quarantine);
  const bus = config.redisUrl ? await redisBus(config.redisUrl, config.instanceName, log) : localBus(config.instanceName, log);
  const inbox = new Inbox(store.db, log, bus);
  const presence = new Presence(store.db, log, bus, config.presenceGraceMs);
  const facts = new FactsCache(store.db);
  facts.attachBus(bus);
  const commands = measuredExecutor(createCommandExecutor({
    db: store.db,
    dialect: store.dialect,
    facts,
    writer: hub,
    inbox,
    presence,
    limiter: new RateLimiter(config.commandRatePerSecond, config.commandBurst),
  }), metrics);
  const calls = new Calls({
    db: store.db, bus, log, commands, peers: createPeerTokenService(config.jwtSecret, config.callCredentialsTtlSeconds),
    ringTimeoutMs: config.callRingTimeoutMs, inviteBurst: config.callInviteBurst, invitesPerMinute: config.callInvitesPerMinute,
  });
  const outbox = new OutboxProcessor(commands, log, config.outboxMaxPending);
  // Rule A6: a logout ends the session's sockets on every instance, and its tokens at once.
  const SESSION_REVOKED = 'sessionRevoked';
  bus.subscribe(SESSION_REVOKED, ({ userId, sessionId }: { userId: unknown; sessionId: unknown }) => {
    if (typeof userId !== 'string' || typeof sessionId !== 'string') return;
    revoked.add(userId, sessionId);
    tokenWatch.revoke(server.hocuspocus, userId, sessionId);
  });
  const sessions = {
    revoke(userId: string, sessionId: string) {
      revoked.add(userId, sessionId);
      bus.publish(SESSION_REVOKED, { userId, sessionId });
    },
  };
  const services: Services = { config, store, log, tokens, commands, inbox, presence, sessions };
  // Login and registration limits hold across instances through Redis when it is configured.
  const limitsRedis = config.redisUrl ? new RedisClient(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }) : undefined;
  limitsRedis?.on('error', (error) => log.warn({ err: error }, 'redis (limits) error'));
  const limits = limitsRedis
    ? {
        pair: createAttemptLimiter({ name: 'login-pair', points: LIMITS.loginAttempts, durationMs: LIMITS.loginWindowMs, redis: limitsRedis }),
        address: createAttemptLimiter({ name: 'login-address', points: LIMITS.loginAddressAttempts, durationMs: LIMITS.loginWindowMs, redis: limitsRedis }),
        registration: createAttemptLimiter({ name: 'register', points: config.registrationsPerHour, durationMs: 60 * 60 * 1000, redis: limitsRedis }),
      }
    : memoryLimits(config.registrationsPerHour);
  const api = createApiHandler(services, { limits, checks: limitsRedis ? { redis: () => limitsRedis.ping() } : {} });

  const extensions = [
    persistenceExtension(hub, log),
    parleyExtension({ db: store.db, tokens, hub, outbox, inbox, presence, calls, sockets, quarantine, log }),
    boundsExtension({ bounds: config.bounds, sockets, tokens: tokenWatch, refused, log }),
  ];
  if (config.redisUrl) {
    const redis = new URL(config.redisUrl);
    extensions.push(
      new Redis({
        host: redis.hostname,
        port: Number(redis.port || 6379),
        identifier: config.instanceName,
        prefix: 'parley',
        options: redis.password ? { password: decodeURIComponent(redis.password) } : {},
      }) as never,
    );
  }

  const server = new Server<SyncContext>({
    name: config.instanceName,
    port: config.port,
    address: config.host,
    quiet: true,
    stopOnSignals: false,
    debounce: config.storeDebounceMs,
    maxDebounce: config.storeDebounceMs * 5,
    extensions,
    // Each update goes out as it is applied, with no merge of a turn's updates per
    // document: the frames of a turn leave a socket in one write anyway (rule B7).
    flushDelay: false,
    // Before authentication a client sends its first sync request and little else (rule B6).
    maxUnauthenticatedQueueSize: 1024 * 1024,
    async onRequest({ request, response }) {
      if (await serveMetrics(metrics, config.metricsToken, request, response)) throw null;
      if (await handle(api, request, response, log)) throw null;
    },
  });
  // The sockets of /sync are SyncSockets', not the crossws adapter's Hocuspocus
  // Server sets up in its constructor: its upgrade listener is replaced.
  const websockets = new SyncSockets(server.hocuspocus, sockets, { maxPayload: LIMITS.websocketMaxPayloadBytes, heartbeatMs: config.bounds.heartbeatMs, log });
  server.httpServer.removeAllListeners('upgrade');
  server.httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const { pathname } = new URL(request.url ?? '/', 'http://x');
    if (pathname !== SYNC_PATH && pathname !== `${SYNC_PATH}/`) {
      socket.destroy();
      return;
    }
    // A page of another site may not open a socket with a token it got hold of (issue 11).
    if (!originAllowed(request, config.allowedOrigins)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // Rule B6: an address holds a bounded number of sockets that have not authenticated.
    if (!sockets.upgrade(request, clientAddress(request, proxies))) {
      socket.end('HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    websockets.upgrade(request, socket, head);
  });
  hub.attach(server.hocuspocus);
  hub.attachBus(bus);
  inbox.attach(server.hocuspocus);
  presence.attach(server.hocuspocus);
  calls.attach(server.hocuspocus);

  let closing: Promise<void> | null = null;
  return {
    services,
    metrics,
    server,
    documents: hub,
    get url() {
      const { port } = server.address;
      return `http://127.0.0.1:${port}`;
    },
    async listen() {
      await server.listen();
      log.info({ port: server.address.port }, 'sync-server listening');
    },
    close() {
      closing ??= (async () => {
        // In order: no new command, the last inbox refreshes, documents released, then Hocuspocus stores and closes.
        await outbox.stop();
        await calls.close();
        presence.close();
        await inbox.close();
        await hub.close();
        // Every socket closes (1012, service restart), so its documents unload and are
        // stored now and its client reconnects at once, to another instance or to this
        // one restarted. Hocuspocus's destroy alone closes each document but leaves the
        // socket open, and the last documents waited for the clients' heartbeats (~20 s).
        websockets.closeAll(1012, 'server restarting');
        // Hocuspocus 4 flushes pending stores on destroy.
        await server.destroy();
        await bus.close();
        limitsRedis?.disconnect();
        if (!options.store) await store.close();
        log.info('sync-server stopped');
      })();
      return closing;
    },
  };
}

async function handle(api: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>, req: IncomingMessage, res: ServerResponse, log: Logger) {
  try {
    return await api(req, res);
  } catch (error) {
    log.error({ err: error }, 'request failed');
    if (!res.headersSent) {
      const internal = new ParleyError('INTERNAL', 'internal error');
      res.writeHead(internal.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: internal }));
    }
    return true;
  }
}

