import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';

/**
 * BENCH_PROFILE=<dir>: a V8 CPU profile of the Parley server for each load
 * phase alone (docs/bench.md), taken through the inspector the server was
 * started with, so that connecting thousands of clients and the final
 * snapshots do not drown what one message costs.
 */
export const profileDir = process.env.BENCH_PROFILE ? path.resolve(process.env.BENCH_PROFILE) : null;

/** `--inspect` on a port of its own when profiling, nothing otherwise. */
export const inspectArgs = (port: number): string[] => (profileDir ? [`--inspect=127.0.0.1:${port}`] : []);

export interface Profiler {
  /** Starts sampling; the returned function stops it and writes `<label>.cpuprofile`. */
  start(label: string): Promise<() => Promise<void>>;
  close(): void;
}

export async function connectProfiler(port: number): Promise<Profiler> {
  const [target] = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
  if (!target) throw new Error('broken: the server offers no inspector target');
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let next = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  socket.on('message', (data) => {
    const reply = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (reply.id !== undefined) waiting.get(reply.id)?.(reply.result);
  });
  const call = <T>(method: string, params: Record<string, unknown> = {}) => new Promise<T>((resolve) => {
    const id = ++next;
    waiting.set(id, (result) => {
      waiting.delete(id);
      resolve(result as T);
    });
    socket.send(JSON.stringify({ id, method, params }));
  });
  await call('Profiler.enable');
  await call('HeapProfiler.enable');
  // The default 1 ms interval; finer sampling costs the server time of its own.
  return {
    async start(label) {
      await call('Profiler.start');
      // What the collector's share of the profile comes from: a sample per 64 KB allocated, collected or not.
      await call('HeapProfiler.startSampling', { samplingInterval: 65_536, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
      return async () => {
        const { profile } = await call<{ profile: unknown }>('Profiler.stop');
        const { profile: allocations } = await call<{ profile: unknown }>('HeapProfiler.stopSampling');
        fs.mkdirSync(profileDir!, { recursive: true });
        const base = path.join(profileDir!, label.replace(/[^\w.-]+/g, '-'));
        fs.writeFileSync(`${base}.cpuprofile`, JSON.stringify(profile));
        fs.writeFileSync(`${base}.heapprofile`, JSON.stringify(allocations));
      };
    },
    close: () => socket.close(),
  };
}
