import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dialect } from '@parley/schema/db';
import { userParts } from '@parley/schema';
import { freePort, spawnServer } from '../sync-server/test/harness.ts';
import { connect, directConversation, register, waitFor, type SyncClient } from '../sync-server/test/clients.ts';
import { onCleanup, trackChild } from './cleanup.ts';
import { database } from './servers.ts';
import { bytes, median, sleep } from './stats.ts';
import type { Table } from './report.ts';

/**
 * Server memory per idle connection and per loaded conversation (issue 10,
 * targets ≤ 20 KB and ≤ 150 KB), read from the real sync-server's own
 * /metrics (heap used and RSS) in its own process, so the clients' memory
 * is not counted. An idle connection is a signed-in user with its user
 * document synced (what an idle app holds); a loaded conversation is a direct
 * conversation with `messagesPer` messages, open by one member.
 */

const TOKEN = 'bench-memory';
const gcPreload = path.join(path.dirname(fileURLToPath(import.meta.url)), 'gc-on-signal.mjs');

export interface MemoryFigures {
  connections: number;
  conversations: number;
  heapPerConnection: number;
  rssPerConnection: number;
  heapPerConversation: number;
  rssPerConversation: number;
  /** Heap growth over `idleSeconds` with every connection idle. */
  idleGrowth: number;
  idleSeconds: number;
  /** Documents still loaded after every client left and the idle time passed. */
  documentsAfterLeaving: number;
}

export async function memoryBench(dialect: Dialect, options: { connections: number; conversations: number; messagesPer?: number; idleSeconds?: number }): Promise<MemoryFigures> {
  const messagesPer = options.messagesPer ?? 10;
  const idleSeconds = options.idleSeconds ?? 5;
  const { database: db } = await database(dialect);
  const child = await spawnServer({
    database: db, port: await freePort(),
    // Documents unload 2 s after their last client or server write (PARLEY_DOCUMENT_IDLE_MS).
    env: { LOG_LEVEL: 'error', PARLEY_METRICS_TOKEN: TOKEN, PARLEY_DOCUMENT_IDLE_MS: '2000', NODE_OPTIONS: `--expose-gc --import ${gcPreload}` },
  });
  trackChild(child.process);
  const stop = onCleanup('stop sync-server (memory)', async () => {
    child.process.kill('SIGTERM');
    await child.exited;
  });
  const clients: SyncClient[] = [];
  try {
    const sample = async () => {
      const values: Array<{ heap: number; rss: number; documents: number }> = [];
      for (let i = 0; i < 5; i++) {
        child.process.kill('SIGUSR2');
        await sleep(300);
        const text = await (await fetch(`${child.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
        values.push({ heap: metric(text, 'parley_nodejs_heap_size_used_bytes'), rss: metric(text, 'parley_process_resident_memory_bytes'), documents: metric(text, 'parley_documents_loaded') });
        await sleep(200);
      }
      return { heap: median(values.map((v) => v.heap)), rss: median(values.map((v) => v.rss)), documents: values.at(-1)!.documents };
    };
    const users = [];
    for (let i = 0; i < options.connections; i += 10) {
      users.push(...(await Promise.all(Array.from({ length: Math.min(10, options.connections - i) }, () => register(child.url, 'mem')))));
    }
    // Warm-up: the first connections compile the code that serves every connection (a few
    // MB of JIT code and feedback) and fill caches once; that is the server's, not theirs.
    const warm = await Promise.all(users.slice(0, Math.min(100, Math.ceil(users.length / 5))).map((u) => connect(child.wsUrl, u)));
    await sleep(1000);
    for (const c of warm) c.destroy();
    // Their user documents unload (PARLEY_DOCUMENT_IDLE_MS) before the baseline is taken.
    await sleep(4000);
    const empty = await sample();
    for (let i = 0; i < users.length; i += 20) clients.push(...(await Promise.all(users.slice(i, i + 20).map((u) => connect(child.wsUrl, u)))));
    await sleep(1000);
    const connected = await sample();
    await sleep(idleSeconds * 1000);
    const idle = await sample();

    const owner = clients[0]!;
    const peers = users.slice(1, 1 + options.conversations);
    const ids: string[] = [];
    for (const peer of peers) ids.push(await directConversation(child.url, users[0]!, peer));
    // `results` keeps only the last 500 (O3): answers are collected as they arrive, and
    // each conversation's last send is waited for by its id.
    const answered = new Set<string>();
    const { results } = userParts(owner.user.doc);
    const collect = () => results.forEach((r) => answered.add(r.id));
    results.observe(collect);
    const lasts = ids.map((id) => Array.from({ length: messagesPer }, (_, m) => owner.send(id, `message ${m}`).id).at(-1)!);
    await waitFor(() => lasts.every((id) => answered.has(id)), 120_000, 'every message sent');
    results.unobserve(collect);
    for (const id of ids) await owner.open(id);
    await sleep(1000);
    const loaded = await sample();

    for (const c of clients.splice(0)) c.destroy();
    await sleep(4000);
    const left = await sample();
    return {
      connections: users.length,
      conversations: ids.length,
      heapPerConnection: (connected.heap - empty.heap) / users.length,
      rssPerConnection: (connected.rss - empty.rss) / users.length,
      heapPerConversation: (loaded.heap - idle.heap) / Math.max(1, ids.length),
      rssPerConversation: (loaded.rss - idle.rss) / Math.max(1, ids.length),
      idleGrowth: idle.heap - connected.heap,
      idleSeconds,
      documentsAfterLeaving: left.documents,
    };
  } finally {
    for (const c of clients) c.destroy();
    await stop();
  }
}

export function memoryTable(figures: Array<{ dialect: Dialect; figures: MemoryFigures }>): Table {
  return {
    id: 'memory',
    title: 'Server memory per idle connection and per loaded conversation (sync-server in its own process, from its /metrics)',
    columns: ['database', 'connections', 'heap / conn', 'RSS / conn', 'conversations', 'heap / conv', 'RSS / conv', 'idle heap growth', 'docs after leaving'],
    rows: figures.map(({ dialect, figures: f }) => [
      dialect, String(f.connections), bytes(f.heapPerConnection), bytes(f.rssPerConnection), String(f.conversations),
      bytes(f.heapPerConversation), bytes(f.rssPerConversation), `${bytes(f.idleGrowth)} in ${f.idleSeconds} s`, String(f.documentsAfterLeaving),
    ]),
    notes: [
      'Targets (issue 10): ≤ 20 KB per idle connection, ≤ 150 KB per loaded conversation.',
      'An idle connection: a signed-in user, its user document synced. A loaded conversation: a direct conversation with 10 messages, open by one member (its document, the server\'s direct connection, its cached facts).',
      'Heap used: the median of five samples, each after a full GC in the server (bench/gc-on-signal.mjs); RSS is rougher (the allocator keeps freed pages).',
      'The baseline is taken after a fifth of the clients (at most 100) connected and left: the code the first connections compile is the server\'s, not each connection\'s.',
    ],
  };
}

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
}

// Run alone: `node --conditions=@parley/source --import tsx bench/memory.ts [connections] [conversations]`.
if (import.meta.url === `file://${process.argv[1]}`) {
  const connections = Number(process.argv[2] ?? 200);
  const conversations = Number(process.argv[3] ?? 50);
  const figures = await memoryBench('sqlite', { connections, conversations });
  const { printTable } = await import('./report.ts');
  printTable(memoryTable([{ dialect: 'sqlite', figures }]));
  process.exit(0);
}
