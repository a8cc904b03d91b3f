// Builds what is stale, and nothing else (docs/operations.md, "Building"):
//
// - packages: `tsc -b tsconfig.build.json` compiles schema, client (the SDK),
//   sync-server and media-server into their dist/ folders (ESM + .d.ts);
//   tsc itself then rebuilds only the packages whose inputs changed and those
//   that depend on them;
// - web: `vite build` of client/web into client/web/dist, from the sources.
//
// Staleness is a walk over the inputs' modification times against each
// build's own output (a package's dist/.tsbuildinfo, the web app's
// index.html): a few milliseconds when nothing changed, so `npm start`,
// `npm start -w sync-server` and the package test call it every time.
//
//   node scripts/build.mjs             both
//   node scripts/build.mjs packages    the packages only (what a server needs)
//   node scripts/build.mjs web         the web app only

/* global console */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/**
 * The packages and what each imports, read from the project references
 * (tsconfig.build.json at the root, then each package's): one list, tsc's own.
 */
function readPackages() {
  const references = (file) => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')).references ?? [];
  return references('tsconfig.build.json').map(({ path: project }) => {
    const name = path.dirname(project);
    const uses = references(project).map((r) => path.basename(path.dirname(path.resolve(root, name, r.path))));
    return { name, uses };
  });
}
const SHARED_INPUTS = ['tsconfig.json', 'tsconfig.emit.json'];
const WEB_INPUTS = ['client/web', 'client/src', 'schema/src', 'client/package.json', 'schema/package.json'];

/** Test files are not compiled: editing one must not make a package look stale. */
const notCompiled = (name) => name.endsWith('.test.ts');

/** Newest modification time under `file` (directories count too: a deleted file changes its folder). */
function newestMtime(file, skip = () => false) {
  let stat;
  try {
    stat = fs.statSync(file);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(file)) {
    if (entry === 'node_modules' || entry === 'dist' || entry.startsWith('.') || skip(entry)) continue;
    newest = Math.max(newest, newestMtime(path.join(file, entry), skip));
  }
  return newest;
}

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function packageInputs(name) {
  const dir = path.join(root, name);
  return Math.max(newestMtime(path.join(dir, 'src'), notCompiled), mtime(path.join(dir, 'tsconfig.build.json')));
}

/** The packages whose last build is older than their inputs (or missing). */
export function stalePackages() {
  let packages;
  try {
    packages = readPackages();
  } catch {
    return ['(tsconfig.build.json unreadable as plain JSON: tsc decides)'];
  }
  const shared = Math.max(...SHARED_INPUTS.map((f) => mtime(path.join(root, f))));
  const inputs = new Map(packages.map((p) => [p.name, packageInputs(p.name)]));
  return packages.filter((p) => {
    const builtAt = mtime(path.join(root, p.name, 'dist/.tsbuildinfo'));
    const newest = Math.max(shared, inputs.get(p.name), ...p.uses.map((u) => inputs.get(u)));
    return builtAt === 0 || builtAt < newest;
  }).map((p) => p.name);
}

export function webIsStale() {
  const builtAt = mtime(path.join(root, 'client/web/dist/index.html'));
  return builtAt === 0 || builtAt <= Math.max(...WEB_INPUTS.map((p) => newestMtime(path.join(root, p))));
}

function tool(pkg, bin, purpose) {
  try {
    return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), bin);
  } catch {
    throw new Error(`${purpose} needs ${pkg}, a development dependency: run npm install (without --omit=dev)`);
  }
}

/** The default way to run a build step: its output goes straight to ours. */
function inherit(child) {
  child.stdout.pipe(process.stdout);
  child.stderr.pipe(process.stderr);
}

async function run(args, { env = process.env, pipe = inherit } = {}) {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  pipe(child);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/**
 * Compiles the packages when one is stale. `say` reports what happens, `pipe`
 * receives the compiler's child process (to show its output).
 */
export async function buildPackagesIfStale({ say = console.log, pipe = inherit } = {}) {
  const stale = stalePackages();
  if (stale.length === 0) {
    say('packages are up to date');
    return false;
  }
  say(`compiling ${stale.join(', ')} (tsc -b)`);
  const tsc = tool('typescript', 'bin/tsc', 'compiling the packages');
  const code = await run([tsc, '-b', 'tsconfig.build.json'], { pipe });
  if (code !== 0) throw new Error(`the packages did not compile (tsc exited with ${code})`);
  // tsc judges what to recompile and leaves a package it finds up to date
  // untouched (a folder's time moves when a test file goes, say): mark every
  // package as built now, or the walk would call it stale on every start.
  const now = new Date();
  for (const name of stale) {
    const stamp = path.join(root, name, 'dist/.tsbuildinfo');
    if (fs.existsSync(stamp)) fs.utimesSync(stamp, now, now);
  }
  say('packages compiled');
  return true;
}

export async function buildWebIfStale({ say = console.log, pipe = inherit } = {}) {
  if (!webIsStale()) {
    say('web app is up to date');
    return false;
  }
  say('building the web app (vite build)');
  const vite = tool('vite', 'bin/vite.js', 'building the web app');
  const code = await run([vite, 'build', '--config', 'client/web/vite.config.ts', '--logLevel', 'warn'], {
    env: { ...process.env, NODE_ENV: 'production' },
    pipe,
  });
  if (code !== 0) throw new Error(`the web app did not build (vite exited with ${code})`);
  say('web app built');
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => w !== 'packages' && w !== 'web');
  if (unknown.length > 0) {
    console.error(`unknown target ${unknown.join(', ')}: use packages, web, or nothing for both`);
    process.exit(2);
  }
  const all = wanted.length === 0;
  try {
    if (all || wanted.includes('packages')) await buildPackagesIfStale();
    if (all || wanted.includes('web')) await buildWebIfStale();
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
