/**
 * Installing an official schema set: from a folder or a .zip the operator downloaded (an official archive
 * or a plain copy of the set), or fetched from the official URL where the network allows. Every file of
 * the set's manifest must be present with the expected SHA-256 before anything is copied, and the copy
 * is atomic (temporary folder + rename) so a validator never sees half a set.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import yauzl from 'yauzl';
import { INSTALL_MARKER, isSetAvailable, loadManifest, PASSERELLE_SET, SCHEMA_SETS, setDef } from './catalog.ts';
import type { ArchiveLayout, ManifestFile, SchemaSetDef } from './catalog.ts';

/** Hard limits on what an archive may make us write (the official ones hold a few MB of XSD). */
const MAX_ZIP_XSD_BYTES = 300 * 1024 * 1024;
const MAX_ZIP_XSD_FILES = 20000;
/** How deep we look for the set root inside a folder or archive. */
const MAX_SEARCH_DEPTH = 10;

class SchemaInstallError extends Error {}

interface Candidate {
  root: string;
  layout: ArchiveLayout;
}

/** Maps a path of the set to where the layout puts it (longest matching folder wins). */
function mapPath(layout: ArchiveLayout, setRel: string): string {
  let best = '';
  for (const key of Object.keys(layout)) if (setRel.startsWith(key) && key.length >= best.length) best = key;
  return best in layout ? layout[best] + setRel.slice(best.length) : setRel;
}

function listDirs(root: string, depth = 0, out: string[] = []): string[] {
  out.push(root);
  if (depth >= MAX_SEARCH_DEPTH) return out;
  let entries;
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries)
    if (e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.'))
      listDirs(path.join(root, e.name), depth + 1, out);
  return out;
}

/** Folders that look like the set root: they hold the first entry file, under any known layout. */
function locate(def: SchemaSetDef, dirs: string[]): Candidate[] {
  const out: Candidate[] = [];
  for (const layout of [{}, ...def.layouts]) {
    const rel = mapPath(layout, def.entries[0]!);
    for (const d of dirs) if (existsSync(path.join(d, rel))) out.push({ root: d, layout });
  }
  return out;
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** First problem with a candidate, or undefined when every manifest file is there, byte for byte. */
function verify(c: Candidate, manifest: ManifestFile[]): string | undefined {
  for (const f of manifest) {
    const src = path.join(c.root, mapPath(c.layout, f.path));
    if (!existsSync(src)) return `missing file ${f.path}`;
    const st = statSync(src);
    if (st.size !== f.size || sha256(src) !== f.sha256)
      return `file ${f.path} differs from the official one (SHA-256 mismatch)`;
  }
  return undefined;
}

/** Extracts only the .xsd entries of a zip, refusing paths that would leave the target folder. */
async function extractXsd(zipFile: string, into: string): Promise<void> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(zipFile, { lazyEntries: true, autoClose: true }, (err, z) =>
      err || !z ? reject(err ?? new Error('cannot open zip')) : resolve(z),
    ),
  );
  let bytes = 0;
  let files = 0;
  await new Promise<void>((resolve, reject) => {
    const fail = (e: Error) => {
      zip.close();
      reject(e);
    };
    zip.on('error', fail);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      const name = entry.fileName.replace(/\\/g, '/');
      if (name.endsWith('/') || !name.toLowerCase().endsWith('.xsd')) return zip.readEntry();
      const target = path.resolve(into, name);
      if (path.isAbsolute(name) || !target.startsWith(into + path.sep))
        return fail(new SchemaInstallError(`unsafe path in archive: ${name}`));
      bytes += entry.uncompressedSize;
      files++;
      if (bytes > MAX_ZIP_XSD_BYTES || files > MAX_ZIP_XSD_FILES)
        return fail(new SchemaInstallError('archive holds too many or too large XSD files'));
      zip.openReadStream(entry, (err, stream) => {
        if (err || !stream) return fail(err ?? new Error('cannot read zip entry'));
        mkdirSync(path.dirname(target), { recursive: true });
        pipeline(stream, createWriteStream(target)).then(() => zip.readEntry(), fail);
      });
    });
    zip.readEntry();
  });
}

/** Copies the verified files into `<schemaDir>/<setId>/`, replacing an older install in one rename. */
function copyAtomically(def: SchemaSetDef, c: Candidate, manifest: ManifestFile[], schemaDir: string): void {
  mkdirSync(schemaDir, { recursive: true });
  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = path.join(schemaDir, `.tmp-${def.id}-${suffix}`);
  const final = path.join(schemaDir, def.id);
  const old = path.join(schemaDir, `.old-${def.id}-${suffix}`);
  try {
    for (const f of manifest) {
      const bytes = readFileSync(path.join(c.root, mapPath(c.layout, f.path)));
      // Re-checked on the bytes we write: the source may have changed since verify().
      if (createHash('sha256').update(bytes).digest('hex') !== f.sha256)
        throw new SchemaInstallError(`file ${f.path} changed during installation`);
      const dest = path.join(tmp, f.path);
      mkdirSync(path.dirname(dest), { recursive: true });
      writeFileSync(dest, bytes);
    }
    writeFileSync(
      path.join(tmp, INSTALL_MARKER),
      JSON.stringify({ setId: def.id, files: manifest.length, installedAt: new Date().toISOString() }, null, 1) + '\n',
    );
    if (existsSync(final)) renameSync(final, old);
    renameSync(tmp, final);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(old, { recursive: true, force: true });
  }
}

/**
 * Installs a set from a folder or a .zip (official archive or a copy of the set). Without `setId`, the set is
 * recognised from its entry files. Refuses (throws SchemaInstallError, naming the file) when a file is missing
 * or differs from the manifest.
 */
export async function installSchemaSet(
  from: string,
  schemaDir: string,
  setId?: string,
): Promise<{ setId: string; files: number }> {
  const source = path.resolve(from);
  if (!existsSync(source)) throw new SchemaInstallError(`${from}: no such file or folder`);
  if (setId === PASSERELLE_SET)
    throw new SchemaInstallError('the passerelle set ships with Passerelle (folder xsd/): nothing to install');
  if (setId !== undefined && !setDef(setId))
    throw new SchemaInstallError(`unknown schema set ${setId} (known: ${SCHEMA_SETS.map((s) => s.id).join(', ')})`);
  let scratch: string | undefined;
  try {
    let root = source;
    if (statSync(source).isFile()) {
      scratch = await mkdtemp(path.join(os.tmpdir(), 'passerelle-xsd-'));
      try {
        await extractXsd(source, scratch);
      } catch (e) {
        if (e instanceof SchemaInstallError) throw e;
        throw new SchemaInstallError(`${from}: not a readable zip archive (${(e as Error).message})`);
      }
      root = scratch;
    }
    const dirs = listDirs(root);
    const defs = setId ? [setDef(setId)!] : SCHEMA_SETS.filter((d) => locate(d, dirs).length > 0);
    if (defs.length === 0)
      throw new SchemaInstallError(
        `${from}: no known schema set found (looked for ${SCHEMA_SETS.map((s) => s.entries[0]).join(', ')})`,
      );
    if (defs.length > 1)
      throw new SchemaInstallError(
        `${from} holds several schema sets (${defs.map((d) => d.id).join(', ')}): name the one to install`,
      );
    const def = defs[0]!;
    const candidates = locate(def, dirs);
    if (candidates.length === 0)
      throw new SchemaInstallError(
        `${from}: ${def.id} not found (no ${def.entries[0]}; expected layout: ${def.layoutNote})`,
      );
    const manifest = loadManifest(def.id);
    let firstProblem: string | undefined;
    for (const c of candidates) {
      const problem = verify(c, manifest);
      if (problem === undefined) {
        copyAtomically(def, c, manifest, schemaDir);
        return { setId: def.id, files: manifest.length };
      }
      firstProblem ??= problem;
    }
    throw new SchemaInstallError(`${from}: refused to install ${def.id}: ${firstProblem}`);
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

/** The reason a download failed, in one line (undici hides the system error in `cause`). */
function downloadError(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timed out';
  const cause = err.cause?.code ?? err.cause?.message;
  return cause ? `${err.message}: ${cause}` : err.message;
}

async function fetchOne(
  def: SchemaSetDef,
  schemaDir: string,
  timeoutMs: number,
): Promise<{ setId: string; ok: boolean; message: string }> {
  const how = `download ${def.sources[0]} where the network allows, then run: npx passerelle schemas install --from <folder|zip>`;
  const failures: string[] = [];
  for (const url of def.sources) {
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'passerelle-fetch-'));
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      const zipFile = path.join(scratch, 'set.zip');
      await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(zipFile), {
        signal: AbortSignal.timeout(timeoutMs * 30),
      });
      const r = await installSchemaSet(zipFile, schemaDir, def.id);
      return { setId: def.id, ok: true, message: `${def.id}: installed ${r.files} files from ${url}` };
    } catch (e) {
      failures.push(e instanceof SchemaInstallError ? e.message : `cannot download (${downloadError(e)})`);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  return { setId: def.id, ok: false, message: `${def.id}: ${failures.join('; ')}; ${how}` };
}

/**
 * Downloads and installs the official sets that are not installed yet (or `setIds`), in parallel.
 * Never throws: each set gets `ok` and a one-line message saying how to install by hand on failure.
 */
export async function fetchSchemaSets(
  schemaDir: string,
  opts: { timeoutMs?: number; setIds?: string[] } = {},
): Promise<{ setId: string; ok: boolean; message: string }[]> {
  const timeoutMs = opts.timeoutMs ?? 10000;
  const ids = opts.setIds ?? SCHEMA_SETS.filter((s) => !isSetAvailable(schemaDir, s.id, false)).map((s) => s.id);
  return Promise.all(
    ids.map(async (id) => {
      const def = setDef(id);
      if (!def || id === PASSERELLE_SET)
        return { setId: id, ok: false, message: `${id}: not an official schema set that can be downloaded` };
      return fetchOne(def, schemaDir, timeoutMs);
    }),
  );
}
