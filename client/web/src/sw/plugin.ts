import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformWithOxc, type Plugin } from 'vite';

/** Routes the worker leaves to the network (the proxied services, the health check). */
const NETWORK_ONLY = ['/api', '/sync', '/files', '/peer', '/__parley'];

/**
 * Builds the service worker (worker.ts) into /sw.js next to the app: the shell is
 * every emitted HTML, script, style and public file (no source maps), and its
 * version a hash of their names and the HTML, so any change of the app installs a
 * new worker. Hand-written rather than vite-plugin-pwa: the worker is 80 lines,
 * and Workbox's build pulls in Babel, Rollup and Terser for what those lines do.
 */
export function parleyServiceWorker(): Plugin {
  let command: 'build' | 'serve' = 'serve';
  let publicDir = '';
  return {
    name: 'parley-service-worker',
    enforce: 'post',
    config(_config, env) {
      command = env.command;
      return { define: { PARLEY_SW_URL: JSON.stringify(env.command === 'build' ? '/sw.js' : '') } };
    },
    configResolved(config) {
      publicDir = config.publicDir;
    },
    async generateBundle(_options, bundle) {
      if (command !== 'build') return;
      const files = Object.keys(bundle).filter((name) => !name.endsWith('.map'));
      const publicFiles = publicDir && fs.existsSync(publicDir) ? fs.readdirSync(publicDir, { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => path.relative(publicDir, path.join(d.parentPath, d.name)).split(path.sep).join('/')) : [];
      const shell = [...new Set([...files, ...publicFiles])].sort().map((name) => '/' + name);
      const hash = createHash('sha256');
      for (const name of shell) hash.update(name + '\n');
      for (const [name, item] of Object.entries(bundle)) if (name.endsWith('.html') && item.type === 'asset') hash.update(item.source);
      const source = fs.readFileSync(fileURLToPath(new URL('./worker.ts', import.meta.url)), 'utf8');
      const { code } = await transformWithOxc(source, 'worker.ts', { lang: 'ts' });
      const constants = [
        `const PARLEY_SHELL = ${JSON.stringify(shell)};`,
        `const PARLEY_SHELL_VERSION = ${JSON.stringify(hash.digest('hex').slice(0, 16))};`,
        `const PARLEY_NETWORK_ONLY = ${JSON.stringify(NETWORK_ONLY)};`,
      ].join('\n');
      this.emitFile({ type: 'asset', fileName: 'sw.js', source: `${constants}\n${code}` });
    },
  };
}
