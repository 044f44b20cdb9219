/**
 * End-to-end pipeline benchmark: small UBL flows dropped into a partner's depot (written under a
 * temporary name, then renamed, as EDI clients do) until their comptes-rendus appear in retour/.
 * Prints flows/s at full speed, p50/p99 latency at a fixed rate (100 flows/s), and peak memory,
 * on PostgreSQL and on embedded PGlite. Peak memory is the daemon process's (VmHWM).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, watch, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { daemonInfoPath } from '../src/gateway/lock.ts';
import { mailboxPaths } from '../src/store/mailboxes.ts';
import { stringify } from 'yaml';

const CORPUS = fileURLToPath(new URL('../test/corpus/', import.meta.url));

interface Run {
  flowsPerSecond: number;
  p50ms: number;
  p99ms: number;
  peakRssMB: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Watches retour/ and resolves each flow's arrival time by its original file name. */
function arrivals(dir: string): { seen: Map<string, number>; close: () => void } {
  const seen = new Map<string, number>();
  const w = watch(dir, (_e, name) => {
    if (!name || !name.startsWith('FEN1200A_')) return;
    const at = performance.now();
    try {
      const m = /<IdFlux>([^<]+)<\/IdFlux>/.exec(readFileSync(path.join(dir, name), 'utf8'));
      if (m && !seen.has(m[1]!)) seen.set(m[1]!, at);
    } catch {
      /* renamed away or not yet complete: the next event catches it */
    }
  });
  return { seen, close: () => w.close() };
}

async function waitAll(seen: Map<string, number>, names: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (names.some((n) => !seen.has(n))) {
    if (Date.now() > deadline)
      throw new Error(`only ${names.filter((n) => seen.has(n)).length}/${names.length} comptes-rendus arrived`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The daemon's peak resident memory (VmHWM), read from /proc while it runs. */
function peakRssMB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * The daemon runs as its own process (`passerelle start`), as in production; this process is the
 * partner's side: it drops the files and watches retour/, so its work is not counted against the daemon.
 */
export async function benchPipeline(
  kind: 'postgres' | 'pglite',
  opts: { flows?: number; rate?: number; rateFlows?: number } = {},
): Promise<Run> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `passerelle-bench-${kind}-`));
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const databaseSchema = `bench_${Date.now()}`;
  const configFile = path.join(dataDir, 'passerelle.yaml');
  writeFileSync(
    configFile,
    stringify({
      dataDir,
      http: { port: 0 },
      sftp: { port: 0 },
      schemas: { fetchOnStart: false },
      log: { level: 'warn' },
      partners: [{ code: 'BENCH1', name: 'Bench' }],
      ...(process.env.BENCH_EXTRA ? JSON.parse(process.env.BENCH_EXTRA) : {}),
      ...(kind === 'postgres' ? { databaseUrl, databaseSchema } : {}),
    }),
  );
  const daemon = spawn(
    process.execPath,
    [fileURLToPath(new URL('../bin/passerelle.js', import.meta.url)), 'start', '--config', configFile],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, CI: '1' },
    },
  );
  const box = mailboxPaths(dataDir, 'BENCH1');
  const template = readFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example1.xml'), 'utf8');
  const drop = (name: string) => {
    // Distinct bytes per flow, else they would be rejected as duplicates.
    writeFileSync(path.join(box.depot, `${name}.tmp`), template.replace('<cbc:ID>', `<!-- ${name} --><cbc:ID>`));
    renameSync(path.join(box.depot, `${name}.tmp`), path.join(box.depot, name));
  };
  try {
    // The daemon is up when it has written its info file (and created the partner's mailboxes).
    const up = Date.now() + 120000;
    while (!existsSync(daemonInfoPath(dataDir, kind === 'postgres')) || !existsSync(box.retour)) {
      if (Date.now() > up || daemon.exitCode !== null) throw new Error('the daemon did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const { seen, close } = arrivals(box.retour);
    try {
      // Warm-up (schema compilation, first queries).
      const warm = Array.from({ length: 20 }, (_, i) => `warm-${i}.xml`);
      warm.forEach(drop);
      await waitAll(seen, warm, 60000);

      // Full speed: all flows dropped at once.
      const n = opts.flows ?? 1000;
      const names = Array.from({ length: n }, (_, i) => `burst-${i}.xml`);
      const t0 = performance.now();
      names.forEach(drop);
      await waitAll(seen, names, 300000);
      const flowsPerSecond = n / ((Math.max(...names.map((x) => seen.get(x)!)) - t0) / 1000);

      // Fixed rate: latency from the rename into depot/ to the compte-rendu in retour/.
      const rate = opts.rate ?? 100;
      const m = opts.rateFlows ?? 500;
      const sent = new Map<string, number>();
      const paced = Array.from({ length: m }, (_, i) => `paced-${i}.xml`);
      const start = performance.now();
      for (let i = 0; i < m; i++) {
        const due = start + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        sent.set(paced[i]!, performance.now());
        drop(paced[i]!);
      }
      await waitAll(seen, paced, 120000);
      const latencies = paced.map((x) => seen.get(x)! - sent.get(x)!).sort((a, b) => a - b);
      return {
        flowsPerSecond,
        p50ms: percentile(latencies, 50),
        p99ms: percentile(latencies, 99),
        peakRssMB: peakRssMB(daemon.pid!),
      };
    } finally {
      close();
    }
  } finally {
    daemon.kill('SIGTERM');
    await new Promise((r) => (daemon.exitCode !== null ? r(undefined) : daemon.once('exit', r)));
    if (kind === 'postgres') {
      const pg = await import('pg');
      const c = new pg.default.Client({ connectionString: databaseUrl });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${databaseSchema}" CASCADE`);
      await c.query(`DROP SCHEMA IF EXISTS "${databaseSchema}_boss" CASCADE`);
      await c.end();
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const kind = (process.argv[2] as 'postgres' | 'pglite') ?? 'postgres';
  const r = await benchPipeline(kind);
  console.log(JSON.stringify({ kind, ...r }));
}
