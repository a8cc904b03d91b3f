import { injectFault, type Fault, type FaultLog, type FaultTargets } from './faults.ts';
import { sleep } from './daemons.ts';
import { sendSome, type Member } from './workload.ts';

/**
 * The burst: the messages go out in one phase per fault and one more, and each
 * fault strikes in the middle of its phase, so that every fault lands while
 * messages are being sent, however long the one before took to recover (a
 * restart on a loaded machine can take many seconds).
 */
export async function burst(options: {
  members: Member[];
  messages: number;
  everyMs: number;
  plan: Fault[];
  targets: FaultTargets;
  log: FaultLog;
}): Promise<void> {
  const { plan, messages } = options;
  const phases = plan.length + 1;
  const startedAt = Date.now();
  for (let k = 0; k < phases; k++) {
    const count = Math.floor(((k + 1) * messages) / phases) - Math.floor((k * messages) / phases);
    const sending = sendSome(options.members, count, options.everyMs);
    const fault = plan[k];
    if (fault) {
      await sleep((count * options.everyMs) / 2);
      await injectFault(fault, options.targets, options.log, startedAt);
      const done = options.log.done.at(-1)!;
      // Progress as it happens: a run that outlives its timeout still tells how far it got.
      process.stdout.write(`chaos: ${fault.kind} at ${(done.atMs / 1000).toFixed(1)} s, up again after ${done.tookMs} ms\n`);
    }
    await sending;
    process.stdout.write(`chaos: phase ${k + 1}/${phases} sent (${((Date.now() - startedAt) / 1000).toFixed(1)} s)\n`);
  }
}
