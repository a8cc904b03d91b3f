import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One printed table: the same rows go to the console, the markdown summary and the JSON. */
export interface Table {
  id: string;
  title: string;
  columns: string[];
  rows: string[][];
  notes: string[];
}

export interface RunRecord {
  startedAt: string;
  quick: boolean;
  durationSeconds: number;
  machine: { cpus: number; cpuModel: string; memoryGB: number; node: string; platform: string; loadAverageAtStart: number; loadAverageAtEnd?: number };
  tables: Table[];
  /** Raw numbers per benchmark, for comparing runs. */
  raw: Record<string, unknown>;
  skipped: string[];
}

export function machine(): RunRecord['machine'] {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGB: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    loadAverageAtStart: Number(os.loadavg()[0]!.toFixed(2)),
  };
}

export function printTable(table: Table): void {
  const widths = table.columns.map((c, i) => Math.max(c.length, ...table.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\n${table.title}`);
  console.log(line(table.columns));
  console.log(widths.map((w) => '─'.repeat(w)).join('  '));
  for (const row of table.rows) console.log(line(row));
  for (const note of table.notes) console.log(`  · ${note}`);
}

export function markdown(record: RunRecord): string {
  const m = record.machine;
  const out = [
    `# Parley bench — ${record.startedAt}${record.quick ? ' (BENCH_QUICK)' : ''}`,
    '',
    `${m.cpus}× ${m.cpuModel}, ${m.memoryGB} GB, Node ${m.node}, ${m.platform}; run took ${record.durationSeconds.toFixed(0)} s; 1-minute load average ${m.loadAverageAtStart} at start, ${m.loadAverageAtEnd ?? '?'} at end (other work on the machine shows here).`,
    'What each figure means and how it is measured: docs/bench.md.',
  ];
  out.push(...tablesMarkdown(record));
  return `${out.join('\n')}\n`;
}

/** Every table as a Markdown section, then what was skipped. */
export function tablesMarkdown(record: RunRecord): string[] {
  const out: string[] = [];
  for (const t of record.tables) {
    out.push('', `## ${t.title}`, '', `| ${t.columns.join(' | ')} |`, `|${t.columns.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
    for (const r of t.rows) out.push(`| ${r.join(' | ')} |`);
    if (t.notes.length) out.push('', ...t.notes.map((n) => `- ${n}`));
  }
  if (record.skipped.length) out.push('', '## Skipped', '', ...record.skipped.map((s) => `- ${s}`));
  return out;
}

/** bench/results/<date>.json and .md, and latest.md. Returns the paths written. */
export function writeResults(dir: string, record: RunRecord): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = record.startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const base = path.join(dir, `${stamp}${record.quick ? '-quick' : ''}`);
  const md = markdown(record);
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(record, null, 2)}\n`);
  fs.writeFileSync(`${base}.md`, md);
  fs.writeFileSync(path.join(dir, 'latest.md'), md);
  return [`${base}.json`, `${base}.md`, path.join(dir, 'latest.md')];
}
