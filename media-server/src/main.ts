import { loadConfig } from './config.ts';
import { createLogger } from './log.ts';
import { createMediaServer } from './server.ts';

const config = loadConfig();
const log = createLogger(config.logLevel);
const server = createMediaServer(config, log);

let stopping = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  await server.close();
  log.info('stopped');
  process.exit(0);
}

process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

server.listen().catch((error: unknown) => {
  log.fatal({ err: error }, 'could not start');
  process.exit(1);
});
