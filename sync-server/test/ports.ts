import net from 'node:net';

/** Ports this process has handed out: the kernel may offer a just-closed port again. */
const handedOut = new Set<number>();

/**
 * A free TCP port on loopback, never one this process handed out before: a
 * test that asks for two ports in a row and gets the same twice would start
 * two servers on one port.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => resolve(port));
      });
      srv.on('error', reject);
    });
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}
