import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sql } from 'kysely';
import { LIMITS, ParleyError } from '@parley/schema';
import type { Services } from '../services.ts';
import { createAttemptLimiter, RateLimitedError, type LoginLimits } from '../auth/rateLimit.ts';
import { clientAddress, trustedProxies } from './address.ts';
import { originAllowed } from './origin.ts';
import { authRoutes } from './auth.ts';
import { callRoutes } from './calls.ts';
import { readJson, validate } from './body.ts';
import { conversationRoutes } from './conversations.ts';
import { Router, type Reply, type RequestContext } from './router.ts';
import { searchRoutes } from './search.ts';
import { userRoutes } from './users.ts';
import { serverFault } from '../sync/outage.ts';

/** Seconds a client is told to wait after UNAVAILABLE (503). */
const UNAVAILABLE_RETRY_AFTER_S = 2;

/**
 * The REST API under /api (docs/api.md): plain node:http, one route table.
 * Returns false for any other path so the caller can hand the request on.
 */
export interface ApiOptions {
  /** Shared limits (Redis-backed with REDIS_URL); in memory when absent. */
  limits?: LoginLimits;
  /** Readiness checks besides the database (Redis when configured): name → throws when not ready. */
  checks?: Record<string, () => Promise<unknown>>;
}

export function memoryLimits(registrationsPerHour: number): LoginLimits {
  return {
    pair: createAttemptLimiter({ name: 'login-pair', points: LIMITS.loginAttempts, durationMs: LIMITS.loginWindowMs }),
    address: createAttemptLimiter({ name: 'login-address', points: LIMITS.loginAddressAttempts, durationMs: LIMITS.loginWindowMs }),
    registration: createAttemptLimiter({ name: 'register', points: registrationsPerHour, durationMs: 60 * 60 * 1000 }),
  };
}

export function createApiHandler(services: Services, options: ApiOptions = {}): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const { config } = services;
  const limits = options.limits ?? memoryLimits(config.registrationsPerHour);
  const proxies = trustedProxies(config.trustedProxies);
  const checks: Record<string, () => Promise<unknown>> = { database: () => sql`select 1`.execute(services.store.db), ...options.checks };
  const router = new Router().add(
    // Liveness: the process answers. Readiness: it can do work (database, and Redis when configured).
    { method: 'GET', path: '/health', auth: false, handler: async () => ({ status: 200, body: { ok: true } }) },
    { method: 'GET', path: '/ready', auth: false, handler: () => ready(checks) },
    ...authRoutes(limits),
    ...userRoutes(),
    ...conversationRoutes(),
    ...searchRoutes(),
    ...callRoutes(),
  );
  const log = services.log.child({ component: 'api' });

  return async (req, res) => {
    const url = parseUrl(req.url);
    if (!url || !(url.pathname === '/api' || url.pathname.startsWith('/api/'))) return false;
    const started = performance.now();
    const requestId = requestIdOf(req);
    const reqLog = log.child({ reqId: requestId });
    const allowed = originAllowed(req, config.allowedOrigins);
    let reply: Reply;
    try {
      reply = allowed ? await route(req, url, reqLog) : { status: 403, body: { error: new ParleyError('FORBIDDEN', 'this origin may not call the API').toJSON() } };
    } catch (error) {
      reply = errorReply(error, req, url, reqLog);
    }
    try {
      send(req, res, reply, { requestId, origin: allowed ? req.headers.origin : undefined });
      reqLog.debug({ method: req.method, path: url.pathname, status: reply.status, ms: Math.round(performance.now() - started) }, 'api');
    } catch (error) {
      reqLog.error({ err: error, method: req.method, path: url.pathname }, 'could not send an API answer');
      res.destroy();
    }
    return true;
  };

  async function route(req: IncomingMessage, url: URL, log: RequestContext['log']): Promise<Reply> {
    if (req.method === 'OPTIONS') return { status: 204, headers: { 'Access-Control-Max-Age': '600' } };
    const match = router.match(req.method ?? 'GET', url.pathname.slice('/api'.length));
    if (match.kind === 'none') throw new ParleyError('NOT_FOUND', `no endpoint ${url.pathname}`);
    if (match.kind === 'wrongMethod') {
      const error = new ParleyError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use ${match.allowed.join(' or ')}`);
      return { status: error.status, headers: { Allow: match.allowed.join(', ') }, body: { error } };
    }

    const userId = match.route.auth === false ? '' : await services.tokens.verifyAccess(bearer(req));
    let raw: Promise<unknown> | undefined;
    const ctx: RequestContext = {
      req,
      url,
      params: match.params,
      services,
      log,
      userId,
      address: clientAddress(req, proxies),
      body: async (schema) => validate(schema, await (raw ??= readJson(req, LIMITS.jsonBodyMaxBytes))),
      query: (schema) => validate(schema, Object.fromEntries(url.searchParams)),
    };
    return match.route.handler(ctx);
  }

  function errorReply(error: unknown, req: IncomingMessage, url: URL, log: RequestContext['log']): Reply {
    if (error instanceof ParleyError) {
      const headers: Record<string, string> = {};
      if (error instanceof RateLimitedError) headers['Retry-After'] = String(Math.ceil(error.retryAfterMs / 1000));
      if (error.status === 401) headers['WWW-Authenticate'] = 'Bearer';
      if (error.code === 'UNAVAILABLE') headers['Retry-After'] = String(UNAVAILABLE_RETRY_AFTER_S);
      if (error.status >= 500) log.error({ err: error, method: req.method, path: url.pathname }, 'API request failed');
      return { status: error.status, headers, body: { error: error.toJSON() } };
    }
    log.error({ err: error, method: req.method, path: url.pathname }, 'API request failed');
    // A database or Redis outage is the server's own fault and retryable: 503 with Retry-After.
    const fault = serverFault(error);
    const headers: Record<string, string> = fault.code === 'UNAVAILABLE' ? { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_S) } : {};
    return { status: fault.status, headers, body: { error: fault.toJSON() } };
  }
}

async function ready(checks: Record<string, () => Promise<unknown>>): Promise<Reply> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await check();
        return [name, true] as const;
      } catch {
        return [name, false] as const;
      }
    }),
  );
  const ok = results.every(([, up]) => up);
  return { status: ok ? 200 : 503, body: { ok, checks: Object.fromEntries(results) } };
}

/** The caller's request id when it is a short token (a proxy's), else a fresh one: logs and the answer carry it. */
function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.:-]{1,64}$/.test(given) ? given : randomUUID();
}

function bearer(req: IncomingMessage): string {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new ParleyError('AUTH_FAILED', 'send Authorization: Bearer <access token>');
  return match[1]!;
}

function parseUrl(raw: string | undefined): URL | null {
  try {
    // Prefixing keeps a path such as //host/api from being read as a host.
    return raw?.startsWith('/') ? new URL(`http://localhost${raw}`) : new URL(raw ?? '');
  } catch {
    return null;
  }
}

/** CORS for an allowed origin only (PARLEY_ALLOWED_ORIGINS, same-origin by default): never `*`. */
const CORS = {
  'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Request-Id',
  'Access-Control-Expose-Headers': 'Retry-After, X-Request-Id',
};

function send(req: IncomingMessage, res: ServerResponse, reply: Reply, meta: { requestId: string; origin: string | undefined }): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const cors: Record<string, string> = meta.origin ? { ...CORS, 'Access-Control-Allow-Origin': meta.origin } : {};
  const headers: Record<string, string> = { ...cors, Vary: 'Origin', 'X-Request-Id': meta.requestId, 'Cache-Control': 'no-store', ...reply.headers };
  // A body we refused to read (too large) or did not read is not drained: close instead of keeping the connection.
  if (!req.complete) headers.Connection = 'close';
  if (reply.body === undefined || reply.status === 204) {
    res.writeHead(reply.status, headers).end();
    return;
  }
  const json = JSON.stringify(reply.body);
  res
    .writeHead(reply.status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(json)) })
    .end(json);
}
