import type { IncomingMessage, ServerResponse } from 'node:http';
import { LIMITS, ParleyError } from '@parley/schema';
import type { Services } from '../services.ts';
import { createLoginLimiter, RateLimitedError } from '../auth/rateLimit.ts';
import { clientAddress } from './address.ts';
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
export function createApiHandler(services: Services): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const limiter = createLoginLimiter({ attempts: LIMITS.loginAttempts, windowMs: LIMITS.loginWindowMs });
  const router = new Router().add(
    { method: 'GET', path: '/health', auth: false, handler: async () => ({ status: 200, body: { ok: true } }) },
    ...authRoutes(limiter),
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
    let reply: Reply;
    try {
      reply = await route(req, url);
    } catch (error) {
      reply = errorReply(error, req, url);
    }
    try {
      send(req, res, reply);
      log.debug({ method: req.method, path: url.pathname, status: reply.status, ms: Math.round(performance.now() - started) }, 'api');
    } catch (error) {
      log.error({ err: error, method: req.method, path: url.pathname }, 'could not send an API answer');
      res.destroy();
    }
    return true;
  };

  async function route(req: IncomingMessage, url: URL): Promise<Reply> {
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
      address: clientAddress(req),
      body: async (schema) => validate(schema, await (raw ??= readJson(req, LIMITS.jsonBodyMaxBytes))),
      query: (schema) => validate(schema, Object.fromEntries(url.searchParams)),
    };
    return match.route.handler(ctx);
  }

  function errorReply(error: unknown, req: IncomingMessage, url: URL): Reply {
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

/** Tokens are bearer headers, never cookies, so any origin may call the API. */
const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type',
};

function send(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const headers: Record<string, string> = { ...CORS, 'Cache-Control': 'no-store', ...reply.headers };
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
