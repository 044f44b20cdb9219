/**
 * SFTP figures with OpenSSH's `sftp -b` as the client: one 30 MB upload (MB/s) and 1,000 uploads of 5 KB
 * (files/s), against our server (test intake) and, when /usr/sbin/sshd exists, against OpenSSH's own
 * sshd with internal-sftp on a loopback port. The machine is shared and noisy, so the targets take turns
 * for SFTP_BENCH_ROUNDS rounds (default 5) and the medians are reported. Also the server's RSS around the
 * first big upload, and files/s into the full daemon (real intake: one database transaction per flow).
 * Run alone: `node bench/sftp.ts` (or through `npm run bench -- sftp`).
 * SFTP_BENCH_COMPARE=<other tree>/test/helpers/sftp.ts adds an older server as a third target.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildConfig } from '../src/config.ts';
import { Daemon } from '../src/gateway/daemon.ts';
import { silentLogger } from '../src/log.ts';
import { startTestSftp } from '../test/helpers/sftp.ts';

const BIG_MB = 30;
const SMALL_COUNT = 1000;
const SMALL_BYTES = 5 * 1024;

function runSftp(args: string[]): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/sftp', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('close', (code) =>
      code === 0 ? resolve((performance.now() - t0) / 1000) : reject(new Error(`sftp exited ${code}: ${err.trim()}`)),
    );
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((res) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), res(true))).on('error', () => res(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`port ${port} not listening`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const round1 = (n: number): number => Math.round(n * 10) / 10;

interface Target {
  name: string;
  port: number;
  user: string;
  /** Remote folder the uploads go to. */
  dir: string;
  big: number[];
  small: number[];
}

/** Writes the workload once: a 30 MB file, 1,000 distinct 5 KB XML files, and the batch files per folder. */
function prepare(work: string): void {
  // Written in chunks so the bench itself holds no 30 MB buffer that would blur the RSS figures.
  const fd = openSync(path.join(work, 'big.xml'), 'w');
  for (let i = 0; i < BIG_MB; i++) writeSync(fd, randomBytes(1024 * 1024));
  closeSync(fd);
  mkdirSync(path.join(work, 'small'));
  for (let i = 0; i < SMALL_COUNT; i++) {
    // Distinct bytes per file: the full daemon would refuse identical ones as duplicates.
    const body = `<Invoice><ID>${i}</ID><Note>${randomBytes(SMALL_BYTES).toString('hex')}</Note></Invoice>\n`;
    writeFileSync(path.join(work, 'small', `f${i}.xml`), body.slice(0, SMALL_BYTES - 11) + '</Invoice>\n');
  }
}

function clientArgs(key: string, port: number): string[] {
  return [
    '-q',
    '-i',
    key,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-P',
    String(port),
  ];
}

async function uploadBig(work: string, key: string, t: { port: number; user: string; dir: string }): Promise<number> {
  const batch = path.join(work, `big-${t.port}.batch`);
  writeFileSync(batch, `put ${path.join(work, 'big.xml')} ${t.dir}/big.xml\n`);
  return BIG_MB / (await runSftp([...clientArgs(key, t.port), '-b', batch, `${t.user}@127.0.0.1`]));
}

async function uploadSmall(work: string, key: string, t: { port: number; user: string; dir: string }): Promise<number> {
  const batch = path.join(work, `small-${t.port}.batch`);
  const lines: string[] = [];
  for (let i = 0; i < SMALL_COUNT; i++) lines.push(`put ${path.join(work, 'small', `f${i}.xml`)} ${t.dir}/f${i}.xml`);
  writeFileSync(batch, lines.join('\n') + '\n');
  return SMALL_COUNT / (await runSftp([...clientArgs(key, t.port), '-b', batch, `${t.user}@127.0.0.1`]));
}

/** OpenSSH's sshd with internal-sftp on a loopback port; undefined (and why) when it cannot run here. */
async function startSshd(work: string, key: string): Promise<{ port: number; dir: string; stop: () => void } | string> {
  if (!existsSync('/usr/sbin/sshd')) return 'skipped: /usr/sbin/sshd not installed (apt-get install -y openssh-server)';
  const dir = path.join(work, 'sshd');
  mkdirSync(path.join(dir, 'upload'), { recursive: true });
  execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(`${key}.pub`), { mode: 0o600 });
  const port = await freePort();
  const config = path.join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(dir, 'host_key')}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'Subsystem sftp internal-sftp',
    ].join('\n') + '\n',
  );
  // sshd insists on its privilege-separation directory.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: 'ignore' });
  try {
    await waitForPort(port);
  } catch (e) {
    sshd.kill('SIGTERM');
    return `skipped: ${(e as Error).message}`;
  }
  return { port, dir: path.join(dir, 'upload'), stop: () => sshd.kill('SIGTERM') };
}

/** Files/s of the small workload into the real daemon (PGlite, or PostgreSQL with BENCH_DATABASE_URL). */
async function againstDaemon(work: string, key: string, rounds: number): Promise<{ kind: string; fps: number[] }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bench-sftp-daemon-'));
  const port = await freePort();
  const config = buildConfig(
    {
      dataDir,
      http: { port: 0 },
      sftp: { port },
      schemas: { fetchOnStart: false },
      partners: [
        { code: 'BENCH1', name: 'Bench', sftp: { authorizedKeys: [readFileSync(`${key}.pub`, 'utf8').trim()] } },
      ],
    },
    {},
  );
  const kind = process.env.BENCH_DATABASE_URL ? 'postgres' : 'pglite';
  if (process.env.BENCH_DATABASE_URL) {
    config.databaseUrl = process.env.BENCH_DATABASE_URL;
    config.databaseSchema = `bench_sftp_${Date.now()}`;
  }
  const daemon = new Daemon({ config, logger: silentLogger });
  await daemon.start();
  const fps: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) fps.push(await uploadSmall(work, key, { port, user: 'BENCH1', dir: '/depot' }));
  } finally {
    await daemon.stop();
    if (config.databaseSchema && config.databaseUrl) {
      const pg = await import('pg');
      const c = new pg.default.Client({ connectionString: config.databaseUrl });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${config.databaseSchema}" CASCADE`);
      await c.query(`DROP SCHEMA IF EXISTS "${config.databaseSchema}_boss" CASCADE`);
      await c.end();
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { kind, fps };
}

export async function benchSftp(): Promise<Record<string, number>> {
  const rounds = Math.max(1, Number(process.env.SFTP_BENCH_ROUNDS ?? 5));
  const work = mkdtempSync(path.join(os.tmpdir(), 'bench-sftp-'));
  const key = path.join(work, 'id_ed25519');
  execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  prepare(work);
  const partners = [{ code: 'BENCH1', sftpAuthorizedKeys: [readFileSync(`${key}.pub`, 'utf8')] }];
  const opts = { partners, maxFlowSizeKo: 100_000, keepLogs: false };
  const ours = await startTestSftp(opts);
  const compareModule = process.env.SFTP_BENCH_COMPARE;
  const older = compareModule
    ? await (
        (await import(pathToFileURL(path.resolve(compareModule)).href)) as { startTestSftp: typeof startTestSftp }
      ).startTestSftp(opts)
    : undefined;
  const sshd = await startSshd(work, key);
  const targets: Target[] = [{ name: 'sftp', port: ours.port, user: 'BENCH1', dir: '/depot', big: [], small: [] }];
  if (older)
    targets.push({ name: 'sftp_compare', port: older.port, user: 'BENCH1', dir: '/depot', big: [], small: [] });
  if (typeof sshd === 'string') console.log(`sftp bench: OpenSSH sshd comparison ${sshd}`);
  else targets.push({ name: 'sshd', port: sshd.port, user: os.userInfo().username, dir: sshd.dir, big: [], small: [] });

  const out: Record<string, number> = {};
  const mb = (n: number): number => round1(n / 1024 / 1024);
  try {
    // Memory: our server around its first 30 MB upload (the bench and the server share this process).
    globalThis.gc?.();
    out.sftp_rss_before_mb = mb(process.memoryUsage().rss);
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    targets[0]!.big.push(await uploadBig(work, key, targets[0]!));
    clearInterval(sampler);
    out.sftp_rss_peak_mb = mb(peak);
    out.sftp_rss_after_mb = mb(process.memoryUsage().rss);
    for (let r = 0; r < rounds; r++) {
      for (const t of targets) {
        if (!(r === 0 && t === targets[0])) t.big.push(await uploadBig(work, key, t));
        t.small.push(await uploadSmall(work, key, t));
      }
    }
    const expected = rounds * (1 + SMALL_COUNT);
    if (ours.intake.claims.length !== expected)
      throw new Error(`expected ${expected} flows claimed, got ${ours.intake.claims.length}`);
    for (const t of targets) {
      out[`${t.name}_upload_30mb_mb_per_s`] = round1(median(t.big));
      out[`${t.name}_5kb_files_per_s`] = Math.round(median(t.small));
      console.log(
        `sftp bench ${t.name}: 30 MB ${t.big.map(round1).join(', ')} MB/s; 1,000 × 5 KB ${t.small.map(Math.round).join(', ')} files/s`,
      );
    }
  } finally {
    await ours.stop();
    await older?.stop();
    if (typeof sshd !== 'string') sshd.stop();
  }
  const daemon = await againstDaemon(work, key, Math.min(rounds, 3));
  out[`daemon_${daemon.kind}_5kb_files_per_s`] = Math.round(median(daemon.fps));
  console.log(`sftp bench daemon (${daemon.kind}): 1,000 × 5 KB ${daemon.fps.map(Math.round).join(', ')} files/s`);
  rmSync(work, { recursive: true, force: true });
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await benchSftp());
}
