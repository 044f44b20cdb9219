/**
 * End-to-end pipeline benchmark: small UBL flows dropped into a partner's depot (written under a
 * temporary name, then renamed, as EDI clients do) until their comptes-rendus appear in retour/.
 * Prints flows/s at full speed, p50/p99 latency at a fixed rate (100 flows/s), and peak memory,
 * on PostgreSQL and on embedded PGlite.
 */
import { mkdtempSync, readFileSync, renameSync, rmSync, watch, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildConfig } from '../src/config.ts';
import { schemaDir } from '../src/config.ts';
import { Daemon } from '../src/gateway/daemon.ts';
import { mailboxPaths } from '../src/store/mailboxes.ts';
import { silentLogger } from '../src/log.ts';
import { installSchemaSet } from '../src/schemas/install.ts';

const CORPUS = fileURLToPath(new URL('../../shared/corpus/', import.meta.url));

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

export async function benchPipeline(
  kind: 'postgres' | 'pglite',
  opts: { flows?: number; rate?: number; rateFlows?: number } = {},
): Promise<Run> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `passerelle-bench-${kind}-`));
  const config = buildConfig(
    {
      dataDir,
      http: { port: 0 },
      sftp: { port: 0 },
      schemas: { fetchOnStart: false },
      partners: [{ code: 'BENCH1', name: 'Bench' }],
    },
    {},
  );
  if (kind === 'postgres') {
    config.databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    config.databaseSchema = `bench_${Date.now()}`;
  }
  await installSchemaSet(path.join(CORPUS, 'xsd/ubl-2.1'), schemaDir(config), 'ubl-2.1');
  const daemon = new Daemon({ config, logger: silentLogger });
  await daemon.start();
  const box = mailboxPaths(dataDir, 'BENCH1');
  const template = readFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example1.xml'), 'utf8');
  const drop = (name: string) => {
    // Distinct bytes per flow, else they would be rejected as duplicates.
    writeFileSync(path.join(box.depot, `${name}.tmp`), template.replace('<cbc:ID>', `<!-- ${name} --><cbc:ID>`));
    renameSync(path.join(box.depot, `${name}.tmp`), path.join(box.depot, name));
  };
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
      peakRssMB: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    close();
    await daemon.stop();
    if (kind === 'postgres') {
      const pg = await import('pg');
      const c = new pg.default.Client({ connectionString: config.databaseUrl });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${config.databaseSchema}" CASCADE`);
      await c.query(`DROP SCHEMA IF EXISTS "${config.databaseSchema}_boss" CASCADE`);
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
