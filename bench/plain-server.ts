import { Server } from '@hocuspocus/server';

/**
 * The floor for command latency: a Hocuspocus server with no extensions, no
 * authentication and no persistence, run as its own process like the real one.
 * Started by servers.ts with the port as the only argument.
 */
const port = Number(process.argv[2]);
const server = new Server({ port, address: '127.0.0.1', quiet: true, stopOnSignals: false });
await server.listen();

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void server.destroy().finally(() => process.exit(0));
  });
}
