import type { Instance } from './cluster.ts';
import type { Daemon } from './daemons.ts';

/**
 * What the chaos suite does to the system while the members send: a plan of
 * process faults spread over the burst, and connection cuts on a timer.
 */
export type Fault =
  | { kind: 'kill -9'; instance: number }
  | { kind: 'SIGTERM'; instance: number }
  | { kind: 'restart MariaDB'; downMs: number }
  | { kind: 'restart Redis'; downMs: number };

export interface FaultLog {
  /** `downMs`: until the process was gone; `tookMs`: until it answered again. */
  done: Array<{ fault: Fault; atMs: number; downMs: number; tookMs: number; exitCode?: number | null }>;
  cuts: number;
  cutRounds: number;
}

/**
 * The plan: the kills alternate between instances, the SIGTERM sits in the
 * middle, MariaDB goes down after the first kill and Redis after the second.
 */
export function faultPlan(counts: { kills: number; sigterms: number; mariadb: number; redis: number }, instances: number): Fault[] {
  const plan: Fault[] = [];
  for (let k = 0; k < counts.kills; k++) plan.push({ kind: 'kill -9', instance: k % instances });
  const insert = (at: number, fault: Fault) => plan.splice(Math.min(at, plan.length), 0, fault);
  for (let i = 0; i < counts.mariadb; i++) insert(1 + i * 3, { kind: 'restart MariaDB', downMs: 3000 });
  for (let i = 0; i < counts.redis; i++) insert(3 + i * 3, { kind: 'restart Redis', downMs: 1000 });
  for (let i = 0; i < counts.sigterms; i++) insert(Math.floor(plan.length / 2), { kind: 'SIGTERM', instance: (i + 1) % instances });
  return plan;
}

export interface FaultTargets {
  instances: Instance[];
  mariadb: Daemon;
  redis: Daemon;
}

/** Injects one fault and waits until what it broke answers again; `startedAt` is the burst's start, for the log. */
export async function injectFault(fault: Fault, targets: FaultTargets, log: FaultLog, startedAt: number): Promise<void> {
  const began = Date.now();
  let exitCode: number | null | undefined;
  let down = began;
  switch (fault.kind) {
    case 'kill -9':
    case 'SIGTERM': {
      const instance = targets.instances[fault.instance]!;
      exitCode = await instance.stop(fault.kind === 'kill -9' ? 'SIGKILL' : 'SIGTERM');
      down = Date.now();
      await instance.start();
      break;
    }
    case 'restart MariaDB':
      await targets.mariadb.restart(fault.downMs);
      break;
    case 'restart Redis':
      await targets.redis.restart(fault.downMs);
      break;
  }
  log.done.push({ fault, atMs: began - startedAt, downMs: down - began, tookMs: Date.now() - began, ...(exitCode !== undefined ? { exitCode } : {}) });
}

/** Every `everyMs`, cuts `fraction` of the connections through each cable, until `stop()`. */
export function cutConnections(instances: Instance[], fraction: number, everyMs: number, log: FaultLog): { stop(): void } {
  const timer = setInterval(() => {
    log.cutRounds++;
    for (const { cable } of instances) log.cuts += cable.drop(fraction);
  }, everyMs);
  return { stop: () => clearInterval(timer) };
}
