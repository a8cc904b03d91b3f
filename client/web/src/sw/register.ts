/** '/sw.js' in a build (vite.config.ts defines it), '' in the dev server, which serves no worker. */
declare const PARLEY_SW_URL: string;

/**
 * Registers the service worker (worker.ts, built to /sw.js by `vite build`), so
 * the next load works offline. Nothing to do without service workers or outside
 * a secure context (http://localhost counts as one).
 */
export function registerServiceWorker(): void {
  if (!PARLEY_SW_URL || !('serviceWorker' in navigator) || !window.isSecureContext) return;
  const register = () => {
    navigator.serviceWorker.register(PARLEY_SW_URL, { scope: '/' }).catch((e: unknown) => {
      // The app works without it; only starts with no network need it.
      // eslint-disable-next-line no-console
      console.warn('[parley] service worker not registered: no offline start', e);
    });
  };
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}
