/**
 * Who runs on a data folder. On the embedded database (PGlite) one daemon owns the data folder: the
 * lock file `daemon.lock`, created exclusively (O_EXCL), names it (host, PID, start time) until it
 * stops. A lock whose PID is dead on this host, or that predates this host's boot, is stale: the next
 * daemon takes it over and says so. On PostgreSQL several daemons may share the data folder: no lock,
 * and each host writes its own info file. A daemon only ever removes a lock or info file that is still
 * its own (same token).
 *
 * The info file (`daemon.json` on PGlite, `daemon.<host>.json` on PostgreSQL) tells the CLI where the
 * daemon's admin API is and its token.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const LOCK_FILE = 'daemon.lock';

interface LockOwner {
  host: string;
  pid: number;
  startedAt: string;
  /** Distinguishes two daemons of one process (tests) and a reused PID. */
  token: string;
}

export interface DataDirLock {
  owner: LockOwner;
  file: string;
  /** Removes the lock if it is still ours. */
  release(): void;
}

/** Refusal to start: another daemon holds the data folder. */
export class DataDirLockedError extends Error {
  readonly owner: LockOwner;
  constructor(dataDir: string, owner: LockOwner) {
    const here = owner.host === os.hostname();
    super(
      `data folder ${dataDir} is in use by the daemon started ${owner.startedAt} on host ${owner.host}, PID ${owner.pid} ` +
        `(${path.join(dataDir, LOCK_FILE)}): one daemon per data folder on the embedded database. ` +
        (here
          ? `Stop it first (kill ${owner.pid}), or use another data folder (dataDir / PASSERELLE_DATA); several daemons need DATABASE_URL.`
          : `If that daemon no longer runs on ${owner.host}, delete the lock file.`),
    );
    this.owner = owner;
  }
}

export function hostName(): string {
  return os.hostname();
}

/** A PID that is alive on this host (EPERM: alive, another user's). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why a lock left by `owner` no longer holds, or undefined while it does. Another host's lock always holds. */
function staleReason(owner: LockOwner): string | undefined {
  if (owner.host !== hostName()) return undefined;
  if (!pidAlive(owner.pid)) return `PID ${owner.pid} is not running`;
  // A PID from before this boot was reused by another process since.
  const boot = Date.now() - os.uptime() * 1000;
  if (Date.parse(owner.startedAt) < boot - 60_000) return `PID ${owner.pid} was started before this host booted`;
  return undefined;
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (typeof o.host === 'string' && typeof o.pid === 'number' && typeof o.startedAt === 'string')
      return { host: o.host, pid: o.pid, startedAt: o.startedAt, token: String(o.token ?? '') };
  } catch {
    // Being written (the creator writes right after creating it), or damaged: see readLock.
  }
  return undefined;
}

type LockRead = { gone: true } | { gone: false; raw: string; owner: LockOwner | undefined };

/** The lock as it is; content that stays unreadable for a second is reported as such (owner undefined). */
function readLock(file: string): LockRead {
  for (let i = 0; ; i++) {
    let raw: string;
    try {
      raw = readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { gone: true };
      throw e;
    }
    const owner = parseOwner(raw);
    if (owner || i >= 20) return { gone: false, raw, owner };
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
}

/** The daemon holding the data folder's lock, if it is alive (whatever this process is). */
export function lockHolder(dataDir: string): LockOwner | undefined {
  const read = readLock(path.join(dataDir, LOCK_FILE));
  if (read.gone || !read.owner) return undefined;
  return staleReason(read.owner) ? undefined : read.owner;
}

/**
 * Takes the data folder's lock, or throws DataDirLockedError naming the daemon that holds it. A stale
 * lock is moved aside under a unique name first, so that two daemons taking over the same stale lock at
 * once cannot both win: the one that moved a lock it had not judged stale puts it back.
 */
export function acquireDataDirLock(
  dataDir: string,
  onTakeOver: (stale: LockOwner | undefined, reason: string) => void,
): DataDirLock {
  const file = path.join(dataDir, LOCK_FILE);
  const owner: LockOwner = {
    host: hostName(),
    pid: process.pid,
    startedAt: new Date().toISOString(),
    token: randomBytes(12).toString('hex'),
  };
  for (let attempt = 0; attempt < 10; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const seen = readLock(file);
      if (seen.gone) continue;
      const reason = seen.owner ? staleReason(seen.owner) : 'the lock file is unreadable';
      if (!reason) throw new DataDirLockedError(dataDir, seen.owner!);
      const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
      try {
        renameSync(file, aside);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      if (readFileSync(aside, 'utf8') !== seen.raw) {
        // Another daemon took the stale lock over in between: that lock is its own, put it back.
        try {
          linkSync(aside, file);
        } catch {
          // A third one holds the name now; it will be judged on the next attempt.
        }
      } else {
        onTakeOver(seen.owner, reason);
      }
      rmSync(aside, { force: true });
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(owner));
    } finally {
      closeSync(fd);
    }
    return {
      owner,
      file,
      release() {
        const now = readLock(file);
        if (!now.gone && now.owner?.token === owner.token) rmSync(file, { force: true });
      },
    };
  }
  throw new Error(`cannot take the lock ${file}: it keeps changing hands`);
}

/** What a running daemon says about itself in its info file: the CLI finds its admin API and token there. */
export interface DaemonInfo {
  host: string;
  pid: number;
  httpPort: number | null;
  sftpPort: number | null;
  token: string;
  startedAt: string;
}

/** Where a daemon writes its info: `daemon.json` on the embedded database, `daemon.<host>.json` on PostgreSQL. */
export function daemonInfoPath(dataDir: string, shared: boolean): string {
  return path.join(dataDir, shared ? `daemon.${hostName().replace(/[^A-Za-z0-9._-]/g, '_')}.json` : 'daemon.json');
}

/** Written under a temporary name then renamed: a reader never sees half of it. */
export function writeDaemonInfo(file: string, info: DaemonInfo): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(info), { mode: 0o600 });
  renameSync(tmp, file);
}

/** Removes the info file if it is still the one this daemon wrote (same token). */
export function removeDaemonInfo(file: string, token: string): void {
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as { token?: string };
    if (info.token === token) rmSync(file, { force: true });
  } catch {
    // Gone or unreadable: not ours to remove.
  }
}

/** The info files of this host's daemons on the data folder: `daemon.json`, then this host's own. */
export function daemonInfoFiles(dataDir: string): string[] {
  const own = [daemonInfoPath(dataDir, false), daemonInfoPath(dataDir, true)];
  return own.filter((f) => existsSync(f));
}
