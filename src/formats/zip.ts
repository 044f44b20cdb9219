/**
 * Zip deposits: several invoice files in one flow (Chorus Pro accepts them on the portal; an E1 flow
 * carries at most 500 invoices). This module only opens the archive, safely: it checks the central
 * directory against the limits before inflating anything, then inflates each entry as a stream with a
 * running byte cap, so a zip bomb (or a header lying about its sizes) never gets the memory it claims.
 * Each violation is one FORMAT finding with its own `ZIP-*` code and rejects the whole flow; what the
 * entries are (UBL, CII, PDF…) is the registry's job (`detectDeposit`).
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, deflateRawSync, inflateRawSync, constants as zlibConstants } from 'node:zlib';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { finding } from '../finding.ts';
import type { Finding } from '../finding.ts';
import type { ZipCode } from '../codes/zip.ts';

/**
 * Default limits of a zip deposit (configuration `zip` overrides them): 500 invoices is the platform's
 * E1 flow limit; the total is relative to the flow size limit (a deposit may be 10× larger inflated);
 * a ratio above 100 is a bomb's signature (XML invoices compress 5–20×), and is only judged past
 * `ratioFloorBytes`, since a small entry of blanks cannot hurt whatever its ratio.
 */
export const ZIP_LIMITS = {
  maxEntries: 500,
  /** Entries of any kind (directories, `__MACOSX/`, dotfiles included): bounds the walk of the directory. */
  maxRawEntries: 2000,
  totalSizeFactor: 10,
  maxRatio: 100,
  ratioFloorBytes: 1024 * 1024,
} as const;

export interface ZipLimits {
  /** Document entries (invoices) kept. */
  maxEntries: number;
  maxRawEntries: number;
  /** Total uncompressed bytes allowed for the kept entries. */
  maxTotalBytes: number;
  maxRatio: number;
  ratioFloorBytes: number;
}

/** The configuration's `zip` section (src/config.ts): each key absent = the default of ZIP_LIMITS. */
interface ZipSettings {
  maxInvoices?: number | undefined;
  maxEntries?: number | undefined;
  maxUncompressedKo?: number | undefined;
  maxRatio?: number | undefined;
}

/** The limits for a flow size limit in KiB (`config.maxFlowSizeKo`) and the configured `zip` section. */
export function zipLimits(maxFlowSizeKo: number, settings: ZipSettings = {}): ZipLimits {
  const { maxEntries, maxRawEntries, maxRatio, ratioFloorBytes, totalSizeFactor } = ZIP_LIMITS;
  return {
    maxEntries: settings.maxInvoices ?? maxEntries,
    maxRawEntries: settings.maxEntries ?? maxRawEntries,
    maxRatio: settings.maxRatio ?? maxRatio,
    ratioFloorBytes,
    maxTotalBytes: (settings.maxUncompressedKo ?? totalSizeFactor * maxFlowSizeKo) * 1024,
  };
}

export function zipFinding(code: ZipCode, detail: string, file?: string, invoice?: string): Finding {
  return finding(code, {
    detail,
    ...(file !== undefined ? { location: { file } } : {}),
    ...(invoice !== undefined ? { invoice } : {}),
  });
}

/** A zip from its bytes: a local file header, or the end record alone (an empty archive). */
export function isZip(head: Buffer): boolean {
  const sig = head.toString('latin1', 0, 4);
  return sig === 'PK\x03\x04' || sig === 'PK\x05\x06';
}

interface ZipEntryContent {
  /** The entry's path in the archive, `/`-separated. */
  name: string;
  bytes: Buffer;
}

type ZipReadResult = { ok: true; entries: ZipEntryContent[] } | { ok: false; findings: Finding[] };

/** Entries that are not documents: directories, macOS resource forks, hidden files (`.DS_Store`). */
function ignored(name: string): boolean {
  if (name.endsWith('/')) return true;
  const parts = name.split('/');
  return parts[0] === '__MACOSX' || parts.some((p) => p.startsWith('.') && p !== '.' && p !== '..');
}

/** Why an entry name may not be used (absolute, drive letter, `..`, control characters), or undefined. */
function unsafeName(name: string): string | undefined {
  if (name.length === 0) return 'nom vide';
  if (/^[a-zA-Z]:/.test(name) || name.startsWith('/')) return 'chemin absolu';
  if (name.split('/').includes('..')) return 'chemin remontant (..)';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f]/.test(name)) return 'caractère de contrôle';
  return undefined;
}

const ratio = (out: number, inp: number) => out / Math.max(inp, 1);

/** A Unix symbolic link (made on Unix, mode S_IFLNK in the high half of the external attributes). */
function isSymlink(e: Entry): boolean {
  return e.versionMadeBy >> 8 === 3 && ((e.externalFileAttributes >>> 16) & 0o170000) === 0o120000;
}

function openArchive(bytes: Buffer): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    // Names are decoded here (not by yauzl) so that a bad name is our finding, not an error ending the walk.
    yauzl.fromBuffer(bytes, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true }, (err, zf) =>
      err ? reject(err) : resolve(zf),
    );
  });
}

/** The whole central directory, without inflating anything. */
function listEntries(zf: ZipFile, max: number): Promise<Entry[] | 'too-many'> {
  return new Promise((resolve, reject) => {
    const out: Entry[] = [];
    zf.on('entry', (e: Entry) => {
      out.push(e);
      if (out.length > max) {
        zf.close();
        resolve('too-many');
      } else zf.readEntry();
    });
    zf.on('end', () => resolve(out));
    zf.on('error', reject);
    zf.readEntry();
  });
}

function entryName(e: Entry): string {
  const raw = e.fileName as unknown as Buffer;
  return yauzl.getFileNameLowLevel(e.generalPurposeBitFlag, raw, e.extraFields, false);
}

class CapExceeded extends Error {}

/** Inflates one entry, keeping at most `cap` bytes: past it the stream is destroyed (CapExceeded). */
async function inflateEntry(zf: ZipFile, e: Entry, cap: number): Promise<Buffer> {
  const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
    zf.openReadStream(e, (err, s) => (err ? reject(err) : resolve(s))),
  );
  const chunks: Buffer[] = [];
  let total = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      total += chunk.length;
      if (total > cap) return done(new CapExceeded(String(total)));
      chunks.push(chunk);
      done();
    },
  });
  await pipeline(stream, sink);
  return Buffer.concat(chunks, total);
}

/**
 * Opens a zip deposit and returns its document entries (directories, `__MACOSX/` and dotfiles left out),
 * in archive order, or the one finding that rejects the flow. `file` = the flow's name, for locations.
 * Never throws on bad input.
 */
export async function readZip(bytes: Buffer, file: string | undefined, limits: ZipLimits): Promise<ZipReadResult> {
  const fail = (code: ZipCode, detail: string, where = file): ZipReadResult => ({
    ok: false,
    findings: [zipFinding(code, detail, where)],
  });
  let zf: ZipFile;
  try {
    zf = await openArchive(bytes);
  } catch (err) {
    return fail('ZIP-UNREADABLE', (err as Error).message);
  }
  try {
    if (zf.entryCount > limits.maxRawEntries)
      return fail('ZIP-TOO-MANY-ENTRIES', `${zf.entryCount} entrées ; maximum ${limits.maxRawEntries}`);
    let listed: Entry[] | 'too-many';
    try {
      listed = await listEntries(zf, limits.maxRawEntries);
    } catch (err) {
      return fail('ZIP-UNREADABLE', (err as Error).message);
    }
    if (listed === 'too-many') return fail('ZIP-TOO-MANY-ENTRIES', `plus de ${limits.maxRawEntries} entrées`);
    // Every check on the directory first: a bad archive is refused before a single byte is inflated.
    const kept: Array<{ entry: Entry; name: string }> = [];
    let declaredTotal = 0;
    let compressedTotal = 0;
    for (const entry of listed) {
      const name = entryName(entry);
      const bad = unsafeName(name);
      if (bad) return fail('ZIP-ENTRY-PATH', `entrée « ${name} » : ${bad}`);
      // Never followed (nothing is extracted to disk), but its content is a path, not an invoice: said as such.
      if (isSymlink(entry)) return fail('ZIP-ENTRY-LINK', `entrée « ${name} » : lien symbolique`, name);
      if (ignored(name)) continue;
      const where = `${name}`;
      if (entry.isEncrypted()) return fail('ZIP-ENCRYPTED', `entrée « ${name} » chiffrée`, where);
      if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8)
        return fail(
          'ZIP-COMPRESSION-UNSUPPORTED',
          `entrée « ${name} » : méthode ${entry.compressionMethod} ; acceptées : 0 (stockée), 8 (deflate)`,
          where,
        );
      if (
        entry.uncompressedSize > limits.ratioFloorBytes &&
        ratio(entry.uncompressedSize, entry.compressedSize) > limits.maxRatio
      )
        return fail(
          'ZIP-RATIO',
          `entrée « ${name} » : ${entry.uncompressedSize} octets pour ${entry.compressedSize} compressés ` +
            `(taux ${Math.round(ratio(entry.uncompressedSize, entry.compressedSize))}, maximum ${limits.maxRatio})`,
          where,
        );
      declaredTotal += entry.uncompressedSize;
      compressedTotal += entry.compressedSize;
      kept.push({ entry, name });
    }
    if (kept.length === 0) return fail('ZIP-EMPTY', `${listed.length} entrée(s), aucun fichier de facture`);
    if (kept.length > limits.maxEntries)
      return fail('ZIP-TOO-MANY-ENTRIES', `${kept.length} fichiers ; maximum ${limits.maxEntries}`);
    if (declaredTotal > limits.maxTotalBytes)
      return fail('ZIP-TOO-LARGE', `${declaredTotal} octets décompressés ; maximum ${limits.maxTotalBytes}`);
    if (declaredTotal > limits.ratioFloorBytes && ratio(declaredTotal, compressedTotal) > limits.maxRatio)
      return fail(
        'ZIP-RATIO',
        `${declaredTotal} octets pour ${compressedTotal} compressés ` +
          `(taux ${Math.round(ratio(declaredTotal, compressedTotal))}, maximum ${limits.maxRatio})`,
      );

    // Then inflate, each entry capped by what its header claims and by what the limits still allow:
    // a header that lies is caught by the cap (or by yauzl's size check), not by running out of memory.
    const entries: ZipEntryContent[] = [];
    let inflatedTotal = 0;
    for (const { entry, name } of kept) {
      const byRatio = Math.max(limits.ratioFloorBytes, entry.compressedSize * limits.maxRatio);
      const cap = Math.min(entry.uncompressedSize, byRatio, limits.maxTotalBytes - inflatedTotal);
      let content: Buffer;
      try {
        content = await inflateEntry(zf, entry, cap);
      } catch (err) {
        if (err instanceof CapExceeded) {
          const code = cap === limits.maxTotalBytes - inflatedTotal ? 'ZIP-TOO-LARGE' : 'ZIP-RATIO';
          return fail(code, `entrée « ${name} » : plus de ${cap} octets à la décompression (arrêtée)`, name);
        }
        const message = (err as Error).message;
        // yauzl's own size check: more bytes than the header declares is a lying header (a bomb's trick).
        const why = message.startsWith('too many bytes')
          ? `plus d'octets à la décompression que les ${entry.uncompressedSize} déclarés (arrêtée)`
          : message;
        return fail('ZIP-UNREADABLE', `entrée « ${name} » : ${why}`, name);
      }
      inflatedTotal += content.length;
      if (isZip(content)) return fail('ZIP-NESTED', `entrée « ${name} » : archive zip`, name);
      entries.push({ name, bytes: content });
    }
    return { ok: true, entries };
  } finally {
    if (zf.isOpen) zf.close();
  }
}

/**
 * From the first bytes of a zip only (intake's interface sniff): the start of its first document entry
 * (directories and ignored entries skipped while their sizes are in the local headers), inflated from at
 * most 2 KiB of compressed data (≤ ~2 MiB whatever the ratio), or undefined.
 */
export function firstEntryHead(head: Buffer): Buffer | undefined {
  let at = 0;
  while (at + 30 <= head.length && head.toString('latin1', at, at + 4) === 'PK\x03\x04') {
    const flags = head.readUInt16LE(at + 6);
    const method = head.readUInt16LE(at + 8);
    const compressed = head.readUInt32LE(at + 18);
    const nameLength = head.readUInt16LE(at + 26);
    const start = at + 30 + nameLength + head.readUInt16LE(at + 28);
    const name = head.toString('utf8', at + 30, at + 30 + nameLength).replace(/\\/g, '/');
    if (!ignored(name)) {
      if (flags & 1) return undefined;
      const data = head.subarray(start, start + Math.min(compressed || 2048, 2048));
      if (method === 0) return data.length ? data : undefined;
      if (method !== 8) return undefined;
      try {
        return inflateRawSync(data, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
      } catch {
        return undefined;
      }
    }
    // Sizes in a data descriptor (bit 3): the next header cannot be found from here.
    if (flags & 8) return undefined;
    at = start + compressed;
  }
  return undefined;
}

/**
 * Writes a zip of documents (the qualification kit's multi-invoice flow): deflated entries, UTF-8 names
 * (bit 11), no data descriptor, so that `firstEntryHead` can read the first entry from the head alone.
 * Small archives only (no zip64): at most 65,535 entries and 4 GiB.
 */
export function writeZip(entries: readonly ZipEntryContent[], mtime = new Date(Date.UTC(2026, 0, 1))): Buffer {
  // MS-DOS time and date, as local fields: 2-second resolution, years from 1980.
  const dosTime = (mtime.getUTCHours() << 11) | (mtime.getUTCMinutes() << 5) | (mtime.getUTCSeconds() >> 1);
  const dosDate = ((mtime.getUTCFullYear() - 1980) << 9) | ((mtime.getUTCMonth() + 1) << 5) | mtime.getUTCDate();
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const body = deflateRawSync(e.bytes);
    // The fields shared by the local header (from offset 4) and the central header (from offset 6).
    const common = Buffer.alloc(26);
    common.writeUInt16LE(20, 0); // version needed: 2.0 (deflate)
    common.writeUInt16LE(0x0800, 2); // names in UTF-8
    common.writeUInt16LE(8, 4); // deflate
    common.writeUInt16LE(dosTime, 6);
    common.writeUInt16LE(dosDate, 8);
    common.writeUInt32LE(crc32(e.bytes), 10);
    common.writeUInt32LE(body.length, 14);
    common.writeUInt32LE(e.bytes.length, 18);
    common.writeUInt16LE(name.length, 22);
    const local = Buffer.alloc(4);
    local.writeUInt32LE(0x04034b50, 0);
    parts.push(local, common, name, body);
    const head = Buffer.alloc(6);
    head.writeUInt32LE(0x02014b50, 0);
    head.writeUInt16LE(20, 4); // version made by
    const tail = Buffer.alloc(14); // comment length, disk, attributes: 0; then the local header's offset
    tail.writeUInt32LE(offset, 10);
    central.push(head, common, tail, name);
    offset += 30 + name.length + body.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}
