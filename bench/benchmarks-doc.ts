import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lineChart, type Series } from './chart.ts';
import { tablesMarkdown, writeResults, type RunRecord } from './report.ts';
import { scaleTables, type ScaleResult } from './scale.ts';

/**
 * docs/benchmarks.md: the latest run's tables and its charts (SVG files beside
 * it), with the machine they were measured on. Rendered by `npm run bench`
 * (not by BENCH_QUICK runs, whose small numbers would replace the real ones).
 */

const COLORS = { parley: '#1f6feb', relay: '#d1242f' };

export function renderBenchmarks(record: RunRecord, scale: ScaleResult[], mdPath: string): string[] {
  const chartDir = path.join(path.dirname(mdPath), 'benchmarks');
  fs.mkdirSync(chartDir, { recursive: true });
  const written: string[] = [];
  const charts: string[] = [];
  const chart = (file: string, svg: string, alt: string) => {
    fs.writeFileSync(path.join(chartDir, file), svg);
    written.push(path.join(chartDir, file));
    charts.push(`![${alt}](benchmarks/${file})`);
  };

  const ladder = scale.find((s) => s.scenario.shape.rates.length > 1);
  if (ladder) {
    const series: Series[] = [];
    for (const [who, r] of [['Parley', ladder.parley], ['relay', ladder.relay]] as const) {
      const color = who === 'Parley' ? COLORS.parley : COLORS.relay;
      series.push({ name: `${who} p50`, color, points: r.loads.map((l) => [l.offered, l.visible.p50]) });
      series.push({ name: `${who} p99`, color, dashed: true, points: r.loads.map((l) => [l.offered, l.visible.p99]) });
    }
    chart('latency.svg', lineChart({ title: `Send → visible latency, ${ladder.scenario.title}`, xLabel: 'offered load (msgs/s)', yLabel: 'latency (ms, log scale)', series, logX: true, logY: true }),
      'send → visible latency percentiles against offered load, Parley and the relay');
    const cpu: Series[] = [['Parley', ladder.parley], ['relay', ladder.relay]].map(([who, r]) => ({
      name: who as string, color: who === 'Parley' ? COLORS.parley : COLORS.relay,
      points: (r as ScaleResult['parley']).loads.map((l) => [l.offered, l.serverCpuMsPerMessage] as [number, number]),
    }));
    chart('cpu.svg', lineChart({ title: 'Server CPU per message', xLabel: 'offered load (msgs/s)', yLabel: 'CPU ms per message', series: cpu, logX: true }),
      'server CPU per message against offered load, Parley and the relay');
  }
  const memory = [...scale].sort((a, b) => b.parley.memory.length - a.parley.memory.length)[0];
  if (memory && memory.parley.memory.length) {
    const series: Series[] = [['Parley', memory.parley], ['relay', memory.relay]].map(([who, r]) => {
      const res = r as ScaleResult['parley'];
      return { name: who as string, color: who === 'Parley' ? COLORS.parley : COLORS.relay,
        points: [[0, res.idleRssBytes / 1024 / 1024] as [number, number], ...res.memory.map((m) => [m.connections, m.rssBytes / 1024 / 1024] as [number, number])] };
    });
    chart('memory.svg', lineChart({ title: `Server RSS against connections, ${memory.scenario.title}`, xLabel: 'connected clients', yLabel: 'server RSS (MB)', series }),
      'server memory against connections, Parley and the relay');
  }

  const m = record.machine;
  const doc = [
    '# Benchmarks',
    '',
    `Measured by \`npm run bench\` on ${record.startedAt.slice(0, 10)} (${record.startedAt}): ${m.cpus} cores, ${m.cpuModel}, ${m.memoryGB} GB, Node ${m.node}, ${m.platform}.`,
    `The run took ${record.durationSeconds.toFixed(0)} s; the 1-minute load average was ${m.loadAverageAtStart} at the start and ${m.loadAverageAtEnd ?? '?'} at the end (other work on the machine shows in it, and in every figure).`,
    'What each figure means and how it is measured: [bench.md](bench.md). The raw numbers are in `bench/results/`.',
    ...(record.skipped.some((x) => x.startsWith('run stopped'))
      ? ['', '**This run stopped before its end** (the reason is under "Skipped"): only the tables measured before that point are here.']
      : []),
    '',
    ...charts.flatMap((c) => [c, '']),
    ...tablesMarkdown(record),
  ];
  fs.writeFileSync(mdPath, `${doc.join('\n')}\n`);
  written.push(mdPath);
  return written;
}

// Alone: `node --import tsx bench/benchmarks-doc.ts bench/results/<run>.json` renders docs/benchmarks.md
// from a saved run, its scale tables built anew from the raw figures (so a change to how they are
// printed applies to a run already made) and written back to the run's files.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const record = JSON.parse(fs.readFileSync(process.argv[2]!, 'utf8')) as RunRecord;
  const scale = (record.raw.scale ?? []) as ScaleResult[];
  const fresh = new Map(scaleTables(scale).map((t) => [t.id, t]));
  record.tables = record.tables.map((t) => fresh.get(t.id) ?? t);
  const out = writeResults(path.dirname(process.argv[2]!), record);
  out.push(...renderBenchmarks(record, scale, fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url))));
  for (const file of out) console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
