/**
 * End-to-end pipeline benchmark: small UBL flows dropped into a partner's depot (written under a temporary
 * name, then renamed, as EDI clients do) until their comptes-rendus appear in retour/. The daemon runs as
 * its own process (`passerelle start`), as in production; this process is the partner's side (it drops the
 * files and watches retour/), so its own work is not counted against the daemon.
 *
 * For one database (PostgreSQL or embedded PGlite) it tells the whole story (issue 13): bursts of 1,000 and
 * 5,000 flows (flows/s over the whole burst and between its 10th and 90th percentile), flows paced at 100
 * and 200 a second (rate achieved, p50/p99 latency from the rename into depot/ to the compte-rendu), CPU
 * milliseconds a flow of the daemon and of PostgreSQL's backends (from /proc), SQL statements a flow (counted
 * by bench/sql-count.mjs), pg-boss's own rate on the same kind of database and the ratio of the two, and the
 * daemon's peak RSS. `benchSoak()` paces 100 flows/s for ten minutes and samples RSS every 10 s.
 *
 * Sizes: BENCH_BURSTS (default "1000,5000"), BENCH_PACED (default "100,200"), BENCH_PACED_SECONDS (default 60),
 * SOAK_MINUTES (default 10); "" runs none. BENCH_BURST_WRITE=1 writes a burst's files in its own time (see
 * burst()). BENCH_EXTRA merges JSON into the daemon's configuration; BENCH_CPU_PROF=<folder> profiles the
 * daemon's threads (see bench/profile-top.ts); BENCH_DAEMON_LOG=<file> keeps the daemon's log and, beside it,
 * each paced flow's deposit and compte-rendu times (`<file>.<label>.json`, see bench/paced-stages.ts).
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  watch,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { stringify } from 'yaml';
import { daemonInfoPath } from '../src/gateway/lock.ts';
import { mailboxPaths } from '../src/store/mailboxes.ts';
import { freePort } from './memory.ts';

const CORPUS = fileURLToPath(new URL('../test/corpus/', import.meta.url));
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** /proc's clock ticks (USER_HZ). */
const TICKS = 100;

type Kind = 'postgres' | 'pglite';

export interface BurstFigures {
  flows: number;
  /** How long renaming the flows into depot/ took (the bench sees no compte-rendu meanwhile). */
  dropMs: number;
  /** Whole burst: first drop to last compte-rendu. */
  flowsPerSecond: number;
  /** Between the 10th and the 90th percentile of arrivals (the steady rate, without start and tail). */
  steadyFlowsPerSecond: number;
  daemonCpuMsPerFlow: number;
  /** All the daemon's backends, pg-boss's included. NaN on PGlite (it runs inside the daemon: its CPU is in the daemon's). */
  postgresCpuMsPerFlow: number;
  /** Of which pg-boss's own connections (fetch, completion, maintenance); the job inserts run in ours. */
  queueCpuMsPerFlow: number;
  /** Statements the daemon sent through node-postgres (NaN on PGlite). */
  statementsPerFlow: number;
}

export interface PacedFigures {
  rate: number;
  seconds: number;
  /** Flows sent / (last compte-rendu − first drop). */
  achieved: number;
  p50ms: number;
  p99ms: number;
  /** The daemon's CPU (all its threads) from the first drop to the last compte-rendu, a flow. */
  daemonCpuMsPerFlow: number;
}

export interface SftpFigures {
  files: number;
  bytesEach: number;
  /** Files / seconds the SFTP client took to upload them all (one session, `put` after `put`). */
  uploadedPerSecond: number;
  /** Files / seconds from the start of the upload to the last compte-rendu in retour/. */
  flowsPerSecond: number;
}

/** SFTP into the full daemon on PostgreSQL, measured once by bench/sftp.ts (1,000 × 5 KB, issue 13 item 5). */
export const SFTP_DAEMON_ANCHOR_FILES_PER_SECOND = 128;

export interface PipelineStory {
  kind: Kind;
  bursts: BurstFigures[];
  paced: PacedFigures[];
  /** pg-boss alone on the same kind of database: jobs sent in bulk, then worked and completed. */
  queueJobsPerSecond: number;
  /** Small invoices uploaded over SFTP into the daemon (PostgreSQL only). */
  sftp?: SftpFigures;
  peakRssMB: number;
}

/** The p-th percentile of sorted values (nearest rank). */
export const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** A list of sizes; an empty one ("") runs none. */
const numbers = (v: string | undefined, dflt: number[]) =>
  v !== undefined
    ? v
        .split(',')
        .map(Number)
        .filter((n) => n > 0)
    : dflt;

function procCpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / TICKS;
  } catch {
    return NaN;
  }
}

function procMemoryMB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Local ports of the TCP connections a process holds (its sockets' inodes, looked up in /proc/net/tcp*). */
function localTcpPorts(pid: number): number[] {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        /* closed meanwhile */
      }
    }
  } catch {
    return [];
  }
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6'])
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && inodes.has(f[9]!)) ports.push(parseInt(f[1]!.split(':')[1]!, 16));
    }
  return ports;
}

/** The daemon under bench: its own process, data folder and (on PostgreSQL) schema, and its partner's mailbox. */
export class BenchDaemon {
  readonly kind: Kind;
  readonly #dataDir: string;
  readonly #schema: string;
  readonly #databaseUrl: string;
  readonly #configFile: string;
  readonly #box: ReturnType<typeof mailboxPaths>;
  readonly #template: string;
  /** The daemon's processes: one, or several sharing the data folder and the database (addNode). */
  readonly #nodes: Array<{ process: ChildProcess; countFile: string }> = [];
  /** Arrival time of each compte-rendu, by the original file name it answers. */
  readonly seen = new Map<string, number>();
  #watcher: ReturnType<typeof watch> | null = null;
  #client: pg.Client | null = null;

  /**
   * `cpus`: a `taskset -c` list the daemon's process is limited to (e.g. `0`); `httpPort`: HTTP on (default
   * off); `sftp`: SFTP on this port, the partner logging in with this public key (default off).
   */
  constructor(
    kind: Kind,
    opts: { databaseUrl?: string; cpus?: string; httpPort?: number; sftp?: { port: number; publicKey: string } } = {},
  ) {
    this.kind = kind;
    this.#databaseUrl = opts.databaseUrl ?? DATABASE_URL;
    this.#dataDir = mkdtempSync(path.join(os.tmpdir(), `passerelle-bench-${kind}-`));
    this.#schema = `bench_${Date.now()}`;
    this.#configFile = path.join(this.#dataDir, 'passerelle.yaml');
    writeFileSync(
      this.#configFile,
      stringify({
        dataDir: this.#dataDir,
        http: { port: opts.httpPort ?? 0 },
        sftp: { port: opts.sftp?.port ?? 0 },
        schemas: { fetchOnStart: false },
        log: { level: 'warn' },
        partners: [
          {
            code: 'BENCH1',
            name: 'Bench',
            ...(opts.sftp ? { sftp: { authorizedKeys: [opts.sftp.publicKey] } } : {}),
          },
        ],
        ...(kind === 'postgres' ? { databaseUrl: this.#databaseUrl, databaseSchema: this.#schema } : {}),
        ...(process.env.BENCH_EXTRA ? (JSON.parse(process.env.BENCH_EXTRA) as object) : {}),
      }),
    );
    this.#spawn(opts.cpus);
    this.#box = mailboxPaths(this.#dataDir, 'BENCH1');
    this.#template = readFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example1.xml'), 'utf8');
  }

  /** The first node's process. */
  get process(): ChildProcess {
    return this.#nodes[0]!.process;
  }

  #spawn(cpus: string | undefined): ChildProcess {
    const countFile = path.join(this.#dataDir, `statements.${this.#nodes.length}.json`);
    // BENCH_CPU_PROF=<folder>: every thread of the daemon writes a V8 CPU profile there when it stops
    // (`node bench/profile-top.ts <folder>` sums them up by function and by area).
    const prof = process.env.BENCH_CPU_PROF
      ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(process.env.BENCH_CPU_PROF, `node${this.#nodes.length}`)]
      : [];
    // BENCH_NODE_ARGS: more flags for the daemon's node (e.g. `--trace-gc`, which NODE_OPTIONS refuses).
    const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const node = [
      process.execPath,
      ...prof,
      ...nodeArgs,
      '--import',
      fileURLToPath(new URL('./sql-count.mjs', import.meta.url)),
      fileURLToPath(new URL('../bin/passerelle.js', import.meta.url)),
      'start',
      '--config',
      this.#configFile,
    ];
    const argv = cpus ? ['taskset', '-c', cpus, ...node] : node;
    // BENCH_DAEMON_LOG: a file the daemon's log goes to (with BENCH_EXTRA='{"log":{"level":"debug"}}', per-stage times).
    const logFile = process.env.BENCH_DAEMON_LOG;
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ['ignore', logFile ? openSync(logFile, 'a') : 'ignore', 'inherit'],
      // PGAPPNAME names the daemon's PostgreSQL connections, so that their backends can be found.
      env: { ...process.env, CI: '1', PGAPPNAME: this.#schema, SQL_COUNT_FILE: countFile },
    });
    this.#nodes.push({ process: child, countFile });
    return child;
  }

  /** The daemon has written its info file (the last node to start writes it: its pid is there). */
  async #started(child: ChildProcess): Promise<void> {
    const info = daemonInfoPath(this.#dataDir, this.kind === 'postgres');
    const up = Date.now() + 120000;
    const mine = () => {
      try {
        return (JSON.parse(readFileSync(info, 'utf8')) as { pid: number }).pid === child.pid;
      } catch {
        return false;
      }
    };
    while (!mine() || !existsSync(this.#box.retour)) {
      if (Date.now() > up || child.exitCode !== null) throw new Error('the daemon did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** One more daemon on the same data folder and database (the deploy guide's shape), limited to `cpus`. */
  async addNode(cpus?: string): Promise<void> {
    if (this.kind !== 'postgres') throw new Error('several nodes need PostgreSQL');
    await this.#started(this.#spawn(cpus));
  }

  async ready(): Promise<void> {
    await this.#started(this.process);
    this.#watcher = watch(this.#box.retour, (_e, name) => {
      if (!name || !name.startsWith('FEN1200A_')) return;
      const at = performance.now();
      try {
        const m = /<IdFlux>([^<]+)<\/IdFlux>/.exec(readFileSync(path.join(this.#box.retour, name), 'utf8'));
        if (m && !this.seen.has(m[1]!)) this.seen.set(m[1]!, at);
      } catch {
        /* renamed away or not yet complete: the next event catches it */
      }
    });
    if (this.kind === 'postgres') {
      this.#client = new pg.Client({ connectionString: this.#databaseUrl, application_name: 'passerelle-bench' });
      await this.#client.connect();
    }
  }

  /** Drops `bytes` under `name` (temporary name, then renamed). */
  dropBytes(name: string, bytes: Buffer): void {
    const tmp = path.join(this.#box.depot, `${name}.tmp`);
    writeFileSync(tmp, bytes);
    renameSync(tmp, path.join(this.#box.depot, name));
  }

  drop(name: string): void {
    // Distinct bytes per flow, else they would be rejected as duplicates.
    const tmp = path.join(this.#box.depot, `${name}.tmp`);
    writeFileSync(tmp, this.#template.replace('<cbc:ID>', `<!-- ${name} --><cbc:ID>`));
    renameSync(tmp, path.join(this.#box.depot, name));
  }

  /**
   * Writes a flow as drop() does, but outside depot/ (same file system), for dropStaged() to move in later:
   * a burst is the files' arrival, not their writing. Written in the burst's own time, the 5,000 files took
   * this process 3.2 s on this machine's disk, during which it neither saw comptes-rendus nor left the
   * daemon both cores.
   */
  stage(name: string): void {
    mkdirSync(this.#staging, { recursive: true });
    writeFileSync(path.join(this.#staging, name), this.#template.replace('<cbc:ID>', `<!-- ${name} --><cbc:ID>`));
  }

  dropStaged(name: string): void {
    renameSync(path.join(this.#staging, name), path.join(this.#box.depot, name));
  }

  get #staging(): string {
    return path.join(this.#dataDir, 'bench-staging');
  }

  async waitFor(names: string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (names.some((n) => !this.seen.has(n))) {
      if (Date.now() > deadline || this.#nodes.some((n) => n.process.exitCode !== null))
        throw new Error(`only ${names.filter((n) => this.seen.has(n)).length}/${names.length} comptes-rendus arrived`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * CPU seconds so far: the daemon (all its threads), PostgreSQL's backends serving it (by pid), statements
   * sent. `backends` are all the daemon's connections, found by their client ports (pg-boss names its own
   * `pgboss:<id>`, so the application name finds only ours); `queueBackends` are pg-boss's among them.
   */
  async counters(): Promise<{
    daemon: number;
    backends: Map<number, number>;
    queueBackends: Set<number>;
    statements: number;
  }> {
    let daemon = 0;
    for (const n of this.#nodes) daemon += procCpuSeconds(n.process.pid!);
    const backends = new Map<number, number>();
    const queueBackends = new Set<number>();
    if (this.#client) {
      const ports = this.#nodes.flatMap((n) => localTcpPorts(n.process.pid!));
      const { rows } = await this.#client.query<{ pid: number; app: string }>(
        `SELECT pid, application_name AS app FROM pg_stat_activity
         WHERE application_name = $1 OR (client_port = ANY($2::int[]) AND client_addr IN ('127.0.0.1', '::1'))`,
        [this.#schema, ports],
      );
      for (const { pid, app } of rows) {
        backends.set(pid, procCpuSeconds(pid));
        if (app !== this.#schema) queueBackends.add(pid);
      }
    }
    let statements = 0;
    for (const n of Object.values(this.statementsByText())) statements += n;
    return { daemon, backends, queueBackends, statements };
  }

  /** The daemon's PostgreSQL schema (its queue's is `<schema>_boss`) and the bench's own connection. */
  get schema(): string {
    return this.#schema;
  }

  get client(): pg.Client | null {
    return this.#client;
  }

  /** Statements sent so far, by their first 70 characters (bench/sql-count.mjs). */
  statementsByText(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const { countFile } of this.#nodes)
      if (existsSync(countFile))
        for (const [k, v] of Object.entries(JSON.parse(readFileSync(countFile, 'utf8')) as Record<string, number>))
          out[k] = (out[k] ?? 0) + v;
    return out;
  }

  rssMB(): number {
    return procMemoryMB(this.process.pid!, 'VmRSS');
  }

  peakRssMB(): number {
    return procMemoryMB(this.process.pid!, 'VmHWM');
  }

  async stop(): Promise<void> {
    this.#watcher?.close();
    for (const { process: p } of this.#nodes) p.kill('SIGTERM');
    await Promise.all(
      this.#nodes.map(({ process: p }) => new Promise((r) => (p.exitCode !== null ? r(undefined) : p.once('exit', r)))),
    );
    if (this.#client) {
      await this.#client.query(`DROP SCHEMA IF EXISTS "${this.#schema}" CASCADE`);
      await this.#client.query(`DROP SCHEMA IF EXISTS "${this.#schema}_boss" CASCADE`);
      await this.#client.end();
    }
    rmSync(this.#dataDir, { recursive: true, force: true });
  }
}

/**
 * All flows dropped at once (written beforehand, then renamed into depot/ one after the other; with
 * BENCH_BURST_WRITE=1 written in the burst's own time, as before 2026-11-30's sixth session); CPU and
 * statements counted from the first drop to the last compte-rendu.
 */
async function burst(d: BenchDaemon, n: number, label: string): Promise<BurstFigures> {
  const names = Array.from({ length: n }, (_, i) => `${label}-${i}.xml`);
  const written = process.env.BENCH_BURST_WRITE === '1';
  if (!written) names.forEach((x) => d.stage(x));
  const before = await d.counters();
  const t0 = performance.now();
  names.forEach((x) => (written ? d.drop(x) : d.dropStaged(x)));
  const dropMs = performance.now() - t0;
  await d.waitFor(names, 600000);
  // The statement counter is written every 250 ms by the daemon.
  await new Promise((r) => setTimeout(r, 400));
  const after = await d.counters();
  const arrivals = names.map((x) => d.seen.get(x)!).sort((a, b) => a - b);
  const p10 = percentile(arrivals, 10);
  const p90 = percentile(arrivals, 90);
  let backendSeconds = 0;
  let queueSeconds = 0;
  for (const [pid, s] of after.backends) {
    const used = s - (before.backends.get(pid) ?? 0);
    backendSeconds += used;
    if (after.queueBackends.has(pid)) queueSeconds += used;
  }
  return {
    flows: n,
    dropMs,
    flowsPerSecond: n / ((arrivals[arrivals.length - 1]! - t0) / 1000),
    steadyFlowsPerSecond: (0.8 * n) / ((p90 - p10) / 1000),
    daemonCpuMsPerFlow: ((after.daemon - before.daemon) * 1000) / n,
    postgresCpuMsPerFlow: d.kind === 'postgres' ? (backendSeconds * 1000) / n : NaN,
    queueCpuMsPerFlow: d.kind === 'postgres' ? (queueSeconds * 1000) / n : NaN,
    statementsPerFlow: d.kind === 'postgres' ? (after.statements - before.statements) / n : NaN,
  };
}

/** `rate` flows a second for `seconds`; latency from the rename into depot/ to the compte-rendu. */
async function paced(d: BenchDaemon, rate: number, seconds: number, label: string): Promise<PacedFigures> {
  const m = Math.round(rate * seconds);
  const names = Array.from({ length: m }, (_, i) => `${label}-${i}.xml`);
  const sent = new Map<string, number>();
  const before = await d.counters();
  const start = performance.now();
  for (let i = 0; i < m; i++) {
    const wait = start + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sent.set(names[i]!, performance.now());
    d.drop(names[i]!);
  }
  await d.waitFor(names, 600000);
  const after = await d.counters();
  // With the daemon's debug log, each flow's deposit and compte-rendu times beside it (bench/paced-stages.ts).
  const log = process.env.BENCH_DAEMON_LOG;
  if (log) {
    const epoch = (t: number) => Math.round(performance.timeOrigin + t);
    const times = Object.fromEntries(names.map((x) => [x, [epoch(sent.get(x)!), epoch(d.seen.get(x)!)]]));
    writeFileSync(`${log}.${label}.json`, JSON.stringify(times));
  }
  const latencies = names.map((x) => d.seen.get(x)! - sent.get(x)!).sort((a, b) => a - b);
  const last = Math.max(...names.map((x) => d.seen.get(x)!));
  return {
    rate,
    seconds,
    achieved: m / ((last - start) / 1000),
    p50ms: percentile(latencies, 50),
    p99ms: percentile(latencies, 99),
    daemonCpuMsPerFlow: ((after.daemon - before.daemon) * 1000) / m,
  };
}

/** An ed25519 key pair for the bench's SFTP client, in `dir`: the private key's path and the public key's line. */
function sftpClientKey(dir: string): { key: string; publicKey: string } {
  const key = path.join(dir, 'id_ed25519');
  execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  return { key, publicKey: readFileSync(`${key}.pub`, 'utf8').trim() };
}

/**
 * `n` small UBL invoices (5.4 KB, distinct bytes each) uploaded into the daemon's `/depot` over SFTP by
 * OpenSSH's `sftp -b` (one session, one `put` after the other, as bench/sftp.ts does): files/s of the
 * upload, and flows/s from its start to the last compte-rendu in retour/.
 */
async function sftpUploads(
  d: BenchDaemon,
  sftp: { port: number; key: string },
  n: number,
  label: string,
): Promise<SftpFigures> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'passerelle-bench-sftp-'));
  try {
    const template = readFileSync(path.join(CORPUS, 'valid/ubl/cen-sample-discount-price.xml'), 'utf8');
    const names = Array.from({ length: n }, (_, i) => `${label}-${i}.xml`);
    let bytesEach = 0;
    const lines = names.map((name) => {
      const body = template.replace('<cbc:ID>', `<!-- ${name} --><cbc:ID>`);
      bytesEach = Buffer.byteLength(body);
      writeFileSync(path.join(work, name), body);
      return `put ${path.join(work, name)} /depot/${name}`;
    });
    const batch = path.join(work, 'batch');
    writeFileSync(batch, lines.join('\n') + '\n');
    const args = ['-q', '-i', sftp.key, '-o', 'IdentitiesOnly=yes', '-o', 'StrictHostKeyChecking=no'];
    args.push('-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-P', String(sftp.port));
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const child = spawn('/usr/bin/sftp', [...args, '-b', batch, 'BENCH1@127.0.0.1'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`sftp exited ${code}: ${err.trim()}`))));
    });
    const uploaded = performance.now();
    await d.waitFor(names, 600000);
    const last = Math.max(...names.map((x) => d.seen.get(x)!));
    return {
      files: n,
      bytesEach,
      uploadedPerSecond: n / ((uploaded - t0) / 1000),
      flowsPerSecond: n / ((last - t0) / 1000),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** SFTP into the daemon alone (`npm run bench -- sftp-daemon`): a fresh daemon on PostgreSQL, warmed up, then BENCH_SFTP_FILES uploads. */
export async function benchSftpDaemon(): Promise<Record<string, number>> {
  const files = Number(process.env.BENCH_SFTP_FILES ?? 1000);
  const keyDir = mkdtempSync(path.join(os.tmpdir(), 'passerelle-bench-key-'));
  const client = sftpClientKey(keyDir);
  const port = await freePort();
  const d = new BenchDaemon('postgres', { sftp: { port, publicKey: client.publicKey } });
  try {
    await d.ready();
    await sftpUploads(d, { port, key: client.key }, 50, 'sftp-warm');
    const f = await sftpUploads(d, { port, key: client.key }, files, 'sftp');
    printSftp(f);
    return sftpResults(f);
  } finally {
    await d.stop();
    rmSync(keyDir, { recursive: true, force: true });
  }
}

function printSftp(f: SftpFigures): void {
  console.log(
    `  SFTP into the daemon, ${f.files} UBL invoices of ${(f.bytesEach / 1024).toFixed(1)} KB (OpenSSH sftp, one session; load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}): ` +
      `${f0(f.uploadedPerSecond)} files/s uploaded, ${f0(f.flowsPerSecond)} flows/s to compte-rendu — anchor ${SFTP_DAEMON_ANCHOR_FILES_PER_SECOND} files/s (bench/sftp.ts)`,
  );
}

function sftpResults(f: SftpFigures): Record<string, number> {
  return { 'pipeline.postgres.sftp.files/s': f.uploadedPerSecond, 'pipeline.postgres.sftp.flows/s': f.flowsPerSecond };
}

/**
 * pg-boss's own rate, the ceiling of any queue-driven pipeline: `jobs` jobs inserted in bulk into a fresh
 * queue, then worked in batches of 16 fetched again at once when full (as the daemon worked its flows queue
 * until its 4 lanes of 8; kept so the figure compares with earlier runs; empty handler) until all are completed.
 */
export async function queueRate(kind: Kind, jobs = 5000): Promise<number> {
  const { PgBoss, fromPglite } = await import('pg-boss');
  const schema = `benchq_${Date.now()}`;
  let close: () => Promise<unknown>;
  let boss: InstanceType<typeof PgBoss>;
  if (kind === 'postgres') {
    boss = new PgBoss({ connectionString: DATABASE_URL, schema, max: 4, superviseIntervalSeconds: 3600 });
    close = async () => {
      const c = new pg.Client({ connectionString: DATABASE_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    };
  } else {
    const { PGlite } = await import('@electric-sql/pglite');
    const db = new PGlite();
    boss = new PgBoss({ db: fromPglite(db), backend: 'pglite', schema, superviseIntervalSeconds: 3600 });
    close = () => db.close();
  }
  boss.on('error', () => undefined);
  try {
    await boss.start();
    await boss.createQueue('bench');
    for (let i = 0; i < jobs; i += 500)
      await boss.insert(
        'bench',
        Array.from({ length: Math.min(500, jobs - i) }, (_, k) => ({ data: { flowId: i + k } })),
      );
    let done = 0;
    const t0 = performance.now();
    const finished = new Promise<void>((resolve) => {
      void boss.work<{ flowId: number }>(
        'bench',
        { batchSize: 16, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true },
        async (batch) => {
          done += batch.length;
          if (done >= jobs) resolve();
          return Promise.resolve();
        },
      );
    });
    await finished;
    // The last batch is completed right after its handler returns.
    await new Promise((r) => setTimeout(r, 50));
    return jobs / ((performance.now() - t0) / 1000);
  } finally {
    await boss.stop({ graceful: false, timeout: 2000 }).catch(() => undefined);
    await close();
  }
}

export async function benchPipeline(kind: Kind): Promise<PipelineStory> {
  const burstSizes = numbers(process.env.BENCH_BURSTS, [1000, 5000]);
  const rates = numbers(process.env.BENCH_PACED, [100, 200]);
  const seconds = Number(process.env.BENCH_PACED_SECONDS ?? 60);
  // SFTP into the daemon (issue 13 item 5): on PostgreSQL, after the paced runs (BENCH_SFTP_FILES, 0 = none).
  const sftpFiles = kind === 'postgres' ? Number(process.env.BENCH_SFTP_FILES ?? 1000) : 0;
  const keyDir = mkdtempSync(path.join(os.tmpdir(), 'passerelle-bench-key-'));
  const client = sftpFiles > 0 ? { ...sftpClientKey(keyDir), port: await freePort() } : undefined;
  const d = new BenchDaemon(kind, client ? { sftp: client } : {});
  const story: PipelineStory = { kind, bursts: [], paced: [], queueJobsPerSecond: NaN, peakRssMB: NaN };
  try {
    await d.ready();
    // Warm-up (schema compilation, first queries, JIT).
    const warm = Array.from({ length: 50 }, (_, i) => `warm-${i}.xml`);
    warm.forEach((x) => d.drop(x));
    await d.waitFor(warm, 120000);
    for (const n of burstSizes) {
      story.bursts.push(await burst(d, n, `burst${n}`));
      await new Promise((r) => setTimeout(r, 2000)); // let the previous burst's chores settle
    }
    for (const rate of rates) story.paced.push(await paced(d, rate, seconds, `paced${rate}`));
    if (client) {
      await sftpUploads(d, client, 50, 'sftp-warm');
      story.sftp = await sftpUploads(d, client, sftpFiles, 'sftp');
    }
    story.peakRssMB = d.peakRssMB();
  } finally {
    await d.stop();
    rmSync(keyDir, { recursive: true, force: true });
  }
  story.queueJobsPerSecond = await queueRate(kind);
  return story;
}

const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '—');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');

/** The story as lines, each figure beside its goal (issue 13). */
export function printStory(s: PipelineStory): Record<string, number> {
  const goal = s.kind === 'postgres' ? 500 : 150;
  const out: Record<string, number> = {};
  console.log(
    `pipeline ${s.kind} (load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}):`,
  );
  for (const b of s.bursts) {
    console.log(
      `  burst ${b.flows} (dropped in ${f0(b.dropMs)} ms): ${f0(b.flowsPerSecond)} flows/s (${f0(b.steadyFlowsPerSecond)} between 10 % and 90 %) — goal ≥ ${goal}; ` +
        `CPU a flow: daemon ${f2(b.daemonCpuMsPerFlow)} ms, PostgreSQL ${f2(b.postgresCpuMsPerFlow)} ms (goal < 0.8; pg-boss's connections ${f2(b.queueCpuMsPerFlow)}) — ` +
        `all ≤ 4 ms for 500/s on 2 cores; ${f2(b.statementsPerFlow)} SQL statements a flow`,
    );
    const k = `pipeline.${s.kind}.burst${b.flows}`;
    out[`${k}.flows/s`] = b.flowsPerSecond;
    out[`${k}.steady/s`] = b.steadyFlowsPerSecond;
    out[`${k}.daemonCpuMs`] = b.daemonCpuMsPerFlow;
    if (s.kind === 'postgres') {
      out[`${k}.pgCpuMs`] = b.postgresCpuMsPerFlow;
      out[`${k}.pgBossCpuMs`] = b.queueCpuMsPerFlow;
      out[`${k}.statements`] = b.statementsPerFlow;
    }
  }
  for (const p of s.paced) {
    console.log(
      `  paced ${p.rate}/s for ${p.seconds} s: ${f0(p.achieved)}/s achieved, p50 ${f0(p.p50ms)} ms, p99 ${f0(p.p99ms)} ms — goal: keeps up, p99 < 1,000 ms; daemon CPU ${f2(p.daemonCpuMsPerFlow)} ms a flow`,
    );
    out[`pipeline.${s.kind}.p50ms@${p.rate}/s`] = p.p50ms;
    out[`pipeline.${s.kind}.p99ms@${p.rate}/s`] = p.p99ms;
    out[`pipeline.${s.kind}.achieved@${p.rate}/s`] = p.achieved;
  }
  if (s.sftp) {
    printSftp(s.sftp);
    Object.assign(out, sftpResults(s.sftp));
  }
  const best = Math.max(...s.bursts.map((b) => b.steadyFlowsPerSecond));
  console.log(
    `  pg-boss alone: ${f0(s.queueJobsPerSecond)} jobs/s; end to end / queue = ${f2((best / s.queueJobsPerSecond) * 100)} %`,
  );
  console.log(`  daemon peak RSS ${f0(s.peakRssMB)} MB`);
  out[`pipeline.${s.kind}.queueJobs/s`] = s.queueJobsPerSecond;
  out[`pipeline.${s.kind}.peakRssMB`] = s.peakRssMB;
  return out;
}

/** Ten minutes (SOAK_MINUTES) at 100 flows/s on PostgreSQL: RSS every 10 s, latency per minute. Not in CI. */
export async function benchSoak(kind: Kind = 'postgres'): Promise<Record<string, number>> {
  const minutes = Number(process.env.SOAK_MINUTES ?? 10);
  const rate = 100;
  const d = new BenchDaemon(kind);
  try {
    await d.ready();
    const warm = Array.from({ length: 50 }, (_, i) => `warm-${i}.xml`);
    warm.forEach((x) => d.drop(x));
    await d.waitFor(warm, 120000);
    const samples: Array<{ s: number; rss: number }> = [];
    const start = performance.now();
    const sampler = setInterval(
      () => samples.push({ s: Math.round((performance.now() - start) / 1000), rss: d.rssMB() }),
      10000,
    );
    const sent = new Map<string, number>();
    const total = minutes * 60 * rate;
    try {
      for (let i = 0; i < total; i++) {
        const wait = start + (i * 1000) / rate - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const name = `soak-${i}.xml`;
        sent.set(name, performance.now());
        d.drop(name);
      }
      await d.waitFor([...sent.keys()], 600000);
    } finally {
      clearInterval(sampler);
    }
    console.log(`soak ${kind}: ${total} flows at ${rate}/s over ${minutes} min`);
    for (let m = 0; m < minutes; m++) {
      const lat = [...sent.entries()]
        .filter(([n]) => {
          const i = Number(/soak-(\d+)/.exec(n)![1]);
          return i >= m * 60 * rate && i < (m + 1) * 60 * rate;
        })
        .map(([n, t]) => d.seen.get(n)! - t)
        .sort((a, b) => a - b);
      const rss = samples.filter((x) => x.s > m * 60 && x.s <= (m + 1) * 60).map((x) => x.rss);
      console.log(
        `  minute ${m + 1}: p50 ${f0(percentile(lat, 50))} ms, p99 ${f0(percentile(lat, 99))} ms; RSS ${rss.map(f0).join(' ')} MB`,
      );
    }
    const first = samples.find((x) => x.s >= 60)?.rss ?? samples[0]?.rss ?? NaN;
    const last = samples[samples.length - 1]?.rss ?? NaN;
    console.log(`  RSS after minute 1: ${f0(first)} MB; at the end: ${f0(last)} MB — goal: flat`);
    return {
      [`soak.${kind}.rssStartMB`]: first,
      [`soak.${kind}.rssEndMB`]: last,
      [`soak.${kind}.peakRssMB`]: d.peakRssMB(),
    };
  } finally {
    await d.stop();
  }
}

/**
 * Scale-out (issue 13 item 6): one daemon limited to one core (`taskset -c 0`) against two daemons on one
 * PostgreSQL and one data folder, each limited to its own core (`-c 0`, `-c 1`), on the same burst
 * (BENCH_SCALE_FLOWS, default 3,000). PostgreSQL itself is not limited: on a 2-core machine its backends
 * share the daemons' cores, which the printed PostgreSQL CPU a flow lets you account for.
 */
export async function benchScaleOut(): Promise<Record<string, number>> {
  const flows = Number(process.env.BENCH_SCALE_FLOWS ?? 3000);
  const out: Record<string, number> = {};
  for (const nodes of [1, 2]) {
    const d = new BenchDaemon('postgres', { cpus: '0' });
    try {
      await d.ready();
      if (nodes === 2) await d.addNode('1');
      const warm = Array.from({ length: 50 }, (_, i) => `warm-${i}.xml`);
      warm.forEach((x) => d.drop(x));
      await d.waitFor(warm, 120000);
      const b = await burst(d, flows, `scale${nodes}`);
      console.log(
        `scale-out: ${nodes} daemon${nodes > 1 ? 's, one core each' : ' on one core'}: ${f0(b.flowsPerSecond)} flows/s ` +
          `(${f0(b.steadyFlowsPerSecond)} between 10 % and 90 %); CPU a flow: daemons ${f2(b.daemonCpuMsPerFlow)} ms, PostgreSQL ${f2(b.postgresCpuMsPerFlow)} ms`,
      );
      out[`scaleout.${nodes}.flows/s`] = b.flowsPerSecond;
      out[`scaleout.${nodes}.steady/s`] = b.steadyFlowsPerSecond;
    } finally {
      await d.stop();
    }
  }
  const gain = out['scaleout.2.steady/s']! / out['scaleout.1.steady/s']!;
  console.log(`scale-out: two daemons / one = ${f2(gain)} × (goal: > 1)`);
  out['scaleout.gain'] = gain;
  return out;
}

/**
 * No flow blocks the others (issue 13 item 4): small flows paced at BENCH_MIXED_RATE (default 50/s) for 15 s
 * alone, then for 30 s with one valid 29 MiB invoice dropped 3 s in; `/health` asked every 20 ms throughout
 * (its slowest answer bounds the event loop's stalls). Prints the small flows' p50/p99 in both phases, the
 * large flow's latency, the slowest `/health`, and the daemon's peak RSS.
 */
export async function benchMixed(kind: Kind): Promise<Record<string, number>> {
  const rate = Number(process.env.BENCH_MIXED_RATE ?? 50);
  const { largeValidUbl } = await import('../test/helpers/hostile.ts');
  const big = largeValidUbl(29 * 1024 * 1024, 'mixed-big');
  const port = await freePort();
  const d = new BenchDaemon(kind, { httpPort: port });
  try {
    await d.ready();
    const warm = Array.from({ length: 50 }, (_, i) => `warm-${i}.xml`);
    warm.forEach((x) => d.drop(x));
    await d.waitFor(warm, 120000);
    let slowest = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const t0 = performance.now();
        try {
          await (await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(60000) })).text();
        } catch {
          slowest = Infinity;
        }
        const ms = performance.now() - t0;
        slowest = Math.max(slowest, ms);
        await new Promise((r) => setTimeout(r, Math.max(0, 20 - ms)));
      }
    })();
    const alone = await paced(d, rate, 15, 'alone');
    const healthAlone = slowest;
    slowest = 0;
    let bigSent = 0;
    const dropBig = setTimeout(() => {
      bigSent = performance.now();
      d.dropBytes('mixed-big.xml', big);
    }, 3000);
    const beside = await paced(d, rate, 30, 'beside');
    clearTimeout(dropBig);
    await d.waitFor(['mixed-big.xml'], 600000);
    const bigMs = d.seen.get('mixed-big.xml')! - bigSent;
    polling = false;
    await poller;
    const peak = d.peakRssMB();
    console.log(
      `mixed ${kind} (small flows at ${rate}/s; load average ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}):`,
    );
    console.log(`  alone: p50 ${f0(alone.p50ms)} ms, p99 ${f0(alone.p99ms)} ms; slowest /health ${f0(healthAlone)} ms`);
    console.log(
      `  beside one 29 MiB flow: p50 ${f0(beside.p50ms)} ms, p99 ${f0(beside.p99ms)} ms (goal < 1,000); slowest /health ${f0(slowest)} ms (goal < 50); ` +
        `the large flow answered in ${f0(bigMs)} ms; daemon peak RSS ${f0(peak)} MB`,
    );
    return {
      [`mixed.${kind}.p99ms.alone`]: alone.p99ms,
      [`mixed.${kind}.p99ms.beside`]: beside.p99ms,
      [`mixed.${kind}.slowestHealthMs`]: slowest,
      [`mixed.${kind}.largeFlowMs`]: bigMs,
    };
  } finally {
    await d.stop();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const kind = (process.argv[2] as Kind | undefined) ?? 'postgres';
  printStory(await benchPipeline(kind));
  process.exit(0);
}
