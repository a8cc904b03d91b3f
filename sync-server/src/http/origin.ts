import type { IncomingMessage } from 'node:http';

/**
 * The Origin allow-list for CORS and the /sync upgrade (`PARLEY_ALLOWED_ORIGINS`,
 * issue 11). A request without Origin is not a browser's cross-site request
 * and passes (native clients, the SDK under Node). A browser's request passes
 * when its Origin is listed, when the list holds `*`, or when it is
 * same-origin: the Origin's host is the Host the request was sent to. The web
 * app's server (`WEB_PORT`) and Vite's dev proxy keep the browser's Host, so
 * `npm start` in a browser is same-origin out of the box.
 */
export function originAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === req.headers.host;
  } catch {
    return false;
  }
}

/** `PARLEY_ALLOWED_ORIGINS`: comma-separated origins (`https://chat.example.org`), or `*`. */
export function parseOrigins(value: string | undefined): string[] {
  const origins = (value ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    if (origin === '*') continue;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new Error(`PARLEY_ALLOWED_ORIGINS: not an origin: ${origin}`);
    }
    if (url.origin !== origin) throw new Error(`PARLEY_ALLOWED_ORIGINS: write ${url.origin}, not ${origin}`);
  }
  return origins;
}
