/** How the session's answers look on the wire: attributes, `ls -l` lines, EXTENDED request strings. */
import type { Attributes } from 'ssh2';

const FILE_MODE = 0o100644;
const DIR_MODE = 0o040755;

export function fileAttrs(size: number, mtimeMs = Date.now()): Attributes {
  const t = Math.floor(mtimeMs / 1000);
  return { mode: FILE_MODE, uid: 0, gid: 0, size, atime: t, mtime: t };
}
export function dirAttrs(): Attributes {
  const t = Math.floor(Date.now() / 1000);
  return { mode: DIR_MODE, uid: 0, gid: 0, size: 4096, atime: t, mtime: t };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** `ls -l` style line, as OpenSSH's sftp-server writes it; some clients (WinSCP, FileZilla) parse it. */
export function longname(name: string, a: Attributes, owner: string): string {
  const isDir = (a.mode & 0o170000) === 0o040000;
  const perms = isDir ? 'drwxr-xr-x' : '-rw-r--r--';
  const d = new Date(a.mtime * 1000);
  const recent = Date.now() - d.getTime() < 182 * 86400_000;
  const when = `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2)} ${recent ? `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}` : ` ${d.getFullYear()}`}`;
  return `${perms}    1 ${owner.padEnd(8)} ${owner.padEnd(8)} ${String(a.size).padStart(8)} ${when} ${name}`;
}

/** Reads `count` SSH strings (uint32 length + UTF-8 bytes) from an EXTENDED request's data. */
export function readStrings(data: Buffer, count: number): Array<string | undefined> {
  const out: Array<string | undefined> = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 4 > data.length) return out;
    const len = data.readUInt32BE(p);
    p += 4;
    if (p + len > data.length) return out;
    out.push(data.toString('utf8', p, p + len));
    p += len;
  }
  return out;
}
