import { LiteParleyClient } from './parley-client.ts';
import { RelayClient } from './relay-client.ts';
import type { ToWorker, FromWorker, SwarmUser } from './protocol.ts';

/**
 * One load-generator process: a share of the swarm's clients (thousands of
 * lightweight protocol clients), driven by bench/swarm/swarm.ts over IPC. Every
 * member of a conversation lives in the same worker, so a message's send time
 * and the moment its reader sees it are read from one clock.
 */

type Client = LiteParleyClient | RelayClient;

let users: SwarmUser[] = [];
let clients: Client[] = [];
let make: (u: SwarmUser) => Client = () => {
  throw new Error('no setup');
};
/** message key → [due time, index of the reader that must see it] */
const pending = new Map<string, [number, number]>();
let latencies: number[] = [];

const reply = (m: FromWorker) => process.send!(m);

function build(i: number): Client {
  const c = make(users[i]!);
  c.onMessage = (key) => {
    const p = pending.get(key);
    if (!p || p[1] !== i) return;
    pending.delete(key);
    latencies.push(performance.now() - p[0]);
  };
  return c;
}

/**
 * Connects clients `indices`, `parallel` at a time, each opening its
 * conversations. A client whose attempt fails tries again after a random
 * 0.2–1 s, as real clients reconnect, up to `retries` times.
 */
async function connectAll(indices: number[], parallel: number, retries = 0): Promise<{ ms: number; failed: string[]; retried: number }> {
  const started = performance.now();
  const failed: string[] = [];
  let retried = 0;
  let next = 0;
  const lane = async () => {
    while (next < indices.length) {
      const i = indices[next++]!;
      for (let attempt = 0; ; attempt++) {
        const c = clients[i]!;
        try {
          await c.connect();
          await Promise.all(users[i]!.conversations.map((id) => c.openConversation(id)));
          break;
        } catch (error) {
          if (attempt >= retries) {
            failed.push(`${users[i]!.id}: ${(error as Error).message}`);
            break;
          }
          retried++;
          c.close();
          clients[i] = build(i);
          await new Promise((r) => setTimeout(r, 200 + Math.random() * 800));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return { ms: performance.now() - started, failed, retried };
}

async function waitForPending(timeoutMs: number) {
  const deadline = performance.now() + timeoutMs;
  while (pending.size && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

process.on('message', async (m: ToWorker) => {
  try {
    switch (m.op) {
      case 'setup': {
        users = m.users;
        make = m.kind === 'parley' ? (u) => new LiteParleyClient(m.url, u.id, u.token) : (u) => new RelayClient(m.url, u.id, u.token);
        clients = users.map((_, i) => build(i));
        reply({ op: 'ready' });
        break;
      }
      case 'connect': {
        const indices = m.indices ?? users.map((_, i) => i);
        for (const i of indices) if (m.fresh) clients[i] = build(i);
        reply({ op: 'connected', ...(await connectAll(indices, m.parallel, m.retries)) });
        break;
      }
      case 'disconnect': {
        for (const i of m.indices ?? users.map((_, i) => i)) clients[i]!.close();
        reply({ op: 'disconnected' });
        break;
      }
      case 'load': {
        // Open loop: entry k is due at start + its offset whatever happened before.
        latencies = [];
        pending.clear();
        const start = performance.now() + m.delayMs;
        let lag = 0;
        let k = 0;
        while (k < m.plan.length) {
          const now = performance.now();
          while (k < m.plan.length && start + m.plan[k]![0] <= now) {
            const [offset, sender, conversationId, reader] = m.plan[k]!;
            const due = start + offset;
            lag = Math.max(lag, now - due);
            pending.set(clients[sender]!.send(conversationId, `load ${k}`), [due, reader]);
            k++;
          }
          if (k < m.plan.length) await new Promise((r) => setTimeout(r, Math.max(0, Math.min(20, start + m.plan[k]![0] - performance.now() - 0.5))));
        }
        await waitForPending(m.drainMs);
        reply({ op: 'loaded', latencies, missing: pending.size, lagMs: lag });
        break;
      }
      case 'backlog': {
        // The senders are offline: their messages wait (outbox / socket buffer) until they connect, all at once.
        latencies = [];
        pending.clear();
        for (const i of m.senders) clients[i] = build(i);
        const keys: Array<[string, number]> = [];
        for (const [sender, conversationId, reader] of m.plan) keys.push([clients[sender]!.send(conversationId, 'backlog'), reader]);
        const start = performance.now();
        for (const [key, reader] of keys) pending.set(key, [start, reader]);
        const { failed } = await connectAll(m.senders, m.senders.length, 3);
        await waitForPending(m.drainMs);
        reply({ op: 'loaded', latencies, missing: pending.size, lagMs: 0, failed });
        break;
      }
      case 'exit':
        for (const c of clients) c.close();
        process.exit(0);
    }
  } catch (error) {
    reply({ op: 'error', message: (error as Error).stack ?? String(error) });
  }
});
