import * as Y from 'yjs';
import { v7 as uuidv7 } from 'uuid';
import { LIMITS, userParts, type Command } from '@parley/schema';
import { startTestServer } from '../sync-server/test/harness.ts';
import { connect, directConversation, register, waitFor } from '../sync-server/test/clients.ts';

/**
 * Rule O10, measured: how long a backlog of offline commands takes to drain,
 * at the default command rate and at a raised one, and the CPU the process
 * (server and one raw client, in-process) spends meanwhile.
 * `node --import tsx bench/outbox-drain.ts [count]`; prints one line per rate.
 */

const count = Number(process.argv[2] ?? 1000);
const rates: Array<{ rate: number; burst: number }> = [
  { rate: LIMITS.commandRatePerSecond, burst: LIMITS.commandBurst },
  { rate: 500, burst: LIMITS.commandBurst },
];

for (const { rate, burst } of rates) {
  const server = await startTestServer({ config: { commandRatePerSecond: rate, commandBurst: burst } });
  const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
  const conversationId = await directConversation(server.url, alice, bob);
  const doc = new Y.Doc();
  const commands: Command[] = Array.from({ length: count }, (_, i) => ({
    id: uuidv7(), type: 'send', conversationId, messageId: uuidv7(), kind: 'text', text: `m${i}`, createdAt: Date.now(),
  }));
  userParts(doc).outbox.push(commands);
  let results = 0;
  let failed = 0;
  userParts(doc).results.observe((event) => {
    for (const item of event.changes.added) {
      for (const r of item.content.getContent() as Array<{ status: string }>) {
        results += 1;
        if (r.status !== 'sent') failed += 1;
      }
    }
  });
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const client = await connect(server.wsUrl, alice, { doc });
  await waitFor(() => results >= count, 10 * 60_000, `${count} results`);
  const seconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  const expected = Math.max(0, count - burst) / rate;
  console.log(
    `${count} commands at ${rate}/s (burst ${burst}): drained in ${seconds.toFixed(1)} s (the rate allows ${expected.toFixed(1)} s), ` +
      `${failed} failed, CPU ${cpuMs.toFixed(0)} ms (${((cpuMs / 1000 / seconds) * 100).toFixed(0)} % of one core)`,
  );
  client.destroy();
  await server.stop();
}
