import net from 'node:net';
import { freePort } from './harness.ts';

/**
 * A TCP cable on loopback in front of a real server (the sync-server, or the
 * shared MariaDB, which tests may not stop): `down()` closes every connection
 * through it and refuses new ones (the listener is gone), `up()` listens again
 * on the same port. `drop(fraction)` cuts that share of the open connections
 * and keeps listening, as a flaky network does.
 */
export interface Cable {
  host: string;
  port: number;
  up(): Promise<void>;
  down(): Promise<void>;
  /** Cuts a random `fraction` (0–1, at least one if any is open) of the open connections; returns how many. */
  drop(fraction: number): number;
  close(): Promise<void>;
}

export async function cable(targetHost: string, targetPort: number): Promise<Cable> {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  /** Each connection by its downstream end (destroying it closes the upstream one too). */
  const connections = new Set<net.Socket>();
  let server: net.Server | null = null;
  const up = () =>
    new Promise<void>((resolve, reject) => {
      if (server) return resolve();
      const listening = net.createServer((downstream) => {
        const upstream = net.connect(targetPort, targetHost);
        connections.add(downstream);
        downstream.on('close', () => connections.delete(downstream));
        for (const s of [downstream, upstream]) {
          sockets.add(s);
          s.on('error', () => undefined);
          s.on('close', () => {
            sockets.delete(s);
            downstream.destroy();
            upstream.destroy();
          });
        }
        downstream.pipe(upstream).pipe(downstream);
      });
      listening.once('error', reject);
      listening.listen(port, '127.0.0.1', () => {
        server = listening;
        resolve();
      });
    });
  const down = async () => {
    const s = server;
    server = null;
    for (const socket of sockets) socket.destroy();
    if (s) await new Promise((r) => s.close(r));
  };
  const drop = (fraction: number) => {
    const open = [...connections];
    const count = open.length ? Math.max(1, Math.round(open.length * fraction)) : 0;
    for (let i = 0; i < count; i++) open.splice(Math.floor(Math.random() * open.length), 1)[0]!.destroy();
    return count;
  };
  await up();
  return { host: '127.0.0.1', port, up, down, drop, close: down };
}

/** The same MySQL URL, reached through `cable`. */
export function throughCable(databaseUrl: string, c: Cable): string {
  const url = new URL(databaseUrl);
  url.hostname = c.host;
  url.port = String(c.port);
  return url.toString();
}
