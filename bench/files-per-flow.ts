/**
 * File-system work per flow, counted (not timed: counts do not depend on the machine's load). The daemon
 * runs as its own process under `strace -ff`; two bursts of different sizes are dropped into a partner's
 * depot and the difference between the two runs, divided by the difference in flows, is what one flow
 * costs: files created, removed and renamed, fsyncs, and every file-system syscall. The partner's own
 * writes (this process) are not counted. Needs strace. Run: `node bench/files-per-flow.ts [postgres|pglite]`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { daemonInfoPath } from '../src/gateway/lock.ts';
import { mailboxPaths } from '../src/store/mailboxes.ts';

const CORPUS = fileURLToPath(new URL('../test/corpus/', import.meta.url));

type Counts = Record<string, number>;

async function run(kind: 'postgres' | 'pglite', flows: number): Promise<Counts> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `passerelle-files-${kind}-`));
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const databaseSchema = `files_${Date.now()}`;
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
      ...(kind === 'postgres' ? { databaseUrl, databaseSchema } : {}),
    }),
  );
  const trace = path.join(dataDir, 'strace.txt');
  const daemon = spawn(
    'strace',
    [
      // One log per thread: no call is split into `unfinished` / `resumed` halves.
      '-ff',
      '-qq',
      '-o',
      trace,
      '-e',
      'trace=%file,write,pwrite64,writev,fsync,fdatasync',
      process.execPath,
      fileURLToPath(new URL('../bin/passerelle.js', import.meta.url)),
      'start',
      '--config',
      configFile,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, CI: '1' } },
  );
  const box = mailboxPaths(dataDir, 'BENCH1');
  const template = readFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example1.xml'), 'utf8');
  try {
    const up = Date.now() + 180000;
    while (!existsSync(daemonInfoPath(dataDir, kind === 'postgres')) || !existsSync(box.retour)) {
      if (Date.now() > up || daemon.exitCode !== null) throw new Error('the daemon did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let i = 0; i < flows; i++) {
      const name = `flow-${i}.xml`;
      writeFileSync(path.join(box.depot, `${name}.tmp`), template.replace('<cbc:ID>', `<!-- ${name} --><cbc:ID>`));
      renameSync(path.join(box.depot, `${name}.tmp`), path.join(box.depot, name));
    }
    const deadline = Date.now() + 600000;
    while (readdirSync(box.retour).filter((n) => n.startsWith('FEN1200A_')).length < flows) {
      if (Date.now() > deadline) throw new Error('comptes-rendus missing');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Let the last delivery marks and spool removals end.
    await new Promise((r) => setTimeout(r, 1500));
  } finally {
    // Stopped as in production: SIGTERM to the daemon itself (strace, the parent, then ends with it).
    const traced = readFileSync(`/proc/${daemon.pid}/task/${daemon.pid}/children`, 'utf8').trim().split(/\s+/)[0];
    process.kill(traced ? Number(traced) : daemon.pid!, 'SIGTERM');
    await new Promise((r) => (daemon.exitCode !== null ? r(undefined) : daemon.once('exit', r)));
    if (kind === 'postgres') {
      const pg = await import('pg');
      const c = new pg.default.Client({ connectionString: databaseUrl });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${databaseSchema}" CASCADE`);
      await c.query(`DROP SCHEMA IF EXISTS "${databaseSchema}_boss" CASCADE`);
      await c.end();
    }
  }
  const logs = readdirSync(dataDir)
    .filter((n) => n.startsWith('strace.txt.'))
    .map((n) => readFileSync(path.join(dataDir, n), 'utf8'));
  const counts = count(logs.join('\n'), dataDir);
  if (process.env.FILES_KEEP) writeFileSync(`${process.env.FILES_KEEP}-${flows}.txt`, logs.join('\n'));
  rmSync(dataDir, { recursive: true, force: true });
  return counts;
}

/**
 * Counts the syscalls of the daemon's strace logs, and among them those on the data folder's files
 * (`onDataDir`: the total also holds the process's other file work, e.g. reading /proc, which varies
 * from run to run and is not per flow).
 */
function count(log: string, dataDir: string): Counts {
  const c: Counts = { syscalls: 0, onDataDir: 0, created: 0, removed: 0, renamed: 0, fsync: 0, opened: 0, stat: 0 };
  const add = (k: string) => (c[k] = (c[k] ?? 0) + 1);
  for (const line of log.split('\n')) {
    const m = /^(\w+)\(/.exec(line);
    if (!m) continue;
    const call = m[1]!;
    // Writes to sockets and pipes (PostgreSQL, logs) are not file-system work.
    if (/^(write|pwrite64|writev)$/.test(call)) continue;
    add('syscalls');
    add(`call:${call}`);
    const ok = !/= -1 /.test(line);
    if (call === 'fsync' || call === 'fdatasync') add('fsync');
    if (!line.includes(dataDir) && !line.includes('/proc/self/fd/')) continue;
    add('onDataDir');
    if (/^open/.test(call)) {
      if (line.includes('O_CREAT') && ok) add('created');
      else add('opened');
    }
    if (/^(unlink|unlinkat|rmdir)$/.test(call) && ok) add('removed');
    if (/^rename/.test(call) && ok) add('renamed');
    if (/stat|access/.test(call)) add('stat');
  }
  return c;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const kind = (process.argv[2] as 'postgres' | 'pglite') ?? 'postgres';
  const small = Number(process.env.FILES_SMALL ?? 20);
  const large = Number(process.env.FILES_LARGE ?? 220);
  const a = await run(kind, small);
  const b = await run(kind, large);
  const per: Record<string, number> = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
    per[k] = Math.round((((b[k] ?? 0) - (a[k] ?? 0)) / (large - small)) * 100) / 100;
  const main = ['created', 'removed', 'renamed', 'fsync', 'opened', 'stat', 'onDataDir', 'syscalls'];
  console.log(
    JSON.stringify({ kind, flows: [small, large], perFlow: Object.fromEntries(main.map((k) => [k, per[k]])) }),
  );
  const calls = Object.entries(per)
    .filter(([k, v]) => k.startsWith('call:') && Math.abs(v) >= 0.05)
    .sort((x, y) => y[1] - x[1]);
  console.log(JSON.stringify(Object.fromEntries(calls)));
}
