/**
 * Sums up the V8 CPU profiles a daemon wrote (`BENCH_CPU_PROF=<folder>` in bench/pipeline.ts, or any
 * `node --cpu-prof --cpu-prof-dir <folder>` run): for each thread, its sampled time split by area (our
 * modules by folder, each dependency, Node's internals, the garbage collector, idle) and its top functions by
 * self time. With `--per <n>`, also milliseconds a flow for n flows.
 *
 *   node bench/profile-top.ts <folder> [--top 25] [--per 1000]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: `src/<folder>`, a dependency's name, Node's internals, or V8's own entries. */
export function area(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return dep[1]!;
  const ours = /\/(src|bench|bin)\/(?:([^/]+)\/)?/.exec(url);
  if (ours) return ours[2] && !ours[2].includes('.') ? `${ours[1]}/${ours[2]}` : ours[1]!;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  return url.split('/').slice(-2).join('/');
}

export interface ThreadSummary {
  file: string;
  totalMs: number;
  byArea: Array<{ area: string; ms: number }>;
  top: Array<{ fn: string; where: string; ms: number }>;
}

export function summarise(file: string, top = 25): ThreadSummary {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; the sample's own duration is the next delta.
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = prof.timeDeltas[i + 1] ?? 0;
    selfUs.set(prof.samples[i]!, (selfUs.get(prof.samples[i]!) ?? 0) + dt);
  }
  const areas = new Map<string, number>();
  const fns = new Map<string, { fn: string; where: string; us: number }>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const fn = functionName || '(anonymous)';
    total += us;
    const a = area(url, fn);
    areas.set(a, (areas.get(a) ?? 0) + us);
    const where = url ? `${url.replace(/^.*\/(src|node_modules|bench|bin)\//, '$1/')}:${lineNumber + 1}` : '';
    const key = `${fn}@${where}`;
    const f = fns.get(key) ?? { fn, where, us: 0 };
    f.us += us;
    fns.set(key, f);
  }
  return {
    file: path.basename(file),
    totalMs: total / 1000,
    byArea: [...areas].map(([a, us]) => ({ area: a, ms: us / 1000 })).sort((x, y) => y.ms - x.ms),
    top: [...fns.values()]
      .sort((x, y) => y.us - x.us)
      .slice(0, top)
      .map((f) => ({ fn: f.fn, where: f.where, ms: f.us / 1000 })),
  };
}

function profiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) return profiles(p);
    return n.endsWith('.cpuprofile') ? [p] : [];
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args.splice(i, 2)[1]) : undefined;
  };
  const top = opt('--top') ?? 25;
  const per = opt('--per');
  const dir = args[0];
  if (!dir) {
    console.error('usage: node bench/profile-top.ts <folder> [--top 25] [--per <flows>]');
    process.exit(2);
  }
  const fmt = (ms: number) => (per ? `${ms.toFixed(0).padStart(7)} ms ${(ms / per).toFixed(3).padStart(7)} ms/flow` : `${ms.toFixed(0).padStart(7)} ms`);
  // Busy time only: '(idle)' is a thread waiting for work.
  for (const t of profiles(dir).map((f) => summarise(f, top)).sort((a, b) => b.totalMs - a.totalMs)) {
    const idle = t.byArea.find((a) => a.area === '(idle)')?.ms ?? 0;
    console.log(`\n== ${t.file}: ${fmt(t.totalMs - idle)} busy (${idle.toFixed(0)} ms idle)`);
    for (const a of t.byArea.filter((x) => x.area !== '(idle)').slice(0, 15))
      console.log(`   ${fmt(a.ms)}  ${((100 * a.ms) / Math.max(1e-9, t.totalMs - idle)).toFixed(1).padStart(5)} %  ${a.area}`);
    console.log('   top functions by self time:');
    for (const f of t.top.filter((x) => x.fn !== '(idle)')) console.log(`   ${fmt(f.ms)}  ${f.fn}  ${f.where}`);
  }
}
