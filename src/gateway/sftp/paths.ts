/**
 * The partner's virtual tree: `/`, `/depot`, `/analyse`, `/retour` and the files directly inside them.
 * Every client path goes through `resolveVirtual` before anything touches the disk: it is resolved like a
 * chroot (`..` never climbs above `/`), and anything odd (NUL, control characters, backslashes, too long,
 * deeper than one level) is refused, so no path a client sends can name a file outside the mailbox.
 */
import type { Box } from '../../store/mailboxes.ts';

export type Folder = Box | 'retour';
const FOLDERS: readonly Folder[] = ['depot', 'analyse', 'retour'];

export type VirtualPath =
  | { kind: 'root' }
  | { kind: 'folder'; folder: Folder }
  | { kind: 'file'; folder: Folder; name: string }
  /** Well-formed but names nothing (`/etc/passwd`, `/depot/a/b`): answered NO_SUCH_FILE. */
  | { kind: 'none'; path: string };

export interface Invalid {
  kind: 'invalid';
  reason: string;
}

const MAX_PATH = 4096;
const MAX_NAME_BYTES = 255;
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f\\]/;

/** Normalises a client path against `/` (relative paths are relative to `/`, the login folder). */
export function normalise(raw: string): string[] | Invalid {
  if (raw.length > MAX_PATH) return { kind: 'invalid', reason: 'path too long' };
  if (FORBIDDEN.test(raw)) return { kind: 'invalid', reason: 'control character or backslash in path' };
  const out: string[] = [];
  for (const seg of raw.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      out.pop();
      continue;
    }
    if (Buffer.byteLength(seg) > MAX_NAME_BYTES) return { kind: 'invalid', reason: 'name too long' };
    out.push(seg);
  }
  return out;
}

export function resolveVirtual(raw: string): VirtualPath | Invalid {
  const segs = normalise(raw);
  if (!Array.isArray(segs)) return segs;
  const joined = '/' + segs.join('/');
  if (segs.length === 0) return { kind: 'root' };
  const folder = FOLDERS.find((f) => f === segs[0]);
  if (!folder || segs.length > 2) return { kind: 'none', path: joined };
  if (segs.length === 1) return { kind: 'folder', folder };
  const name = segs[1]!;
  // Trailing dots/spaces are how Windows tools smuggle alternate names; not a flow name anyway.
  if (/[. ]$/.test(name) || /^ /.test(name)) return { kind: 'invalid', reason: 'name ends with a dot or space' };
  return { kind: 'file', folder, name };
}

/** The canonical text of a resolved path, as REALPATH answers it. */
export function virtualText(v: VirtualPath): string {
  switch (v.kind) {
    case 'root':
      return '/';
    case 'folder':
      return `/${v.folder}`;
    case 'file':
      return `/${v.folder}/${v.name}`;
    case 'none':
      return v.path;
  }
}
