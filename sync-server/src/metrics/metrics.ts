import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Command, CommandResult } from '@parley/schema';
import type { CommandExecutor } from '../services.ts';
import type { DocumentPersistence } from '../documents/persistence.ts';

/**
 * Prometheus metrics (prom-client), one registry per server so tests and
 * several servers in one process do not mix counts. Served at `GET /metrics`
 * with `Authorization: Bearer <PARLEY_METRICS_TOKEN>`; without the setting
 * /metrics does not exist (docs/operations.md, "Metrics").
 */
export interface Metrics {
  registry: Registry;
  commands: Counter<'type' | 'status' | 'code'>;
  commandSeconds: Histogram<'type'>;
  storeSeconds: Histogram<'operation'>;
  storeFailures: Counter<'operation'>;
  /** Frames, sockets and updates refused by a bound (rules B2–B6) or a token rule (A5, A6), by reason. */
  refusals: Counter<'reason'>;
  /** Documents whose stored state could not load as it was and were rebuilt (rule P5). */
  quarantined: Counter<'kind'>;
}

export interface MetricSources {
  connections: () => number;
  documents: () => number;
  /** The most bytes queued to any one socket now. */
  queuedBytesMax: () => number;
  /** Awareness states held, as JSON bytes, over every loaded document. */
  awarenessBytes: () => number;
}

export function createMetrics(sources: MetricSources): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'parley_' });
  new Gauge({ name: 'parley_connections', help: 'Open sync connections', registers: [registry], collect() { this.set(sources.connections()); } });
  new Gauge({ name: 'parley_documents_loaded', help: 'Documents loaded in memory', registers: [registry], collect() { this.set(sources.documents()); } });
  new Gauge({ name: 'parley_send_queue_max_bytes', help: 'Most bytes queued to one socket', registers: [registry], collect() { this.set(sources.queuedBytesMax()); } });
  new Gauge({ name: 'parley_awareness_bytes', help: 'Awareness states held, as JSON bytes', registers: [registry], collect() { this.set(sources.awarenessBytes()); } });
  return {
    registry,
    quarantined: new Counter({ name: 'parley_documents_quarantined_total', help: 'Documents rebuilt from what is valid, their stored state kept aside', labelNames: ['kind'], registers: [registry] }),
    refusals: new Counter({ name: 'parley_refusals_total', help: 'Frames, sockets and updates refused by a bound or a token rule', labelNames: ['reason'], registers: [registry] }),
    commands: new Counter({ name: 'parley_commands_total', help: 'Commands handled, by type and result', labelNames: ['type', 'status', 'code'], registers: [registry] }),
    commandSeconds: new Histogram({
      name: 'parley_command_seconds', help: 'Time to execute a command', labelNames: ['type'], registers: [registry],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    }),
    storeSeconds: new Histogram({
      name: 'parley_store_seconds', help: 'Time to store document updates and snapshots', labelNames: ['operation'], registers: [registry],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    }),
    storeFailures: new Counter({ name: 'parley_store_failures_total', help: 'Document stores that failed', labelNames: ['operation'], registers: [registry] }),
  };
}

/** The executor, counted: every result by type and code, and its latency. Infrastructure failures (throws) count as code INTERNAL. */
export function measuredExecutor<E extends CommandExecutor>(executor: E, metrics: Metrics): E {
  return {
    ...executor,
    async execute(actorId: string, command: Command, options?: Parameters<CommandExecutor['execute']>[2]) {
      const stop = metrics.commandSeconds.startTimer({ type: command.type });
      let result: CommandResult | undefined;
      try {
        result = await executor.execute(actorId, command, options);
        return result;
      } finally {
        stop();
        metrics.commands.inc({ type: command.type, status: result?.status ?? 'error', code: result?.status === 'failed' ? result.code : result ? '' : 'INTERNAL' });
      }
    },
  };
}

/**
 * Document stores, timed and their failures counted; the hub sees the same
 * persistence. Appends run several times per message: the wrapper adds two
 * callbacks and a clock reading, not a timer object and labels per call.
 */
export function measurePersistence(persistence: DocumentPersistence, metrics: Metrics): DocumentPersistence {
  for (const operation of ['appendUpdates', 'storeSnapshot', 'resetIf'] as const) {
    const original = persistence[operation].bind(persistence) as (...args: unknown[]) => Promise<unknown>;
    const seconds = metrics.storeSeconds.labels(operation);
    const failures = metrics.storeFailures.labels(operation);
    (persistence as unknown as Record<string, unknown>)[operation] = (...args: unknown[]) => {
      const started = performance.now();
      let pending: Promise<unknown>;
      try {
        pending = original(...args);
      } catch (error) {
        pending = Promise.reject(error);
      }
      return pending.then(
        (value) => {
          seconds.observe((performance.now() - started) / 1000);
          return value;
        },
        (error: unknown) => {
          seconds.observe((performance.now() - started) / 1000);
          failures.inc();
          throw error;
        },
      );
    };
  }
  return persistence;
}

/** `GET /metrics`; false for other paths. A wrong or missing token is 401, with no hint whether metrics exist. */
export async function serveMetrics(metrics: Metrics, token: string | undefined, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const path = (req.url ?? '').split('?')[0];
  if (path !== '/metrics' || !token) return false;
  const given = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    res.writeHead(401, { 'WWW-Authenticate': 'Bearer', 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code: 'AUTH_FAILED', message: 'send Authorization: Bearer <PARLEY_METRICS_TOKEN>' } }));
    return true;
  }
  const body = await metrics.registry.metrics();
  res.writeHead(200, { 'Content-Type': metrics.registry.contentType, 'Cache-Control': 'no-store' }).end(body);
  return true;
}
