import type { IncomingMessage } from 'node:http';
import type { ZodType } from 'zod';
import type { Logger } from '../log.ts';
import type { Services } from '../services.ts';

/** What a route handler is handed; it answers with a Reply and never writes `res` itself. */
export interface RequestContext {
  req: IncomingMessage;
  url: URL;
  params: Record<string, string>;
  services: Services;
  log: Logger;
  /** The caller; empty on routes with `auth: false`. */
  userId: string;
  /** The remote address, for the login rate limit. */
  address: string;
  /** The JSON body, validated; throws ParleyError BAD_REQUEST / VALIDATION_FAILED / PAYLOAD_TOO_LARGE. */
  body<T>(schema: ZodType<T>): Promise<T>;
  /** The query string as an object of strings (the last of repeated keys), validated. */
  query<T>(schema: ZodType<T>): T;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: RequestContext) => Promise<Reply>;

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Route {
  method: Method;
  /** Segments after `/api`, `:name` for a parameter: `/conversations/:id/messages`. */
  path: string;
  /** Whether a Bearer access token is required (default true). */
  auth?: boolean;
  handler: Handler;
}

type Match =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'wrongMethod'; allowed: Method[] }
  | { kind: 'none' };

/** A table of routes matched segment by segment; parameters are URI-decoded. */
export class Router {
  private readonly routes: Array<{ route: Route; segments: string[] }> = [];

  add(...routes: Route[]): this {
    for (const route of routes) this.routes.push({ route, segments: split(route.path) });
    return this;
  }

  match(method: string, path: string): Match {
    const segments = split(path);
    const allowed: Method[] = [];
    for (const { route, segments: pattern } of this.routes) {
      const params = matchSegments(pattern, segments);
      if (!params) continue;
      if (route.method === method) return { kind: 'found', route, params };
      allowed.push(route.method);
    }
    return allowed.length ? { kind: 'wrongMethod', allowed } : { kind: 'none' };
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function matchSegments(pattern: string[], segments: string[]): Record<string, string> | null {
  if (pattern.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const s = segments[i]!;
    if (p.startsWith(':')) {
      let value: string;
      try {
        value = decodeURIComponent(s);
      } catch {
        return null;
      }
      params[p.slice(1)] = value;
    } else if (p !== s) {
      return null;
    }
  }
  return params;
}
