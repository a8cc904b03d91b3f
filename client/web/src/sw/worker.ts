/**
 * The web app's service worker: it keeps the app shell (index.html, embed.html,
 * the hashed scripts and styles, the icon) in Cache Storage, so a reload with no
 * network, or a new tab opened offline, opens the app; the SDK then shows what
 * IndexedDB holds (cached conversations, pending sends). It never touches the
 * API, sync, file or call routes: those go to the network only, and user data
 * never lands in Cache Storage.
 *
 * Built by the `parleyServiceWorker` plugin (client/web/vite.config.ts), which
 * fills in the shell's file list and a version that changes with any of them.
 * A new version installs in the background, takes over at once and deletes the
 * old shell; the page in front keeps the scripts it runs, and the next load
 * uses the new ones.
 */

// The worker's own globals, typed by hand: the project's lib is DOM, not WebWorker.
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface WorkerScope {
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  location: Location;
  addEventListener(type: 'install' | 'activate', fn: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', fn: (event: FetchEvent) => void): void;
}

declare const PARLEY_SHELL: string[];
declare const PARLEY_SHELL_VERSION: string;
declare const PARLEY_NETWORK_ONLY: string[];

const scope = self as unknown as WorkerScope;
const PREFIX = 'parley-shell-';
const CACHE = PREFIX + PARLEY_SHELL_VERSION;

scope.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // `cache: 'reload'`: the shell comes from the server, never from the HTTP cache of an older version.
    await cache.addAll(PARLEY_SHELL.map((url) => new Request(url, { cache: 'reload' })));
    await scope.skipWaiting();
  })());
});

scope.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await scope.clients.claim();
  })());
});

scope.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== scope.location.origin) return;
  // API, sync, uploads, calls: network only (no respondWith: the browser fetches as usual).
  if (PARLEY_NETWORK_ONLY.some((prefix) => url.pathname === prefix || url.pathname.startsWith(prefix + '/'))) return;
  event.respondWith(answer(request, url));
});

async function answer(request: Request, url: URL): Promise<Response> {
  const cache = await caches.open(CACHE);
  const own = await cache.match(url.pathname);
  if (own) return own;
  // A route of the app (no extension): the shell's index.html, as the web server would answer.
  if (request.mode === 'navigate' && !/\.[a-z0-9]+$/i.test(url.pathname)) {
    const shell = await cache.match('/index.html');
    if (shell) return shell;
  }
  return fetch(request);
}
