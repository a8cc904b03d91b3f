import { loadConfig } from './config.ts';
import { createLogger } from './log.ts';
import { createSyncServer } from './server.ts';

const config = loadConfig();
const log = createLogger(config.logLevel);
const server = await createSyncServer(config, { log });
await server.listen();

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: flushing document stores');
    setTimeout(() => {
      log.error({ timeoutMs: config.shutdownTimeoutMs }, 'documents still unstored at the shutdown deadline; exiting (their updates are in the log)');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
