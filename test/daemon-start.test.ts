/**
 * Starting and stopping the daemon as a real process: one daemon per data folder on the embedded
 * database (a second start refuses at once, a stale lock is taken over), per-host info files on
 * PostgreSQL, and start-up failures (port in use, unreachable DATABASE_URL, unusable data folder) that
 * say which setting and value, exit non-zero and leave nothing listening.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { runningDaemon } from '../src/gateway/admin-client.ts';
import { DataDirLockedError, acquireDataDirLock, daemonInfoPath } from '../src/gateway/lock.ts';
import { PG_URL, cleanup, dropSchema, freePort, postgresRequired, tempDir, uniqueSchema } from './helpers/env.ts';

interface Run {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

/** Decided before the tests are declared: without PostgreSQL its test is reported as skipped, not passed (CI requires it). */
const pgIt = (await postgresRequired()) ? it : it.skip;
const running: ChildProcess[] = [];
let root: string;

beforeAll(() => {
  root = tempDir('passerelle-start-');
});

afterAll(async () => {
  for (const c of running)
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await new Promise((r) => c.once('exit', r));
    }
  cleanup(root);
});

function start(configFile: string, env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, ['bin/passerelle.js', 'start', '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  running.push(child);
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => out, exited };
}

async function until(what: string, ok: () => boolean, run: Run | undefined, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline || (run && run.child.exitCode !== null))
      throw new Error(`${what}: not seen${run ? `\n--- output ---\n${run.out().slice(-3000)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const started = (r: Run) => until('passerelle started', () => r.out().includes('"passerelle started"'), r);

/** Ends within `ms` (a daemon that fails to start must not hang). */
async function exitCodeWithin(r: Run, ms: number): Promise<number | null> {
  const timer = new Promise<'hung'>((res) => setTimeout(() => res('hung'), ms).unref());
  const code = await Promise.race([r.exited, timer]);
  if (code === 'hung') throw new Error(`still running after ${ms} ms\n--- output ---\n${r.out().slice(-3000)}`);
  return code;
}

/** True when something accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** A test server holding a port, as another program would. */
async function occupy(): Promise<{ port: number; close: () => Promise<void> }> {
  const srv = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as net.AddressInfo).port,
    close: () => new Promise((r) => srv.close(() => r())),
  };
}

function writeConfig(name: string, raw: Record<string, unknown>): string {
  const file = path.join(root, `${name}.yaml`);
  writeFileSync(file, stringify({ schemas: { fetchOnStart: false }, log: { level: 'info' }, ...raw }));
  return file;
}

describe('one daemon per data folder on the embedded database', () => {
  it('refuses a second start at once, naming the first; takes over the lock of a killed daemon', async () => {
    const dataDir = path.join(root, 'one');
    const first = start(writeConfig('one-a', { dataDir, http: { port: await freePort() }, sftp: { port: 0 } }));
    await started(first);
    const infoFile = path.join(dataDir, 'daemon.json');
    const info = readFileSync(infoFile, 'utf8');
    expect(JSON.parse(info)).toMatchObject({ pid: first.child.pid, host: os.hostname() });

    const t0 = Date.now();
    const second = start(writeConfig('one-b', { dataDir, http: { port: await freePort() }, sftp: { port: 0 } }));
    expect(await exitCodeWithin(second, 20000)).not.toBe(0);
    // At once: before opening the database.
    expect(second.out()).not.toContain('database ready');
    expect(Date.now() - t0).toBeLessThan(20000);
    expect(second.out()).toContain(`PID ${first.child.pid}`);
    expect(second.out()).toContain(`on host ${os.hostname()}`);
    expect(second.out()).toMatch(/in use by the daemon started \d{4}-\d\d-\d\dT/);
    // The first daemon's info file and lock are untouched, and it still answers.
    expect(readFileSync(infoFile, 'utf8')).toBe(info);
    expect(JSON.parse(readFileSync(path.join(dataDir, 'daemon.lock'), 'utf8'))).toMatchObject({
      pid: first.child.pid,
    });
    expect(runningDaemon(dataDir)?.pid).toBe(first.child.pid);
    const health = await fetch(`http://127.0.0.1:${JSON.parse(info).httpPort}/health`);
    expect(health.ok).toBe(true);

    // Killed without a chance to clean up: its lock stays, stale; the next start takes it over and says so.
    first.child.kill('SIGKILL');
    await first.exited;
    expect(existsSync(path.join(dataDir, 'daemon.lock'))).toBe(true);
    const third = start(writeConfig('one-c', { dataDir, http: { port: await freePort() }, sftp: { port: 0 } }));
    await started(third);
    const takeover = third
      .out()
      .split('\n')
      .find((l) => l.includes('took over the stale lock'));
    expect(takeover).toBeDefined();
    expect(takeover).toContain(`PID ${first.child.pid} is not running`);
    expect(JSON.parse(readFileSync(path.join(dataDir, 'daemon.lock'), 'utf8'))).toMatchObject({
      pid: third.child.pid,
    });
    third.child.kill('SIGTERM');
    expect(await exitCodeWithin(third, 20000)).toBe(0);
    expect(existsSync(path.join(dataDir, 'daemon.lock'))).toBe(false);
    expect(existsSync(infoFile)).toBe(false);
  }, 180000);

  it("never takes over another host's lock, nor a live one", () => {
    const dataDir = path.join(root, 'foreign');
    mkdirSync(dataDir, { recursive: true });
    const foreign = { host: 'another-host.example', pid: 999999, startedAt: '2026-01-01T00:00:00.000Z', token: 'x' };
    writeFileSync(path.join(dataDir, 'daemon.lock'), JSON.stringify(foreign));
    const takeOvers: unknown[] = [];
    expect(() => acquireDataDirLock(dataDir, (o) => takeOvers.push(o))).toThrow(DataDirLockedError);
    expect(() => acquireDataDirLock(dataDir, () => undefined)).toThrow(/on host another-host\.example, PID 999999/);
    expect(takeOvers).toEqual([]);

    // This process's own lock: alive, refused; released, free again.
    const other = path.join(root, 'own');
    mkdirSync(other);
    const mine = acquireDataDirLock(other, () => undefined);
    expect(() => acquireDataDirLock(other, () => undefined)).toThrow(`PID ${process.pid}`);
    mine.release();
    acquireDataDirLock(other, () => undefined).release();
    expect(existsSync(path.join(other, 'daemon.lock'))).toBe(false);
  });
});

describe('several daemons on PostgreSQL share a data folder', () => {
  let schema: string | undefined;
  afterAll(async () => {
    if (schema) await dropSchema(schema);
  });

  pgIt(
    'each host keeps its own info file; a daemon never removes one it did not write',
    async () => {
      schema = uniqueSchema();
      const dataDir = path.join(root, 'shared');
      const env = { DATABASE_URL: PG_URL, PASSERELLE_DB_SCHEMA: schema };
      const a = start(writeConfig('pg-a', { dataDir, http: { port: await freePort() }, sftp: { port: 0 } }), env);
      await started(a);
      const hostFile = daemonInfoPath(dataDir, true);
      expect(path.basename(hostFile)).toBe(`daemon.${os.hostname().replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
      expect(JSON.parse(readFileSync(hostFile, 'utf8')).pid).toBe(a.child.pid);
      const b = start(writeConfig('pg-b', { dataDir, http: { port: await freePort() }, sftp: { port: 0 } }), env);
      await started(b);
      // No lock on PostgreSQL, and the embedded database's file names are not used.
      expect(existsSync(path.join(dataDir, 'daemon.lock'))).toBe(false);
      expect(existsSync(path.join(dataDir, 'daemon.json'))).toBe(false);
      expect(JSON.parse(readFileSync(hostFile, 'utf8')).pid).toBe(b.child.pid);

      a.child.kill('SIGTERM');
      expect(await exitCodeWithin(a, 20000)).toBe(0);
      // A's stop leaves B's file: the CLI still finds B.
      expect(JSON.parse(readFileSync(hostFile, 'utf8')).pid).toBe(b.child.pid);
      expect(runningDaemon(dataDir)?.pid).toBe(b.child.pid);
      b.child.kill('SIGTERM');
      expect(await exitCodeWithin(b, 20000)).toBe(0);
      expect(existsSync(hostFile)).toBe(false);
    },
    120000,
  );
});

describe('start-up failures stop cleanly', () => {
  const dataDir = () => path.join(root, 'ports');

  it('HTTP port in use (http.port): one message, non-zero exit, the SFTP port closed, the lock released', async () => {
    const busy = await occupy();
    const sftpPort = await freePort();
    try {
      const run = start(
        writeConfig('http-busy', { dataDir: dataDir(), http: { port: busy.port }, sftp: { port: sftpPort } }),
      );
      expect(await exitCodeWithin(run, 60000)).not.toBe(0);
      expect(run.out()).toContain(
        `passerelle: HTTP port ${busy.port} on 127.0.0.1 is already in use (http.port: ${busy.port}`,
      );
      // SFTP had started before HTTP failed: it is closed again, and so is the database (lock released).
      expect(run.out()).toContain('sftp endpoint stopped');
      expect(await listening(sftpPort)).toBe(false);
      expect(existsSync(path.join(dataDir(), 'daemon.lock'))).toBe(false);
      expect(existsSync(path.join(dataDir(), 'daemon.json'))).toBe(false);
    } finally {
      await busy.close();
    }
    // The next start opens the same database without taking over anything.
    const again = start(
      writeConfig('http-free', { dataDir: dataDir(), http: { port: await freePort() }, sftp: { port: 0 } }),
    );
    await started(again);
    expect(again.out()).not.toContain('stale');
    again.child.kill('SIGTERM');
    expect(await exitCodeWithin(again, 20000)).toBe(0);
  }, 180000);

  it('SFTP port in use (PASSERELLE_SFTP_PORT): the message names the variable; the HTTP port is not left open', async () => {
    const busy = await occupy();
    const httpPort = await freePort();
    try {
      const run = start(
        writeConfig('sftp-busy', { dataDir: dataDir(), http: { port: httpPort }, sftp: { port: 2222 } }),
        {
          PASSERELLE_SFTP_PORT: String(busy.port),
        },
      );
      expect(await exitCodeWithin(run, 60000)).not.toBe(0);
      expect(run.out()).toContain(
        `passerelle: SFTP port ${busy.port} on 127.0.0.1 is already in use (PASSERELLE_SFTP_PORT=${busy.port})`,
      );
      expect(await listening(httpPort)).toBe(false);
      expect(existsSync(path.join(dataDir(), 'daemon.lock'))).toBe(false);
    } finally {
      await busy.close();
    }
  }, 120000);

  it('unreachable DATABASE_URL: the message names it (password hidden), nothing listens', async () => {
    const closed = await freePort();
    const httpPort = await freePort();
    const sftpPort = await freePort();
    const url = `postgres://postgres:s3cret@127.0.0.1:${closed}/test`;
    const run = start(
      writeConfig('db-down', {
        dataDir: path.join(root, 'db-down'),
        http: { port: httpPort },
        sftp: { port: sftpPort },
      }),
      {
        DATABASE_URL: url,
      },
    );
    expect(await exitCodeWithin(run, 30000)).not.toBe(0);
    expect(run.out()).toContain(
      `passerelle: the database cannot be reached (DATABASE_URL=postgres://postgres:***@127.0.0.1:${closed}/test): `,
    );
    expect(run.out()).toContain('ECONNREFUSED');
    expect(run.out()).not.toContain('s3cret');
    expect(await listening(httpPort)).toBe(false);
    expect(await listening(sftpPort)).toBe(false);
  }, 60000);

  it('a data folder that is a file (dataDir), or under a file (PASSERELLE_DATA): named, non-zero exit', async () => {
    const file = path.join(root, 'not-a-folder');
    writeFileSync(file, 'x');
    const httpPort = await freePort();
    const a = start(writeConfig('dir-file', { dataDir: file, http: { port: httpPort }, sftp: { port: 0 } }));
    expect(await exitCodeWithin(a, 30000)).not.toBe(0);
    expect(a.out()).toContain(`passerelle: data folder ${file} is not a folder`);
    expect(a.out()).toContain(`(dataDir: ${file} in the configuration)`);

    const under = path.join(file, 'var');
    const b = start(writeConfig('dir-under', { http: { port: httpPort }, sftp: { port: 0 } }), {
      PASSERELLE_DATA: under,
    });
    expect(await exitCodeWithin(b, 30000)).not.toBe(0);
    expect(b.out()).toContain(`passerelle: data folder ${under} is not a folder`);
    expect(b.out()).toContain(`(PASSERELLE_DATA=${under})`);
    expect(await listening(httpPort)).toBe(false);
    // One message: no stack trace.
    expect(b.out()).not.toMatch(/^\s+at /m);
  }, 60000);
});
