import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { build } from 'esbuild';

/**
 * What a feature of the web app costs in the bundle: its modules bundled on
 * their own (minified, as the production build minifies), with what every
 * page loads anyway (React) left out, then gzip -9. The app's build puts both
 * features in its one entry chunk, so their share is measured this way rather
 * than read off a chunk of their own.
 */

const web = fileURLToPath(new URL('../client/web/src/', import.meta.url));

export interface FeatureCost {
  feature: string;
  modules: string;
  raw: number;
  gzip: number;
}

async function cost(feature: string, entries: string[], external: string[], modules: string): Promise<FeatureCost> {
  const result = await build({
    stdin: { contents: entries.map((e, i) => `export * as m${i} from ${JSON.stringify(path.join(web, e))};`).join('\n'), resolveDir: web, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    external,
    logLevel: 'silent',
  });
  const body = result.outputFiles[0]!.contents;
  return { feature, modules, raw: body.length, gzip: zlib.gzipSync(body, { level: 9 }).length };
}

export async function featureCosts(): Promise<FeatureCost[]> {
  const react = ['react', 'react-dom', 'react/jsx-runtime', 'react-dom/client'];
  return [
    await cost('emoji picker', ['features/composer/EmojiPicker.tsx'], [...react, 'react-i18next', 'i18next'], 'EmojiPicker.tsx + emoji.ts (the emoji list)'),
    await cost('i18n, whole', ['i18n/index.ts', 'i18n/format.ts'], react, 'i18next + react-i18next + en and zh-CN strings + date formatting'),
    await cost('i18n, strings only', ['i18n/en.json', 'i18n/zh-CN.json'], [], 'en.json + zh-CN.json'),
  ];
}
