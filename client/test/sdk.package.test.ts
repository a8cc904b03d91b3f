import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { build, type Rollup } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../sync-server/test/harness.ts';
import { ParleyClient } from '../src/sdk/index.ts';
import { account, client, direct, until } from './helpers.ts';

/**
 * The SDK as a package, the way people outside the repository get it: the
 * compiled @parley/client (dist/, no `@parley/source` condition), imported from
 * a folder outside the checkout by plain `node` (no TypeScript loader) running
 * the bot example of docs/sdk.md against a real sync-server, and bundled by a
 * Vite app.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const BOT_PASSWORD = 'a long password for the bot';

/** The code block docs/sdk.md shows for a file (scripts/doc-examples.mjs keeps it equal to the file). */
function docExample(file: string): string {
  const doc = fs.readFileSync(path.join(root, 'docs/sdk.md'), 'utf8');
  const marker = `<!-- example: ${file} -->\n`;
  const at = doc.indexOf(marker);
  if (at < 0) throw new Error(`docs/sdk.md shows no ${file}`);
  const block = /^```[\w-]*\n([\s\S]*?)^```/m.exec(doc.slice(at + marker.length));
  if (!block?.[1]) throw new Error(`no code block under the ${file} marker`);
  return block[1];
}

let server: TestServer;
let outside: string;
const children: ChildProcess[] = [];
const clients: ParleyClient[] = [];

beforeAll(async () => {
  // Builds the packages only when their sources changed (a few ms otherwise).
  await run(process.execPath, [path.join(root, 'scripts/build.mjs'), 'packages'], { cwd: root });
  server = await startTestServer();
  // A project of someone else's: its node_modules holds the SDK package (as the
  // workspace link an install of the packed package would put there) and ws.
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-sdk-user-'));
  fs.mkdirSync(path.join(outside, 'node_modules/@parley'), { recursive: true });
  fs.symlinkSync(path.join(root, 'client'), path.join(outside, 'node_modules/@parley/client'), 'dir');
  fs.symlinkSync(path.join(root, 'node_modules/ws'), path.join(outside, 'node_modules/ws'), 'dir');
  fs.writeFileSync(path.join(outside, 'package.json'), JSON.stringify({ name: 'sdk-user', private: true, type: 'module' }));
}, 240_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const c of clients) await c.destroy();
  await server?.stop();
  if (outside) fs.rmSync(outside, { recursive: true, force: true });
});

/** Plain node in the outside folder, with none of this process's loaders or options. */
function node(args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: outside,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return child;
}

function collect(child: ChildProcess): { out: () => string; err: () => string; exited: Promise<number | null> } {
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { out: () => out, err: () => err, exited };
}

describe('the built SDK outside the repository', () => {
  it('resolves to the compiled JavaScript, not the TypeScript sources', async () => {
    const probe = collect(node(['--input-type=module', '-e', "console.log(import.meta.resolve('@parley/client/sdk'))"]));
    expect(await probe.exited, probe.err()).toBe(0);
    expect(fs.realpathSync(fileURLToPath(probe.out().trim()))).toBe(path.join(root, 'client/dist/sdk/index.js'));
  });

  it('plain node runs the docs bot example: it connects and echoes a message', async () => {
    const suffix = Date.now().toString(36);
    const bot = await ParleyClient.register(server.url, { username: `bot${suffix}`, password: BOT_PASSWORD, displayName: 'Echo bot' });
    const a = await account(server.url, 'alice');
    const alice = client(server.url, a);
    clients.push(alice);
    await alice.connect();
    await alice.whenSynced();
    const conv = await direct(alice, bot);

    fs.writeFileSync(path.join(outside, 'bot.mjs'), docExample('client/examples/node/bot.mjs'));
    const botProcess = node(['bot.mjs'], { PARLEY_URL: server.url, PARLEY_USERNAME: bot.user.username, PARLEY_PASSWORD: BOT_PASSWORD });
    const output = collect(botProcess);
    // The example prints `connected`, then its conversation list once synced.
    await until(() => /unread/.test(output.out()) || output.err(), 'the bot to connect and list its conversations', 30_000);
    expect(output.err()).toBe('');
    expect(output.out()).toMatch(/^connected$/m);

    const room = await alice.openConversation(conv.id);
    const { messageId, confirmed } = await alice.sendMessage({ conversationId: conv.id, text: 'hello bot' });
    await confirmed;
    const echo = await until(
      () => room.messages().find((m) => m.senderId === bot.user.id),
      'the bot to answer',
      30_000,
    );
    expect(echo).toMatchObject({ text: 'echo: hello bot', replyTo: { id: messageId }, status: 'sent' });

    // Ctrl-C: the example destroys its client and exits cleanly.
    botProcess.kill('SIGINT');
    expect(await output.exited).toBe(0);
    expect(output.err()).toBe('');
  });

  it('a Vite app bundles the built SDK for the browser', async () => {
    const app = path.join(outside, 'vite-app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'index.html'), '<!doctype html><div id="app"></div><script type="module" src="./main.js"></script>\n');
    fs.writeFileSync(
      path.join(app, 'main.js'),
      "import { ParleyClient, memoryStorage } from '@parley/client/sdk';\n" +
        "document.getElementById('app').textContent = [typeof ParleyClient, typeof memoryStorage].join(' ');\n",
    );
    const result = (await build({
      root: app,
      configFile: false,
      logLevel: 'silent',
      build: { outDir: path.join(app, 'dist'), minify: false, write: false },
    })) as Rollup.RollupOutput;
    const chunk = result.output.find((o): o is Rollup.OutputChunk => o.type === 'chunk' && o.isEntry);
    expect(chunk).toBeDefined();
    const files = chunk!.moduleIds.filter((id) => fs.existsSync(id)).map((id) => fs.realpathSync(id));
    const sdkModules = files.filter((id) => id.startsWith(path.join(root, 'client') + path.sep));
    expect(sdkModules).toContain(path.join(root, 'client/dist/sdk/index.js'));
    expect(sdkModules.filter((id) => id.endsWith('.ts'))).toEqual([]);
    expect(chunk!.code).toContain('whenSynced(');
  });
});
