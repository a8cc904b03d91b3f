import services from './services.json' with { type: 'json' };

/**
 * How the three services meet (CONTRACT.md, "Configuration"): their default
 * ports and the routes the web origin forwards to them. The values live in
 * services.json so that the plain-JavaScript scripts (npm start, the web
 * server) and the Vite config read the same file.
 */

export type ServiceName = 'sync' | 'media';

export interface ProxyRoute {
  /** Requests whose path is this prefix or starts with `prefix/` or `prefix?`. */
  prefix: string;
  service: ServiceName;
  /** The route also carries WebSocket upgrades. */
  ws: boolean;
}

/** `SYNC_PORT`, `MEDIA_PORT` and `WEB_PORT` when unset. */
export const DEFAULT_PORTS: Readonly<Record<ServiceName | 'web', number>> = services.ports;

/** The web origin's routes; order matters, the first matching prefix wins. */
export const PROXY_ROUTES = services.routes as readonly ProxyRoute[];

/** How long an idle keep-alive HTTP connection stays open: a shutdown must not wait for browsers. */
export const HTTP_KEEP_ALIVE_MS: number = services.httpKeepAliveMs;

/**
 * Node flags the sync-server runs with (npm start, `npm start -w sync-server`,
 * the image, and the suites and bench that spawn it). A young generation of up
 * to 64 MB: under load the server allocates a short-lived encoder or buffer per
 * update and per frame, and with the default a fifth of its CPU went to
 * scavenges (docs/operations.md, "Tuning").
 */
export const SYNC_NODE_FLAGS: readonly string[] = services.syncNodeFlags;
