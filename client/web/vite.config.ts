import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import services from '../../schema/src/services.json' with { type: 'json' };
import { parleyServiceWorker } from './src/sw/plugin.ts';

// `npm start` builds with this config into client/web/dist and serves the result
// (scripts/web-server.mjs). For work on the UI alone, `npx vite --config
// client/web/vite.config.ts` serves it with hot reload and the same proxy routes,
// against services started with `npm start`.
const upstream = {
  sync: `http://127.0.0.1:${process.env.SYNC_PORT || services.ports.sync}`,
  media: `http://127.0.0.1:${process.env.MEDIA_PORT || services.ports.media}`,
};

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // parleyServiceWorker: /sw.js, the offline app shell (src/sw/).
  plugins: [react(), parleyServiceWorker()],
  // The app bundles the SDK and schema from their sources (the `@parley/source`
  // export condition), so neither dev nor build waits for the packages' tsc build.
  resolve: { conditions: ['@parley/source', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Maps stay in dist for whoever debugs a build, unreferenced; the web server never serves them.
    sourcemap: 'hidden',
    target: 'es2022',
    // embed.html: the "Chat (N)" example for a host page (docs/embed.md).
    rollupOptions: { input: { index: fileURLToPath(new URL('index.html', import.meta.url)), embed: fileURLToPath(new URL('embed.html', import.meta.url)) } },
  },
  server: {
    port: 5174,
    proxy: Object.fromEntries(services.routes.map((r) => [r.prefix, { target: upstream[r.service as keyof typeof upstream], ws: r.ws }])),
  },
});
