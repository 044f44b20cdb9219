/**
 * SFTP figures with OpenSSH's `sftp -b` as the client: one 30 MB upload (MB/s) and 1,000 uploads of 5 KB
 * (files/s), against our server (test intake) and, when /usr/sbin/sshd exists, against OpenSSH's own
 * sshd with internal-sftp on a loopback port, for comparison. Also the server's RSS around the big upload.
 * Run alone: `node --import ./bin/register.js bench/sftp.ts` (or through `npm run bench`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startTestSftp } from '../src/gateway/sftp/testing.ts';

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

interface Target {
  port: number;
  user: string;
  /** Remote folder the uploads go to. */
  dir: string;
}

/** Both workloads against one server; returns [MB/s, files/s]. */
async function workloads(
  work: string,
  key: string,
  t: Target,
  onBig?: (phase: 'before' | 'after') => void,
): Promise<[number, number]> {
  const common = [
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
    String(t.port),
  ];
  const bigBatch = path.join(work, 'big.batch');
  writeFileSync(bigBatch, `put ${path.join(work, 'big.xml')} ${t.dir}/big.xml\n`);
  onBig?.('before');
  const bigSeconds = await runSftp([...common, '-b', bigBatch, `${t.user}@127.0.0.1`]);
  onBig?.('after');
  const smallBatch = path.join(work, 'small.batch');
  const lines: string[] = [];
  for (let i = 0; i < SMALL_COUNT; i++) lines.push(`put ${path.join(work, 'small', `f${i}.xml`)} ${t.dir}/f${i}.xml`);
  writeFileSync(smallBatch, lines.join('\n') + '\n');
  const smallSeconds = await runSftp([...common, '-b', smallBatch, `${t.user}@127.0.0.1`]);
  return [BIG_MB / bigSeconds, SMALL_COUNT / smallSeconds];
}

async function againstSshd(work: string, key: string): Promise<[number, number] | string> {
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
    return await workloads(work, key, { port, user: os.userInfo().username, dir: path.join(dir, 'upload') });
  } catch (e) {
    return `skipped: ${(e as Error).message}`;
  } finally {
    sshd.kill('SIGTERM');
  }
}

export async function benchSftp(): Promise<Record<string, number>> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'bench-sftp-'));
  const key = path.join(work, 'id_ed25519');
  execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  // Written in chunks so the bench itself holds no 30 MB buffer that would blur the RSS figures.
  const fd = openSync(path.join(work, 'big.xml'), 'w');
  for (let i = 0; i < BIG_MB; i++) writeSync(fd, randomBytes(1024 * 1024));
  closeSync(fd);
  mkdirSync(path.join(work, 'small'));
  for (let i = 0; i < SMALL_COUNT; i++) writeFileSync(path.join(work, 'small', `f${i}.xml`), randomBytes(SMALL_BYTES));

  const h = await startTestSftp({
    partners: [{ code: 'BENCH1', sftpAuthorizedKeys: [readFileSync(`${key}.pub`, 'utf8')] }],
    maxFlowSizeKo: 100_000,
    keepLogs: false,
  });
  const out: Record<string, number> = {};
  const mb = (n: number): number => Math.round((n / 1024 / 1024) * 10) / 10;
  let peak = 0;
  let sampler: NodeJS.Timeout | undefined;
  try {
    const [mbps, fps] = await workloads(work, key, { port: h.port, user: 'BENCH1', dir: '/depot' }, (phase) => {
      if (phase === 'before') {
        globalThis.gc?.();
        out.sftp_rss_before_mb = mb(process.memoryUsage().rss);
        peak = process.memoryUsage().rss;
        sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
      } else {
        clearInterval(sampler);
        out.sftp_rss_peak_mb = mb(peak);
        out.sftp_rss_after_mb = mb(process.memoryUsage().rss);
      }
    });
    if (h.intake.claims.length !== 1 + SMALL_COUNT)
      throw new Error(`expected ${1 + SMALL_COUNT} flows claimed, got ${h.intake.claims.length}`);
    out.sftp_upload_30mb_mb_per_s = Math.round(mbps * 10) / 10;
    out.sftp_5kb_files_per_s = Math.round(fps);
  } finally {
    clearInterval(sampler);
    await h.stop();
  }
  const sshd = await againstSshd(work, key);
  if (typeof sshd === 'string') {
    console.log(`sftp bench: OpenSSH sshd comparison ${sshd}`);
  } else {
    out.sshd_upload_30mb_mb_per_s = Math.round(sshd[0] * 10) / 10;
    out.sshd_5kb_files_per_s = Math.round(sshd[1]);
  }
  rmSync(work, { recursive: true, force: true });
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await benchSftp());
}
