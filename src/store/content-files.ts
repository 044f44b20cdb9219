/**
 * Large flow contents as files, on PGlite only: a 30 Mo `bytea` stored in PGlite grew its WebAssembly memory by
 * ~80 Mo, and that memory never shrinks. With a data folder, a flow's bytes above LARGE_DOCUMENT_BYTES are kept in
 * `<dataDir>/content/<first 2 hex>/<sha256>` and their `flow_content` row holds no bytes but the file's size
 * (migration 0012). PostgreSQL keeps every content in the database: the nodes sharing it share no disk.
 *
 * Never a row without its file: the file is written (exclusively, under a temporary name, synced with its folder)
 * in the transaction that inserts its row, before the commit; and files are removed only by `sweepContentFiles`,
 * in a transaction, when no row names them. PGlite runs one transaction at a time (its lock is held until the
 * end), so a sweep never comes between a file and its row. A crash leaves at most a file without a row, which
 * the next sweep (at start, at every purge) removes.
 */
import { mkdir, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { LARGE_DOCUMENT_BYTES } from '../buffers.ts';
import type { Db, Queryable } from './db.ts';
import { openRegular, syncDir, writeExclusive } from './mailboxes.ts';

const SHA256_NAME = /^[0-9a-f]{64}$/;
/** The temporary names writeExclusive gives a file being written: left over only by a crash. */
const WRITING_NAME = /^\.passerelle-[0-9a-f]+\.tmp$/;
const SHARD_NAME = /^[0-9a-f]{2}$/;

/** The content folder of a data folder. */
export function contentDirFor(dataDir: string): string {
  return path.join(dataDir, 'content');
}

/** Where the bytes named `sha256` are kept; only a SHA-256 in hex names a file (it comes from the database). */
function contentFile(dir: string, sha256: string): string {
  if (!SHA256_NAME.test(sha256))
    throw new Error(`stored content ${JSON.stringify(sha256.slice(0, 80))}: not a SHA-256`);
  return path.join(dir, sha256.slice(0, 2), sha256);
}

/** The content folder where `db` keeps contents of `size` bytes, or undefined when they go into the database. */
export function contentFileDir(db: Queryable, size: number): string | undefined {
  return size > LARGE_DOCUMENT_BYTES ? db.contentDir : undefined;
}

/**
 * Writes `bytes` as the file of `sha256`: a fresh temporary file (O_CREAT|O_EXCL|O_NOFOLLOW, 0600), synced, renamed
 * over the final name, the folder synced (and the folders above it when this made them). A file already there
 * (left by a crash before its row) is replaced, never trusted.
 */
export async function writeContentFile(dir: string, sha256: string, bytes: Buffer): Promise<void> {
  const file = contentFile(dir, sha256);
  const shard = path.dirname(file);
  const made = await mkdir(shard, { recursive: true, mode: 0o700 });
  await writeExclusive(shard, sha256, bytes, { durable: true, mode: 0o600 });
  // A folder just made is a name in its parent: synced too, or a power cut could lose the file's path.
  if (made !== undefined) {
    await syncDir(dir);
    await syncDir(path.dirname(dir));
  }
}

/**
 * Fills `out` with the bytes of `sha256` from their file, `slice` bytes per read. A missing file, one that is not a
 * regular file, or one whose size is not `out.length` (the size its row records) is an error saying so.
 */
export async function readContentFile(dir: string, sha256: string, out: Buffer, slice: number): Promise<Buffer> {
  const file = contentFile(dir, sha256);
  const opened = await openRegular(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new Error(`stored content ${sha256}: its file ${file} is missing`);
    throw err;
  });
  if (!opened.ok) throw new Error(`stored content ${sha256}: ${file} is a ${opened.kind}, not a regular file`);
  try {
    if (opened.size !== out.length)
      throw new Error(`stored content ${sha256}: its file ${file} holds ${opened.size} bytes, ${out.length} recorded`);
    for (let at = 0; at < out.length;) {
      const { bytesRead } = await opened.fh.read(out, at, Math.min(slice, out.length - at), at);
      if (bytesRead === 0) throw new Error(`stored content ${sha256}: its file ${file} ended at ${at} bytes`);
      at += bytesRead;
    }
    return out;
  } finally {
    await opened.fh.close();
  }
}

/**
 * Removes the content files no row names (their rows purged, or a crash before a row's commit) and the
 * temporary files a crash left; returns how many. Listed first, then checked and removed in one transaction:
 * a file written meanwhile is not in the list, and one listed cannot get its row while the sweep holds PGlite.
 */
export async function sweepContentFiles(db: Db): Promise<number> {
  const dir = db.contentDir;
  if (!dir) return 0;
  const found: { file: string; sha256: string | null }[] = [];
  const shards = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  for (const shard of shards) {
    if (!shard.isDirectory() || !SHARD_NAME.test(shard.name)) continue;
    for (const name of await readdir(path.join(dir, shard.name))) {
      const file = path.join(dir, shard.name, name);
      if (SHA256_NAME.test(name) && name.startsWith(shard.name)) found.push({ file, sha256: name });
      else if (WRITING_NAME.test(name)) found.push({ file, sha256: null });
    }
  }
  if (!found.length) return 0;
  return db.transaction(async (tx) => {
    const named = found.flatMap((f) => (f.sha256 === null ? [] : [f.sha256]));
    const r = await tx.query<{ sha256: string }>(
      'SELECT sha256 FROM flow_content WHERE sha256 = ANY($1::text[]) AND file_size IS NOT NULL',
      [named],
    );
    const kept = new Set(r.rows.map((x) => x.sha256));
    let removed = 0;
    for (const f of found) {
      if (f.sha256 !== null && kept.has(f.sha256)) continue;
      // Gone already: a temporary file renamed by the write that was under way when it was listed.
      const gone = await unlink(f.file).then(
        () => true,
        (err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
          return false;
        },
      );
      if (gone) removed++;
    }
    return removed;
  });
}
