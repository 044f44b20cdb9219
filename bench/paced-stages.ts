/**
 * Where a paced flow's time goes, from the bench daemon's debug log and the bench's own times of each flow
 * (both written by bench/pipeline.ts with BENCH_DAEMON_LOG=<file> and BENCH_EXTRA='{"log":{"level":"debug"}}'):
 * percentiles of each step of the path, flow by flow.
 *
 *   node bench/paced-stages.ts <file> [label]      (label: paced200 by default; <file>.<label>.json must exist)
 *
 * Steps: deposit (rename into depot/) → received (the drop folder's stability wait and writer check, the move
 * into the spool, the intake's transaction, which queues the job too) → first stage (the wait in the queue and
 * for a worker) → last stage done → concluded (the conclusion recorded) → written (the compte-rendu in
 * retour/, logged once marked delivered: the partner may see it a few ms before) → seen by the partner (the
 * bench's watcher).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile } from './pipeline.ts';

interface Flow {
  file?: string;
  received?: number;
  stages: Array<{ time: number; ms: number }>;
  concluded?: number;
  written?: number;
}

/** Each flow of the log by its number: the times (epoch ms) of its log lines. */
function flowsOfLog(text: string): Map<string, Flow> {
  const flows = new Map<string, Flow>();
  for (const line of text.split('\n')) {
    let j: { flow?: string; msg?: string; time: number; file?: string; ms?: number };
    try {
      j = JSON.parse(line) as typeof j;
    } catch {
      continue;
    }
    if (!j.flow) continue;
    const f = flows.get(j.flow) ?? { stages: [] };
    flows.set(j.flow, f);
    if (j.msg === 'flow received') {
      f.file = j.file;
      f.received = j.time;
    } else if (j.msg === 'stage done') f.stages.push({ time: j.time, ms: j.ms ?? 0 });
    else if (j.msg === 'flow processed') f.concluded = j.time;
    else if (j.msg === 'return flow written') f.written = j.time;
  }
  return flows;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [logFile, label = 'paced200'] = process.argv.slice(2);
  if (!logFile) throw new Error('usage: node bench/paced-stages.ts <daemon log> [label]');
  const times = JSON.parse(readFileSync(`${logFile}.${label}.json`, 'utf8')) as Record<string, [number, number]>;
  const rows = [...flowsOfLog(readFileSync(logFile, 'utf8')).values()].flatMap((f) => {
    const t = f.file ? times[f.file] : undefined;
    if (!t || f.received === undefined || !f.stages.length || f.concluded === undefined || f.written === undefined)
      return [];
    const firstStart = f.stages[0]!.time - f.stages[0]!.ms;
    const lastDone = f.stages[f.stages.length - 1]!.time;
    return [{ deposit: t[0], seen: t[1], received: f.received, firstStart, lastDone, ...f }];
  });
  console.log(`${rows.length} of ${Object.keys(times).length} flows of ${label} (ms: p50, p90, p99, max)`);
  const steps: Array<[string, (r: (typeof rows)[number]) => number]> = [
    ['deposit → received (queued)', (r) => r.received - r.deposit],
    ['received → first stage starts', (r) => r.firstStart - r.received],
    ['first stage starts → last done', (r) => r.lastDone - r.firstStart],
    ['last stage done → concluded', (r) => r.concluded! - r.lastDone],
    ['concluded → written, marked', (r) => r.written! - r.concluded!],
    ['written → seen by the partner', (r) => r.seen - r.written!],
    ['deposit → seen (the latency)', (r) => r.seen - r.deposit],
  ];
  for (const [name, of] of steps) {
    const xs = rows.map(of).sort((a, b) => a - b);
    const cells = [50, 90, 99, 100].map((p) => String(Math.round(percentile(xs, p))).padStart(6));
    console.log(`  ${name.padEnd(32)}${cells.join('')}`);
  }
}
