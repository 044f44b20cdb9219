/**
 * A large flow's bytes set aside on disk while a stage does not need them in memory: libxml2 holds its own copy
 * of a document while it validates it (its WebAssembly memory, which never shrinks, is the high-water mark of a
 * 30 Mo flow), and the bytes the rules read afterwards would sit beside it. Parked, they wait in the page cache,
 * not in the daemon's memory, and come back as one Buffer (no protocol buffers or hex text, as a read back from
 * the database would leave on the main thread).
 *
 * One folder per daemon process under the data folder (`parked/<host>/<pid>`: several daemons may share it on
 * PostgreSQL, even on one host), emptied when the daemon starts, with those of this host's daemons that are no
 * longer running: a parked file is only ever read by the run that parked it. Created exclusively under a random
 * name (O_EXCL|O_NOFOLLOW, 0600), not synced: after a crash the flow runs again from the database.
 */
import { randomBytes } from 'node:crypto';
import { constants, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';

export interface ParkedBytes {
  /** The bytes again, once: the file is removed. */
  take(): Promise<Buffer>;
  /** The bytes are not wanted again (the flow stopped before the stage that reads them). */
  drop(): Promise<void>;
}

export type ParkBytes = (bytes: Buffer) => Promise<ParkedBytes>;

/** Whether a process of this host is running (a folder of a daemon that stopped is left to be removed). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This process's parking folder, made empty (with those of stopped daemons of this host); the function that parks bytes there. */
export function parkingIn(dataDir: string): ParkBytes {
  const host = path.join(dataDir, 'parked', hostname());
  mkdirSync(host, { recursive: true, mode: 0o700 });
  for (const entry of readdirSync(host)) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid || !running(pid))
      rmSync(path.join(host, entry), { recursive: true, force: true });
  }
  const dir = path.join(host, String(process.pid));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return async (bytes) => {
    const file = path.join(dir, randomBytes(12).toString('hex'));
    const fh = await open(
      file,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    try {
      await fh.writeFile(bytes);
    } catch (e) {
      await fh.close();
      await unlink(file).catch(() => undefined);
      throw e;
    }
    await fh.close();
    let gone = false;
    const drop = async () => {
      if (gone) return;
      gone = true;
      await unlink(file).catch(() => undefined);
    };
    return {
      async take() {
        if (gone) throw new Error('parked bytes already taken');
        try {
          return await readFile(file, { flag: constants.O_RDONLY | constants.O_NOFOLLOW });
        } finally {
          await drop();
        }
      },
      drop,
    };
  };
}
