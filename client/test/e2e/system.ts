import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../sync-server/test/ports.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** The whole of Parley as `npm start` runs it, on free ports and a fresh data folder. */
export interface RunningSystem {
  url: string;
  dataDir: string;
  /** Everything start.mjs printed so far (for failure messages). */
  output(): string;
  /** SIGTERM, as a terminal's Ctrl-C or a service manager would; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Thrown when a port picked as free was taken before start.mjs bound it. */
class PortTaken extends Error {}

/**
 * Starts Parley. Another test process may take a port between our pick and
 * start.mjs binding it; then it starts again on other ports.
 */
export async function startSystem(timeoutMs = 150_000): Promise<RunningSystem> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(timeoutMs);
    } catch (err) {
      if (!(err instanceof PortTaken) || attempt === 3) throw err;
    }
  }
}

async function startOnce(timeoutMs: number): Promise<RunningSystem> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-e2e-data-'));
  const [sync, media, web] = [await freePort(), await freePort(), await freePort()];
  const child: ChildProcess = spawn(process.execPath, [path.join(root, 'scripts/start.mjs')], {
    cwd: root,
    env: {
      ...process.env,
      PARLEY_DATA_DIR: dataDir,
      SYNC_PORT: String(sync),
      MEDIA_PORT: String(media),
      WEB_PORT: String(web),
      NO_COLOR: '1',
      // The suite registers many users from one browser address.
      PARLEY_REGISTER_LIMIT: '100000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Parley did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const poll = setInterval(() => {
      if (output.includes('Parley is running')) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve();
      }
    }, 100);
    void exited.then((code) => {
      clearTimeout(timer);
      clearInterval(poll);
      fs.rmSync(dataDir, { recursive: true, force: true });
      const Failure = /EADDRINUSE|is in use/.test(output) ? PortTaken : Error;
      reject(new Failure(`scripts/start.mjs exited with ${code} before Parley was running:\n${output}`));
    });
  });

  return {
    url: `http://localhost:${web}`,
    dataDir,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}
