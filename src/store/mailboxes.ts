/**
 * The mailbox layout every transport shares: `<dataDir>/mailboxes/<CODE>/{depot,analyse,retour}`.
 * `depot` = flows deposited for real; `analyse` = flows checked and reported only; `retour` = what the
 * gateway writes back (comptes-rendus, analysis reports, lifecycle flows).
 */
import { randomBytes } from 'node:crypto';
import { constants, lstatSync, mkdirSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { lstat, open, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { isUtf8 } from 'node:buffer';

export type Box = 'depot' | 'analyse';
export const BOXES: readonly Box[] = ['depot', 'analyse'];

export interface MailboxPaths {
  root: string;
  depot: string;
  analyse: string;
  retour: string;
}

export function mailboxPaths(dataDir: string, partnerCode: string): MailboxPaths {
  const root = path.join(dataDir, 'mailboxes', partnerCode);
  return {
    root,
    depot: path.join(root, 'depot'),
    analyse: path.join(root, 'analyse'),
    retour: path.join(root, 'retour'),
  };
}

/**
 * Creates the mailbox folders that are missing. Never throws: a folder a partner replaced by a file or a
 * symlink must not stop the daemon's start or an SFTP login; it is refused where it is used
 * (unsafeMailboxFolder), with a log line there.
 */
export function ensureMailbox(dataDir: string, partnerCode: string): MailboxPaths {
  const p = mailboxPaths(dataDir, partnerCode);
  for (const dir of [p.depot, p.analyse, p.retour]) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch {
      // reported by unsafeMailboxFolder where the folder is used
    }
  }
  return p;
}

/** Names that are not yet complete uploads: hidden, or temporary by convention. */
export function isIncompleteName(name: string): boolean {
  return name.startsWith('.') || /\.(tmp|part|filepart)$/i.test(name);
}

/** Optional interface-code prefix that declares a flow's interface: `FSO1100A_<anything>`. */
export function declaredInterface(name: string): string | undefined {
  return /^(FSO\d{4}A)_/.exec(name)?.[1];
}

/**
 * Optional signature declaration in the file name ("Le flux est-il signé ? Oui / Non"): a `SIGNE_` or
 * `NONSIGNE_` token at the start of the name or right after the interface prefix
 * (`SIGNE_facture.xml`, `FSO1100A_NONSIGNE_facture.xml`). Undefined = the partner's setting.
 */
export function declaredSigned(name: string): boolean | undefined {
  const m = /^(?:FSO\d{4}A_)?(SIGNE|NONSIGNE)_/i.exec(name);
  return m ? m[1]!.toUpperCase() === 'SIGNE' : undefined;
}

/**
 * The mailbox is a jail: nothing a partner puts in it (a symlink, a FIFO, a device, a directory, a hard
 * link to someone else's file) makes the daemon read or write outside the data folder.
 *  - what is taken from `depot/`/`analyse/` is opened only if it is a regular file with one name, with
 *    O_NOFOLLOW and checked to be the same inode it was lstat()ed as (`openRegular`);
 *  - what is written into `retour/` (and a spool sidecar) goes to a fresh file created O_EXCL|O_NOFOLLOW under a
 *    random name, then renamed (`writeExclusive`): a name planted in advance is never followed;
 *  - a mailbox folder that is itself a symlink (or not a directory) is not used (`unsafeMailboxFolder`).
 */

/** What a mailbox entry is, as lstat() sees it; anything but `file` is refused without being read. */
export type EntryKind = 'file' | 'symlink' | 'directory' | 'fifo' | 'socket' | 'device' | 'hardlink';

function entryKind(st: Stats): EntryKind {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'directory';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'device';
  // A second name of an inode: it may be a file the partner could not otherwise make us read.
  if (st.nlink > 1) return 'hardlink';
  return 'file';
}

/** The kind in the platform's words, for the compte-rendu (French) and the log (English). */
export const ENTRY_KIND_LABELS: Record<Exclude<EntryKind, 'file'>, { fr: string; en: string }> = {
  symlink: { fr: 'lien symbolique', en: 'symbolic link' },
  directory: { fr: 'répertoire', en: 'directory' },
  fifo: { fr: 'tube nommé (FIFO)', en: 'named pipe (FIFO)' },
  socket: { fr: 'socket', en: 'socket' },
  device: { fr: 'fichier de périphérique', en: 'device file' },
  hardlink: { fr: 'fichier à plusieurs noms (lien physique)', en: 'file with several names (hard link)' },
};

/**
 * Opens a spooled or mailbox entry for reading only if it is a regular file with one name: lstat, then
 * open O_NOFOLLOW|O_NONBLOCK (a FIFO swapped in never blocks us), then fstat must be the same inode.
 */
export async function openRegular(
  file: string | Buffer,
): Promise<{ ok: true; fh: FileHandle; size: number } | { ok: false; kind: Exclude<EntryKind, 'file'> }> {
  const st = await lstat(file);
  const kind = entryKind(st);
  if (kind !== 'file') return { ok: false, kind };
  let fh: FileHandle;
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    // ELOOP: it became a symlink between lstat and open.
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') return { ok: false, kind: 'symlink' };
    throw e;
  }
  const fst = await fh.stat();
  const now = entryKind(fst);
  if (fst.ino !== st.ino || fst.dev !== st.dev || now !== 'file') {
    await fh.close();
    return { ok: false, kind: now === 'file' ? 'symlink' : now };
  }
  return { ok: true, fh, size: fst.size };
}

/**
 * Writes `content` as `dir/name` without ever following a name someone else chose: a fresh temporary
 * file (random name, O_CREAT|O_EXCL|O_NOFOLLOW, so a planted symlink or file makes it fail, not write
 * through), synced when `durable`, then renamed over `name` (rename replaces a planted symlink itself,
 * never its target), then the folder synced (unless the caller syncs it once for several files).
 */
export async function writeExclusive(
  dir: string,
  name: string,
  content: string | Buffer,
  opts: {
    durable?: boolean;
    mode?: number;
    /** The caller syncs `dir` itself, once for the several files it writes there (see writeRetourFiles). */
    folderSyncedByCaller?: boolean;
  } = {},
): Promise<void> {
  const tmp = path.join(dir, `.passerelle-${randomBytes(9).toString('hex')}.tmp`);
  const fh = await open(
    tmp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    opts.mode ?? 0o640,
  );
  try {
    await fh.writeFile(content);
    if (opts.durable) await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path.join(dir, name));
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  if (opts.durable && !opts.folderSyncedByCaller) await syncDir(dir);
}

/**
 * `run` shared by the calls that come while it runs: each call is settled by a run that started after it,
 * and the calls that arrive during a run are all settled by the next one (`idle` is called when none is
 * left to run). For an fsync, which makes durable what was done before it started: under load one fsync
 * serves many flows instead of one each, and none is settled by an fsync that may have missed its change.
 */
export function coalesced(run: () => Promise<void>, idle?: () => void): () => Promise<void> {
  let waiting: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  let running = false;
  const loop = async () => {
    running = true;
    while (waiting.length) {
      const served = waiting;
      waiting = [];
      await run().then(
        () => served.forEach((w) => w.resolve()),
        (err: unknown) => served.forEach((w) => w.reject(err)),
      );
    }
    running = false;
    idle?.();
  };
  return () =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ resolve, reject });
      if (!running) void loop();
    });
}

/** The folders being synced, by path (syncDir). */
const dirSyncs = new Map<string, () => Promise<void>>();

/**
 * fsync of a folder: makes the names created, renamed or removed in it durable (power cut, not only a
 * crash). The flows spooled or delivered together share their folder's fsyncs (coalesced).
 */
export function syncDir(dir: string): Promise<void> {
  let sync = dirSyncs.get(dir);
  if (!sync) {
    sync = coalesced(
      () => syncDirNow(dir),
      () => dirSyncs.delete(dir),
    );
    dirSyncs.set(dir, sync);
  }
  return sync();
}

async function syncDirNow(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Why a mailbox folder must not be used, or undefined when it is a real directory: the partner's root and
 * the folder itself are lstat()ed, so a `retour` (or `depot`) replaced by a symlink to elsewhere is never
 * written to nor taken from. (The data folder and `mailboxes/` are the operator's: partners must not be
 * able to rename entries there; see docs/security.md.)
 */
export function unsafeMailboxFolder(dataDir: string, partnerCode: string, folder: Box | 'retour'): string | undefined {
  const p = mailboxPaths(dataDir, partnerCode);
  for (const dir of [p.root, p[folder]]) {
    let st: Stats;
    try {
      st = lstatSync(dir);
    } catch {
      return `${dir} is missing`;
    }
    if (st.isSymbolicLink()) return `${dir} is a symbolic link`;
    if (!st.isDirectory()) return `${dir} is not a directory`;
  }
  return undefined;
}

const HEX = '0123456789ABCDEF';

/**
 * The name of a flow as stored and shown: the partner's name when it is valid UTF-8 without control
 * characters; otherwise every invalid byte and every control character (NUL, C0, DEL, C1) becomes `%XX`
 * (its byte, upper-case hex). `bytes` then keeps the original bytes (null when the name was clean), so
 * nothing PostgreSQL text cannot hold is ever stored as text, and nothing of the original is lost.
 */
export function flowName(raw: string | Buffer): { name: string; bytes: Buffer | null } {
  const buf = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  const text = typeof raw === 'string' ? raw : null;
  // The fast path: the common, clean name.
  // eslint-disable-next-line no-control-regex
  const clean = (s: string) => !/[\u0000-\u001f\u007f-\u009f]/.test(s) && !/\p{Cs}/u.test(s);
  if (text !== null ? clean(text) : isUtf8(buf) && clean(buf.toString('utf8'))) {
    return { name: text ?? buf.toString('utf8'), bytes: null };
  }
  let out = '';
  const escape = (b: number) => `%${HEX[b >> 4]}${HEX[b & 15]}`;
  for (let i = 0; i < buf.length;) {
    const n = utf8SequenceLength(buf, i);
    if (n === 0) {
      out += escape(buf[i]!);
      i++;
      continue;
    }
    const ch = buf.toString('utf8', i, i + n);
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) for (let j = i; j < i + n; j++) out += escape(buf[j]!);
    else out += ch;
    i += n;
  }
  return { name: out, bytes: buf };
}

/** Length of the well-formed UTF-8 sequence at `i` (1-4), or 0 when the byte there starts none. */
function utf8SequenceLength(b: Buffer, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number) => i + k < b.length && (b[i + k]! & 0xc0) === 0x80;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const c1 = b[i + 1] ?? 0;
    if (c === 0xe0 && c1 < 0xa0) return 0; // overlong
    if (c === 0xed && c1 >= 0xa0) return 0; // surrogates
    return cont(1) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const c1 = b[i + 1] ?? 0;
    if (c === 0xf0 && c1 < 0x90) return 0;
    if (c === 0xf4 && c1 >= 0x90) return 0;
    return cont(1) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** An open mailbox folder: `dir` names it for as long as it is open, whatever is renamed meanwhile. */
export interface OpenFolder {
  dir: string;
  /** fsync of the folder (through its open descriptor where there is one). */
  sync: () => Promise<void>;
  close(): Promise<void>;
}

const PROC_FD = (() => {
  try {
    return lstatSync('/proc/self/fd').isDirectory();
  } catch {
    return false;
  }
})();

/**
 * Opens `<dataDir>/mailboxes/<CODE>/<folder>` without following a symlink at any step, and names it
 * through the open descriptor (`/proc/self/fd/<n>` on Linux): a partner who swaps its folder for a
 * symlink after this check still gets our writes (and renames) in the folder we checked, never
 * elsewhere. Where /proc is missing the names are lstat()ed (unsafeMailboxFolder), which leaves a short
 * window: see docs/security.md. Resolves `{ unsafe }` when the folder must not be used.
 */
export async function openMailboxFolder(
  dataDir: string,
  partnerCode: string,
  folder: Box | 'retour',
): Promise<OpenFolder | { unsafe: string; missing: boolean }> {
  if (!PROC_FD) {
    const why = unsafeMailboxFolder(dataDir, partnerCode, folder);
    if (why) return { unsafe: why, missing: why.endsWith('is missing') };
    const dir = mailboxPaths(dataDir, partnerCode)[folder];
    return { dir, sync: () => syncDir(dir), close: async () => undefined };
  }
  const flags = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
  let parent: FileHandle | undefined;
  let shown = path.join(dataDir, 'mailboxes');
  try {
    parent = await open(shown, constants.O_RDONLY | constants.O_DIRECTORY);
    for (const segment of [partnerCode, folder]) {
      shown = path.join(shown, segment);
      const next: FileHandle = await open(`/proc/self/fd/${parent.fd}/${segment}`, flags);
      await parent.close();
      parent = next;
    }
  } catch (e) {
    await parent?.close().catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { unsafe: `${shown} is missing`, missing: true };
    if (code === 'ELOOP') return { unsafe: `${shown} is a symbolic link`, missing: false };
    if (code === 'ENOTDIR') return { unsafe: `${shown} is not a directory`, missing: false };
    throw e;
  }
  const fh = parent;
  return { dir: `/proc/self/fd/${fh.fd}`, sync: () => fh.sync(), close: () => fh.close() };
}
