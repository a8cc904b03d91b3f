import type { Table } from './report.ts';
import { bytes, ms, rate, ratio } from './stats.ts';
import { scratchDatabase, swarm, type LoadFigure, type Shape, type SwarmResult } from './swarm/swarm.ts';
import { parleyTarget, relayTarget, type Target } from './swarm/targets.ts';

/**
 * Parley against the classic Socket.IO + MySQL relay (bench/relay/server.ts),
 * back to back on the same MariaDB with the same swarm shape (docs/bench.md,
 * "7. Parley ÷ the classic relay"). Every figure is printed for both and as a
 * ratio Parley ÷ relay.
 */

export interface Scenario {
  id: string;
  title: string;
  shape: Shape;
}

const pairs = (clients: number, conversations: number, rates: number[], durationMs: number, connectSteps: number): Shape =>
  ({ clients, conversations, groupSize: 2, rates, durationMs, connectSteps });

/** Every scenario of the issue, with the sizes it names. */
export const fullMatrix: Scenario[] = [
  { id: 'clients-1k', title: '1,000 clients, 100 direct conversations', shape: pairs(1000, 100, [100, 500, 2000], 5000, 2) },
  { id: 'clients-5k', title: '5,000 clients, 1,000 direct conversations', shape: pairs(5000, 1000, [100, 500, 2000], 5000, 5) },
  { id: 'clients-10k', title: '10,000 clients, 1,000 direct conversations', shape: pairs(10_000, 1000, [100, 500, 2000], 5000, 10) },
  { id: 'group-50', title: 'groups of 50 (1,000 clients, 20 groups)', shape: { clients: 1000, conversations: 20, groupSize: 50, rates: [100, 500], durationMs: 5000, connectSteps: 1 } },
  { id: 'group-500', title: 'groups of 500 (1,000 clients, 2 groups)', shape: { clients: 1000, conversations: 2, groupSize: 500, rates: [100], durationMs: 5000, connectSteps: 1 } },
  { id: 'churn', title: 'presence churn: 1,000 clients drop and reconnect at once', shape: { ...pairs(2000, 100, [], 5000, 1), churn: { clients: 1000, rate: 100 } } },
  { id: 'backlog', title: 'offline backlog: 100 users × 10 messages reconnecting at once', shape: { ...pairs(100, 10, [], 5000, 1), backlog: { senders: 100, perSender: 10 } } },
];

/** The default run's subset: the latency ladder, a group fan-out, the storm and the backlog, at sizes that fit ~10 minutes in all. */
export const defaultMatrix: Scenario[] = [
  { id: 'clients-2k', title: '2,000 clients, 1,000 direct conversations', shape: pairs(2000, 1000, [100, 500, 2000], 5000, 4) },
  { id: 'group-50', title: 'groups of 50 (500 clients, 10 groups)', shape: { clients: 500, conversations: 10, groupSize: 50, rates: [100], durationMs: 5000, connectSteps: 1 } },
  fullMatrix[5]!,
  fullMatrix[6]!,
];

export const quickMatrix: Scenario[] = [
  { id: 'clients', title: '100 clients, 20 direct conversations', shape: pairs(100, 20, [20, 100], 2000, 2) },
  { id: 'group', title: 'groups of 10 (40 clients, 2 groups)', shape: { clients: 40, conversations: 2, groupSize: 10, rates: [20], durationMs: 2000, connectSteps: 1 } },
  { id: 'churn', title: 'presence churn: 50 clients', shape: { ...pairs(80, 5, [], 2000, 1), churn: { clients: 50, rate: 10 } } },
  { id: 'backlog', title: 'offline backlog: 10 users × 10 messages', shape: { ...pairs(10, 2, [], 2000, 1), backlog: { senders: 10, perSender: 10 } } },
];

export interface ScaleResult {
  scenario: Scenario;
  parley: SwarmResult;
  relay: SwarmResult;
}

/**
 * Each target is started once and runs every scenario (relay first, then
 * Parley), so that a run pays two server starts, not two per scenario.
 */
export async function scaleBench(scenarios: Scenario[], workers: number, log: (line: string) => void): Promise<ScaleResult[]> {
  const runAll = async (start: () => Promise<Target>) => {
    const target = await start();
    try {
      const results: SwarmResult[] = [];
      for (const scenario of scenarios) {
        log(`scale, ${target.kind}: ${scenario.title}`);
        results.push(await swarm(target, scenario.shape, workers, log));
      }
      return results;
    } finally {
      await target.stop();
    }
  };
  const relay = await runAll(() => relayTarget(process.env.TEST_MYSQL_URL!, scratchDatabase));
  const parley = await runAll(parleyTarget);
  return scenarios.map((scenario, i) => ({ scenario, relay: relay[i]!, parley: parley[i]! }));
}

/**
 * Server memory per connection: the RSS slope between the first and the last
 * connection step when there are several (the idle reading before a later
 * scenario still holds the garbage of the one before, which the collector may
 * return meanwhile); from idle to all connected otherwise. NaN when the
 * collector gave back more than the connections took.
 */
export function perConnection(r: SwarmResult): number {
  const [first, last] = [r.memory[0], r.memory.at(-1)];
  if (!first || !last) return NaN;
  const per = r.memory.length > 1
    ? (last.rssBytes - first.rssBytes) / (last.connections - first.connections)
    : (last.rssBytes - r.idleRssBytes) / last.connections;
  return per > 0 ? per : NaN;
}

const loadRow = (who: string, l: LoadFigure) => [who, `${l.offered}/s`, String(l.count), ms(l.visible.p50), ms(l.visible.p99), rate(l.completedPerSecond), ms(l.serverCpuMsPerMessage), String(l.missing)];

export function scaleTables(results: ScaleResult[]): Table[] {
  const tables: Table[] = [];
  const loadRows: string[][] = [];
  const notes: string[] = [];
  for (const { scenario, parley, relay } of results) {
    scenario.shape.rates.forEach((offered, i) => {
      const r = relay.loads[i];
      const p = parley.loads[i];
      if (!r && !p) return;
      const skipped = (who: string) => [scenario.id, who, `${offered}/s`, 'not run: behind at the rate below', '', '', '', '', ''];
      loadRows.push(r ? [scenario.id, ...loadRow('relay', r)] : skipped('relay'));
      loadRows.push(p ? [scenario.id, ...loadRow('Parley', p)] : skipped('Parley'));
      if (r && p) loadRows.push([scenario.id, 'Parley ÷ relay', '', '', ratio(p.visible.p50, r.visible.p50), ratio(p.visible.p99, r.visible.p99), ratio(p.completedPerSecond, r.completedPerSecond), ratio(p.serverCpuMsPerMessage, r.serverCpuMsPerMessage), '']);
      for (const [who, l] of [['relay', r], ['Parley', p]] as const) {
        if (l && l.generatorLagMs > 100) notes.push(`${scenario.id} ${who} at ${l.offered}/s: the load generator issued a send up to ${ms(l.generatorLagMs)} late (the machine, not the target).`);
      }
    });
  }
  if (loadRows.length) {
    tables.push({
      id: 'scale-load',
      title: 'Parley ÷ the classic relay: send → visible under offered load (same MariaDB, same swarm, back to back)',
      columns: ['scenario', 'server', 'offered', 'n', 'p50', 'p99', 'completed', 'server CPU / msg', 'not seen'],
      rows: loadRows,
      notes: [
        'Open loop: message k is due at start + k/rate, round-robin over the conversations; latency counts from the due time until the message is in one other member\'s copy (Parley) or its newMessage event arrived (relay).',
        'completed: messages seen ÷ (load duration + slowest latency). server CPU / msg: the server process\'s user + system CPU time (/proc) during the load ÷ messages offered (a group message is one message, its fan-out included).',
        'not seen: messages that had not reached their reader 30 s after the load ended (the target fell behind); the higher rates of that scenario are then not run for that server.',
        ...notes,
      ],
    });
  }
  const memRows: string[][] = [];
  for (const { scenario, parley, relay } of results) {
    if (!parley.memory.length) continue;
    const per = [perConnection(relay), perConnection(parley)];
    memRows.push([scenario.id, String(relay.memory.at(-1)!.connections), bytes(relay.idleRssBytes), bytes(relay.memory.at(-1)!.rssBytes), bytes(per[0]!), bytes(parley.idleRssBytes), bytes(parley.memory.at(-1)!.rssBytes), bytes(per[1]!), ratio(per[1]!, per[0]!), ms(relay.connect.ms), ms(parley.connect.ms)]);
  }
  tables.push({
    id: 'scale-memory',
    title: 'Server memory and connect time by connections (RSS of the server process)',
    columns: ['scenario', 'connections', 'relay idle', 'relay connected', 'relay / conn', 'Parley idle', 'Parley connected', 'Parley / conn', 'Parley ÷ relay', 'relay connect all', 'Parley connect all'],
    rows: memRows,
    notes: [
      'A Parley connection opens its user document and each of its conversation documents (authenticated, synced); a relay connection is the handshake with the token check and the rooms joined.',
      'Per connection: the RSS slope from the first to the last connection step (documents loaded for those connections included); with one step, (RSS with all connected − RSS before the first) ÷ connections; "–" where the collector gave back more than the connections took. Each server runs the scenarios in turn, so a later scenario\'s idle reading holds the earlier one\'s garbage. Target for Parley: ≤ 20 KB per idle connection.',
      'Connect all: 64 clients at a time per worker process.',
    ],
  });
  const storm = results.filter((r) => r.parley.churn);
  if (storm.length) {
    tables.push({
      id: 'scale-churn',
      title: 'Presence churn: idle clients drop and reconnect at once while messages flow',
      columns: ['scenario', 'server', 'clients', 'all reconnected', 'attempts retried', 'server CPU', 'messages p50', 'p99', 'not seen'],
      rows: storm.flatMap(({ scenario, parley, relay }) => [relay, parley].map((r) => [scenario.id, r === relay ? 'relay' : 'Parley', String(r.churn!.clients), ms(r.churn!.reconnectMs), String(r.churn!.retried), ms(r.churn!.serverCpuMs), ms(r.churn!.load.visible.p50), ms(r.churn!.load.visible.p99), String(r.churn!.load.missing)])),
      notes: [
        'All of them connect at the same moment; an attempt that fails (refused, reset, timed out) is retried after a random 0.2–1 s, as a real client reconnects, up to 5 times; attempts retried counts those.',
        'server CPU: during the whole load of the storm (messages included); messages: the load running meanwhile, timed as above.',
      ],
    });
  }
  const backlogs = results.filter((r) => r.parley.backlog);
  if (backlogs.length) {
    tables.push({
      id: 'scale-backlog',
      title: 'Offline backlog: users with messages waiting reconnect at once',
      columns: ['scenario', 'server', 'messages', 'all visible', 'visible p50', 'p99', 'server CPU', 'not seen'],
      rows: backlogs.flatMap(({ scenario, parley, relay }) => [relay, parley].map((r) => [scenario.id, r === relay ? 'relay' : 'Parley', String(r.backlog!.messages), ms(r.backlog!.allVisibleMs), ms(r.backlog!.visible.p50), ms(r.backlog!.visible.p99), ms(r.backlog!.serverCpuMs), String(r.backlog!.missing)])),
      notes: ['Parley: the commands wait in each user document\'s outbox and go up with the first sync; relay: socket.io-client buffers the emits and flushes them on connect. Timed from the moment the senders start connecting.'],
    });
  }
  return tables;
}
