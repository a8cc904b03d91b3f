import net from 'node:net';
import { freePort } from './harness.ts';

/**
 * A TCP cable on loopback in front of a real server (the sync-server, or the
 * shared MariaDB, which tests may not stop): `down()` closes every connection
 * through it and refuses new ones (the listener is gone), `up()` listens again
 * on the same port.
 */
export interface Cable {
  host: string;
  port: number;
  up(): Promise<void>;
  down(): Promise<void>;
  close(): Promise<void>;
}

export async function cable(targetHost: string, targetPort: number): Promise<Cable> {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  const up = () =>
    new Promise<void>((resolve, reject) => {
      if (server) return resolve();
      const listening = net.createServer((downstream) => {
        const upstream = net.connect(targetPort, targetHost);
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
  await up();
  return { host: '127.0.0.1', port, up, down, close: down };
}

/** The same MySQL URL, reached through `cable`. */
export function throughCable(databaseUrl: string, c: Cable): string {
  const url = new URL(databaseUrl);
  url.hostname = c.host;
  url.port = String(c.port);
  return url.toString();
}
