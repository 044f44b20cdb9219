/**
 * Memory bound of one large flow: the daemon runs as its own process (`passerelle start`, embedded PGlite
 * unless BENCH_DATABASE_URL… is asked with `-- memory postgres`), one valid UBL invoice of 30,000 Ko is
 * dropped into a depot, and the daemon's RSS is sampled (/proc, every 10 ms) until the compte-rendu is
 * written. Prints the peak above the idle baseline next to its anchor, 4 × the flow's size, and the slowest
 * `/health` answer seen meanwhile (asked every 20 ms, from the deposit to the compte-rendu) next to its
 * anchor, 100 ms.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { daemonInfoPath } from '../src/gateway/lock.ts';
import { mailboxPaths } from '../src/store/mailboxes.ts';
import { largeValidUbl } from '../test/helpers/hostile.ts';

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/**
 * The daemon's own slowest event-loop delay (ms) since the previous call: prom-client's
 * `nodejs_eventloop_lag_max_seconds` on /metrics, whose histogram is reset at every scrape. Unlike the
 * /health figure, it leaves out this process, the socket and the HTTP parsing.
 */
async function eventLoopMaxMs(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(60000) });
  const m = /^passerelle_nodejs_eventloop_lag_max_seconds\s+([\d.e+-]+)$/m.exec(await res.text());
  return m ? Number(m[1]) * 1000 : NaN;
}

async function healthMs(port: number): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(60000) });
  await res.text();
  return performance.now() - t0;
}

/** How often `/health` is asked during the flow: finer than the 100 ms bound it is held to. */
const HEALTH_EVERY_MS = 20;
/** The bound on any `/health` answer during a flow (issue 14 item 4). */
export const HEALTH_ANCHOR_MS = 100;

export interface MemoryRun {
  flowBytes: number;
  idleMB: number;
  peakAboveIdleMB: number;
  anchorMB: number;
  maxHealthMs: number;
  /** The daemon's slowest event-loop delay from the deposit to the compte-rendu. */
  maxEventLoopMs: number;
  status: string;
  seconds: number;
}

export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function benchMemory(kind: 'pglite' | 'postgres' = 'pglite', sizeKo = 30000): Promise<MemoryRun> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'passerelle-bench-memory-'));
  const configFile = path.join(dataDir, 'passerelle.yaml');
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  writeFileSync(
    configFile,
    stringify({
      dataDir,
      http: { port: await freePort() },
      sftp: { port: 0 },
      schemas: { fetchOnStart: false },
      log: { level: process.env.BENCH_MEMORY_TRACE ? 'debug' : 'warn' },
      partners: [{ code: 'BENCH1', name: 'Bench' }],
      ...(kind === 'postgres' ? { databaseUrl, databaseSchema: `bench_mem_${Date.now()}` } : {}),
    }),
  );
  const daemon = spawn(
    process.execPath,
    [fileURLToPath(new URL('../bin/passerelle.js', import.meta.url)), 'start', '--config', configFile],
    {
      stdio: ['ignore', process.env.BENCH_MEMORY_TRACE ? 'inherit' : 'ignore', 'inherit'],
      env: { ...process.env, CI: '1' },
    },
  );
  const pid = daemon.pid!;
  const box = mailboxPaths(dataDir, 'BENCH1');
  // On PostgreSQL the daemon's info file is named after the host (several daemons may share the folder).
  const infoFile = daemonInfoPath(dataDir, kind === 'postgres');
  try {
    const up = Date.now() + 120000;
    while (!existsSync(infoFile) || !existsSync(box.retour)) {
      if (Date.now() > up || daemon.exitCode !== null) throw new Error('the daemon did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const { httpPort } = JSON.parse(readFileSync(infoFile, 'utf8')) as { httpPort: number };
    await healthMs(httpPort); // fails loudly if /health does not answer at all
    // Warm-up: one small flow through every stage (schemas compiled, workers started), then settle.
    const small = largeValidUbl(0, 'warm');
    writeFileSync(path.join(box.depot, 'warm.tmp'), small);
    renameSync(path.join(box.depot, 'warm.tmp'), path.join(box.depot, 'warm.xml'));
    while (readdirSync(box.retour).length < 1) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 2000));
    const idle = rssBytes(pid);

    const flow = largeValidUbl(sizeKo * 1024 - 512, 'big');
    writeFileSync(path.join(box.depot, 'big.tmp'), flow);
    let peak = idle;
    let maxHealth = 0;
    let done = false;
    // BENCH_MEMORY_TRACE=1: the RSS above idle every 100 ms on stderr, to see which stage holds the peak.
    const trace = process.env.BENCH_MEMORY_TRACE ? ([] as string[]) : undefined;
    let windowMax = 0;
    let samples = 0;
    const t00 = performance.now();
    const sampler = setInterval(() => {
      try {
        const now = rssBytes(pid);
        peak = Math.max(peak, now);
        windowMax = Math.max(windowMax, now);
        if (trace && ++samples % 10 === 0) {
          trace.push(
            `${((performance.now() - t00) / 1000).toFixed(1)}s ${((windowMax - idle) / 1048576).toFixed(0)}MB`,
          );
          windowMax = 0;
        }
      } catch {
        /* the daemon went away: reported below */
      }
    }, 10);
    const prober = (async () => {
      while (!done) {
        maxHealth = Math.max(maxHealth, await healthMs(httpPort).catch(() => 60000));
        await new Promise((r) => setTimeout(r, HEALTH_EVERY_MS));
      }
    })();
    await eventLoopMaxMs(httpPort); // resets the daemon's event-loop histogram
    const t0 = performance.now();
    renameSync(path.join(box.depot, 'big.tmp'), path.join(box.depot, 'big.xml'));
    const deadline = Date.now() + 600000;
    let report: string | undefined;
    while (!report) {
      if (Date.now() > deadline || daemon.exitCode !== null) throw new Error('no compte-rendu for the large flow');
      const name = readdirSync(box.retour).find((n) =>
        readFileSync(path.join(box.retour, n), 'utf8').includes('big.xml'),
      );
      if (name) report = readFileSync(path.join(box.retour, name), 'utf8');
      else await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (performance.now() - t0) / 1000;
    const maxEventLoopMs = await eventLoopMaxMs(httpPort);
    done = true;
    await prober;
    clearInterval(sampler);
    if (trace)
      process.stderr.write(`RSS above idle from ${Date.now() - (performance.now() - t00)}: ${trace.join(' ')}\n`);
    const MB = 1024 * 1024;
    return {
      flowBytes: flow.length,
      idleMB: idle / MB,
      peakAboveIdleMB: (peak - idle) / MB,
      anchorMB: (4 * flow.length) / MB,
      maxHealthMs: maxHealth,
      maxEventLoopMs,
      status: /<IdStatut>([^<]+)</.exec(report)?.[1] ?? '?',
      seconds,
    };
  } finally {
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
