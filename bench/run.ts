/**
 * `npm run bench`: every benchmark, one after the other, then a summary table.
 * `npm run bench -- pipeline xsd` runs only those. Figures depend on the machine and its load: the
 * numbers in docs/benchmarks.md say where they were measured.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchDetect } from './detect.ts';
import { benchDurability } from './durability.ts';
import { benchHops } from './hops.ts';
import { HEALTH_ANCHOR_MS, benchMemory } from './memory.ts';
import { benchMixed, benchPipeline, benchScaleOut, benchSftpDaemon, benchSoak, printStory } from './pipeline.ts';
import { benchRules } from './rules.ts';
import { benchSftp } from './sftp.ts';
import { benchSignature } from './signature.ts';
import { benchXsd } from './xsd.ts';

const suites: Record<string, () => Promise<Record<string, number>>> = {
  detect: benchDetect,
  xsd: async () => {
    // An empty schema folder: the validator uses the sets shipped in xsd/official/.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'passerelle-bench-xsd-'));
    try {
      return await benchXsd(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  rules: benchRules,
  // The three worker hops of a flow against the same work inline: only when named.
  hops: benchHops,
  signature: benchSignature,
  pipeline: async () => {
    const out: Record<string, number> = {};
    for (const kind of ['postgres', 'pglite'] as const) Object.assign(out, printStory(await benchPipeline(kind)));
    return out;
  },
  // Ten minutes at 100 flows/s (SOAK_MINUTES): only when named, like memory.
  soak: () => benchSoak(process.argv.includes('pglite') ? 'pglite' : 'postgres'),
  // Small flows beside one 29 MiB flow, on both databases.
  mixed: async () => ({ ...(await benchMixed('postgres')), ...(await benchMixed('pglite')) }),
  // Two daemons each on one core against one (taskset): only when named.
  scaleout: benchScaleOut,
  sftp: benchSftp,
  // SFTP uploads into the daemon on PostgreSQL alone (the pipeline story prints them too).
  'sftp-daemon': benchSftpDaemon,
  durability: benchDurability,
  memory: async () => {
    const kind = process.argv.includes('postgres') ? 'postgres' : 'pglite';
    const r = await benchMemory(kind);
    const ok = r.peakAboveIdleMB <= r.anchorMB;
    const quick = r.maxHealthMs < HEALTH_ANCHOR_MS;
    const times = (mb: number) => `${((mb * 1048576) / r.flowBytes).toFixed(1)} × size`;
    console.log(
      `memory ${kind}: one ${Math.round(r.flowBytes / 1024)} Ko flow (status ${r.status}, ${r.seconds.toFixed(1)} s): ` +
        `peak RSS ${r.peakAboveIdleMB.toFixed(0)} MB above idle (${r.idleMB.toFixed(0)} MB), ${times(r.peakAboveIdleMB)}; ` +
        `anchor 4 × size = ${r.anchorMB.toFixed(0)} MB ${ok ? '(within)' : '(OVER)'}; slowest /health ${r.maxHealthMs.toFixed(0)} ms; anchor ${HEALTH_ANCHOR_MS} ms ` +
        `${quick ? '(within)' : '(OVER)'} (the daemon's slowest event-loop delay ${r.maxEventLoopMs.toFixed(0)} ms)`,
    );
    for (const s of r.byStage)
      console.log(
        `  ${s.stage.padEnd(12)} ${s.seconds.toFixed(2).padStart(6)} s  ` +
          (s.peakAboveIdleMB === undefined
            ? 'no sample'
            : `peak ${s.peakAboveIdleMB.toFixed(0).padStart(4)} MB above idle (${times(s.peakAboveIdleMB)})`),
      );
    // Before the memory work of issue 14 (same bench, 2026-11-30, PostgreSQL, load average 11–17).
    console.log(`  before: ${kind === 'postgres' ? '304–454 MB (10.4–15.5' : '426 MB (14.5'} × size)`);
    return {
      [`memory.${kind}.peakAboveIdleMB`]: r.peakAboveIdleMB,
      [`memory.${kind}.anchorMB`]: r.anchorMB,
      [`memory.${kind}.maxHealthMs`]: r.maxHealthMs,
      [`memory.${kind}.maxEventLoopMs`]: r.maxEventLoopMs,
    };
  },
};

const wanted = process.argv.slice(2).filter((a) => a in suites);
// The memory bench (one large flow), the soak (ten minutes), scale-out (taskset) and hops run only when asked by name.
if (!wanted.length) {
  delete suites['sftp-daemon'];
  delete suites.memory;
  delete suites.soak;
  delete suites.scaleout;
  delete suites.hops;
}
const results: Record<string, number> = {};
for (const [name, run] of Object.entries(suites)) {
  if (wanted.length && !wanted.includes(name)) continue;
  console.log(`\n== ${name}`);
  try {
    Object.assign(results, await run());
  } catch (e) {
    console.log(`${name} failed: ${(e as Error).message}`);
  }
}
console.log('\n== summary');
for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(36)} ${Number.isInteger(v) ? v : v.toFixed(2)}`);
process.exit(0);
