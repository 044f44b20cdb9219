/**
 * One logged-in partner's SFTP session: the request handlers over its virtual tree (see paths.ts).
 * Uploads go to a hidden temp file in the same folder (same filesystem, so the intake's rename is atomic,
 * and the drop-folder watcher ignores dot-files); only a clean CLOSE, or a RENAME to a complete name,
 * hands the file to the intake, labelled `sftp`. A detached signature is handed over like any file: the
 * intake pairs it with its flow. Everything the session leaves unfinished is deleted when it ends.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { lstat, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import ssh2 from 'ssh2';
import type { Attributes, FileEntry, SFTPWrapper } from 'ssh2';
import type { Finding } from '../../finding.ts';
import type { Logger } from '../../log.ts';
import type { Intake } from '../intake-types.ts';
import { declaredInterface, declaredSigned, isIncompleteName, unsafeMailboxFolder } from '../../store/mailboxes.ts';
import type { Box, MailboxPaths } from '../../store/mailboxes.ts';
import type { SftpMetrics } from './metrics.ts';
import { resolveVirtual, virtualText } from './paths.ts';
import type { Folder, Invalid, VirtualPath } from './paths.ts';
import { dirAttrs, fileAttrs, longname, readStrings } from './wire.ts';
import { refusal, statusText } from './refusals.ts';
import type { RefusalCode } from './refusals.ts';

const { OPEN_MODE, STATUS_CODE } = ssh2.utils.sftp;

/** OpenSSH's sftp-server caps a READ the same way; clients handle short reads. */
const MAX_READ = 256 * 1024 - 1024;
const MAX_HANDLES = 256;
/** Bytes of WRITE data waiting for the disk, per session: clients pipeline ~2 MB; more is abuse. */
const MAX_WRITE_BACKLOG = 64 * 1024 * 1024;
const READDIR_BATCH = 100;

interface SessionContext {
  partner: string;
  address: string;
  paths: MailboxPaths;
  intake: Intake;
  log: Logger;
  metrics: SftpMetrics;
  /** Marks the connection active (idle timeout). */
  touch: () => void;
}

interface Upload {
  kind: 'upload';
  box: Box;
  /** The name the partner sees; a RENAME while open changes it. */
  name: string;
  tempPath: string;
  fd: number;
  size: number;
  pending: Set<Promise<void>>;
  failed?: Finding;
}
interface Staged {
  box: Box;
  name: string;
  tempPath: string;
  size: number;
}
interface TempFile {
  tempPath: string;
  fd: number;
}
interface Download {
  kind: 'download';
  name: string;
  fd: number;
  size: number;
  sent: number;
}
interface Dir {
  kind: 'dir';
  entries: FileEntry[];
  next: number;
}
type Handle = Upload | Download | Dir;

const fsWrite = (fd: number, data: Buffer, position: number): Promise<void> =>
  new Promise((res, rej) => fs.write(fd, data, 0, data.length, position, (e) => (e ? rej(e) : res())));
const fsRead = (fd: number, buf: Buffer, position: number): Promise<number> =>
  new Promise((res, rej) => fs.read(fd, buf, 0, buf.length, position, (e, n) => (e ? rej(e) : res(n))));
const fsClose = (fd: number): Promise<void> => new Promise((res) => fs.close(fd, () => res()));
const fsOpen = (p: string, flags: number, mode?: number): Promise<number> =>
  new Promise((res, rej) => fs.open(p, flags, mode, (e, fd) => (e ? rej(e) : res(fd))));
const fsFstat = (fd: number): Promise<fs.Stats> =>
  new Promise((res, rej) => fs.fstat(fd, (e, st) => (e ? rej(e) : res(st))));
const unlinkQuiet = (p: string): Promise<void> => unlink(p).catch(() => undefined);

class Refused extends Error {
  readonly status: number;
  readonly finding: Finding;
  constructor(status: number, code: RefusalCode, detail?: string) {
    // No stack: a refusal is an answer, not a bug, and clients probe with STAT before every upload
    // (capturing the stack was ~4 % of the server's CPU per small file).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(code);
    Error.stackTraceLimit = limit;
    this.status = status;
    this.finding = refusal(code, detail);
  }
}

export class SftpSession {
  readonly #c: SessionContext;
  readonly #handles = new Map<number, Handle>();
  readonly #staged = new Map<string, Staged>();
  #nextHandle = 1;
  #backlog = 0;
  #ended = false;

  constructor(ctx: SessionContext) {
    this.#c = ctx;
  }

  /** Wires one SFTP channel of the connection to this session. */
  attach(sftp: SFTPWrapper): void {
    const on = (event: string, run: (reqid: number, ...args: never[]) => Promise<void>): void => {
      sftp.on(event, (reqid: number, ...args: never[]) => {
        this.#c.touch();
        run(reqid, ...args).catch((e: unknown) => this.#fail(sftp, reqid, e, event));
      });
    };
    on('OPEN', (id, p: string, flags: number) => this.#open(sftp, id, p, flags));
    on('WRITE', (id, h: Buffer, offset: number, data: Buffer) => this.#write(sftp, id, h, offset, data));
    on('READ', (id, h: Buffer, offset: number, len: number) => this.#read(sftp, id, h, offset, len));
    on('CLOSE', (id, h: Buffer) => this.#close(sftp, id, h));
    on('FSTAT', (id, h: Buffer) => this.#fstat(sftp, id, h));
    on('FSETSTAT', async (id, h: Buffer) => {
      this.#handle(h);
      sftp.status(id, STATUS_CODE.OK); // attributes are not stored (see docs/sftp.md)
    });
    on('SETSTAT', async (id, p: string) => {
      this.#existing(p);
      sftp.status(id, STATUS_CODE.OK);
    });
    on('STAT', (id, p: string) => this.#stat(sftp, id, p));
    on('LSTAT', (id, p: string) => this.#stat(sftp, id, p));
    on('REALPATH', async (id, p: string) => {
      const v = this.#resolve(p);
      const text = virtualText(v);
      sftp.name(id, [{ filename: text, longname: text, attrs: {} as Attributes }]);
    });
    on('OPENDIR', (id, p: string) => this.#opendir(sftp, id, p));
    on('READDIR', async (id, h: Buffer) => this.#readdir(sftp, id, h));
    on('REMOVE', (id, p: string) => this.#remove(sftp, id, p));
    on('RENAME', (id, from: string, to: string) => this.#rename(sftp, id, from, to, false));
    on('MKDIR', async () => {
      throw new Refused(STATUS_CODE.PERMISSION_DENIED, 'SFTP-FOLDER-DENIED');
    });
    on('RMDIR', async () => {
      throw new Refused(STATUS_CODE.PERMISSION_DENIED, 'SFTP-FOLDER-DENIED');
    });
    on('READLINK', async () => {
      throw new Refused(STATUS_CODE.OP_UNSUPPORTED, 'SFTP-UNSUPPORTED', 'READLINK');
    });
    on('SYMLINK', async () => {
      throw new Refused(STATUS_CODE.OP_UNSUPPORTED, 'SFTP-UNSUPPORTED', 'SYMLINK');
    });
    on('EXTENDED', async (id, ext: string, data: Buffer) => {
      if (ext !== 'posix-rename@openssh.com') throw new Refused(STATUS_CODE.OP_UNSUPPORTED, 'SFTP-UNSUPPORTED', ext);
      const [from, to] = readStrings(data, 2);
      if (from === undefined || to === undefined)
        throw new Refused(STATUS_CODE.BAD_MESSAGE, 'SFTP-PATH-INVALID', 'malformed posix-rename');
      await this.#rename(sftp, id, from, to, true);
    });
    // OpenSSH's sftp waits for the server to close its side before exiting.
    sftp.on('end', () => sftp.end());
  }

  #fail(sftp: SFTPWrapper, reqid: number, e: unknown, op: string): void {
    let status: number = STATUS_CODE.FAILURE;
    let f: Finding;
    if (e instanceof Refused) {
      status = e.status;
      f = e.finding;
      // NOT-FOUND is routine (OpenSSH's `put` STATs the target first): debug, not counted as a refusal.
      if (f.code === 'SFTP-NOT-FOUND') this.#c.log.debug({ op, code: f.code }, 'sftp operation refused');
      else {
        this.#c.metrics.refusals.inc({ reason: f.code });
        this.#c.log.info({ op, code: f.code, detail: f.detail }, 'sftp operation refused');
      }
    } else {
      f = refusal('SFTP-IO-ERROR');
      this.#c.log.error({ op, err: e }, 'sftp operation failed');
    }
    try {
      sftp.status(reqid, status, statusText(f));
    } catch {
      // channel already gone
    }
  }

  #resolve(p: string): VirtualPath {
    const v: VirtualPath | Invalid = resolveVirtual(p);
    if (v.kind === 'invalid') throw new Refused(STATUS_CODE.NO_SUCH_FILE, 'SFTP-PATH-INVALID', v.reason);
    return v;
  }

  /** A path that must name something that exists in the tree (or this session's uploads). */
  #existing(p: string): Exclude<VirtualPath, { kind: 'none' }> {
    const v = this.#resolve(p);
    if (v.kind === 'none') throw new Refused(STATUS_CODE.NO_SUCH_FILE, 'SFTP-NOT-FOUND');
    return v;
  }

  #handle(h: Buffer): Handle {
    const handle = h.length === 4 ? this.#handles.get(h.readUInt32BE(0)) : undefined;
    if (!handle) throw new Refused(STATUS_CODE.FAILURE, 'SFTP-BAD-HANDLE');
    return handle;
  }

  #newHandle(sftp: SFTPWrapper, reqid: number, handle: Handle): void {
    const n = this.#nextHandle++ >>> 0;
    this.#handles.set(n, handle);
    const buf = Buffer.alloc(4);
    buf.writeUInt32BE(n, 0);
    sftp.handle(reqid, buf);
  }

  /** Uploads of this session (open or staged) in a box, by the name the partner gave them. */
  #uploadsIn(box: Box): Array<{ name: string; size: number }> {
    const open = [...this.#handles.values()].filter(
      (h): h is Upload => h.kind === 'upload' && h.box === box && !h.failed,
    );
    const staged = [...this.#staged.values()].filter((s) => s.box === box);
    return [...open, ...staged].map((u) => ({ name: u.name, size: u.size }));
  }

  #retourFile(name: string): string {
    // Hidden names in retour/ are the pipeline's own in-progress writes.
    if (name.startsWith('.')) throw new Refused(STATUS_CODE.NO_SUCH_FILE, 'SFTP-NOT-FOUND');
    this.#jail('retour');
    return path.join(this.#c.paths.retour, name);
  }

  /** A mailbox folder replaced by a symlink (or anything but a directory) is never read from nor written to. */
  #jail(folder: Box | 'retour'): void {
    // paths.root is <dataDir>/mailboxes/<CODE>.
    const why = unsafeMailboxFolder(path.dirname(path.dirname(this.#c.paths.root)), this.#c.partner, folder);
    if (why) {
      this.#c.log.error({ folder, reason: why }, 'mailbox folder is not a real directory: refused');
      throw new Refused(STATUS_CODE.FAILURE, 'SFTP-IO-ERROR', 'mailbox folder unavailable');
    }
  }

  /** lstat of a return flow: only regular files exist for the partner (symlinks, FIFOs… do not). */
  async #retourStat(name: string): Promise<fs.Stats> {
    const st = await lstat(this.#retourFile(name)).catch(() => undefined);
    if (!st?.isFile()) throw new Refused(STATUS_CODE.NO_SUCH_FILE, 'SFTP-NOT-FOUND');
    return st;
  }

  async #open(sftp: SFTPWrapper, reqid: number, p: string, flags: number): Promise<void> {
    const v = this.#existing(p);
    if (v.kind !== 'file') throw new Refused(STATUS_CODE.FAILURE, 'SFTP-PATH-INVALID', 'not a file');
    if (this.#ended) throw new Refused(STATUS_CODE.FAILURE, 'SFTP-UPLOAD-FAILED', 'session closing');
    if (this.#handles.size >= MAX_HANDLES) throw new Refused(STATUS_CODE.FAILURE, 'SFTP-TOO-MANY-HANDLES');
    const writing = (flags & (OPEN_MODE.WRITE | OPEN_MODE.APPEND | OPEN_MODE.CREAT | OPEN_MODE.TRUNC)) !== 0;
    if (writing) {
      if (v.folder === 'retour') throw new Refused(STATUS_CODE.PERMISSION_DENIED, 'SFTP-WRITE-DENIED');
      const box = v.folder;
      // Uploading again under a staged name replaces the staged file, as a rewrite of a local file would.
      const prior = this.#staged.get(`${box}/${v.name}`);
      if (prior) {
        this.#staged.delete(`${box}/${v.name}`);
        await unlinkQuiet(prior.tempPath);
      }
      const { tempPath, fd } = await this.#takeTempFile(box);
      this.#newHandle(sftp, reqid, { kind: 'upload', box, name: v.name, tempPath, fd, size: 0, pending: new Set() });
      this.#c.log.debug({ box, name: v.name }, 'sftp upload started');
      return;
    }
    if (v.folder !== 'retour') throw new Refused(STATUS_CODE.PERMISSION_DENIED, 'SFTP-READ-DEPOSIT');
    const file = this.#retourFile(v.name);
    // O_NOFOLLOW: a symlink planted in retour/ is refused at open time, not only at lstat time (no race).
    const fd = await fsOpen(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK).catch(
      () => undefined,
    );
    if (fd === undefined) throw new Refused(STATUS_CODE.NO_SUCH_FILE, 'SFTP-NOT-FOUND');
    const st = await fsFstat(fd).catch(() => undefined);
    if (!st?.isFile()) {
      await fsClose(fd);
      throw new Refused(STATUS_CODE.NO_SUCH_FILE, 'SFTP-NOT-FOUND');
    }
    this.#newHandle(sftp, reqid, { kind: 'download', name: v.name, fd, size: st.size, sent: 0 });
  }

  /** A fresh temp file for an upload into `box`; refused (and removed) if the session ended meanwhile. */
  async #takeTempFile(box: Box): Promise<TempFile> {
    this.#jail(box);
    const tempPath = path.join(this.#c.paths[box], `.sftp-${randomBytes(12).toString('hex')}.part`);
    const fd = await fsOpen(
      tempPath,
      fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
      0o640,
    );
    if (this.#ended) {
      await fsClose(fd);
      await unlinkQuiet(tempPath);
      throw new Refused(STATUS_CODE.FAILURE, 'SFTP-UPLOAD-FAILED', 'session closing');
    }
    return { tempPath, fd };
  }

  async #write(sftp: SFTPWrapper, reqid: number, h: Buffer, offset: number, data: Buffer): Promise<void> {
    const up = this.#handle(h);
    if (up.kind !== 'upload')
      throw new Refused(STATUS_CODE.PERMISSION_DENIED, 'SFTP-BAD-HANDLE', 'not open for writing');
    if (up.failed) throw new Refused(STATUS_CODE.FAILURE, up.failed.code as RefusalCode, up.failed.detail);
    const end = offset + data.length;
    // The intake's limit, applied as the bytes come: a larger upload would only be refused after it landed.
    const { maxFlowBytes } = this.#c.intake;
    if (end > maxFlowBytes) {
      const detail = `limit ${Math.floor(maxFlowBytes / 1024)} Ko`;
      this.#abortUpload(up, refusal('SFTP-TOO-LARGE', detail), end);
      throw new Refused(STATUS_CODE.FAILURE, 'SFTP-TOO-LARGE', detail);
    }
    if (this.#backlog + data.length > MAX_WRITE_BACKLOG) {
      this.#abortUpload(up, refusal('SFTP-WRITE-BACKLOG'), end);
      throw new Refused(STATUS_CODE.FAILURE, 'SFTP-WRITE-BACKLOG');
    }
    this.#backlog += data.length;
    // Acknowledged only once the bytes are written: the client's window of pending WRITEs is the only buffer.
    const done = fsWrite(up.fd, data, offset);
    const tracked = done.then(
      () => undefined,
      () => undefined,
    );
    up.pending.add(tracked);
    try {
      await done;
    } catch (e) {
      this.#abortUpload(up, refusal('SFTP-IO-ERROR', (e as Error).message), end);
      throw new Refused(STATUS_CODE.FAILURE, 'SFTP-IO-ERROR');
    } finally {
      this.#backlog -= data.length;
      up.pending.delete(tracked);
    }
    if (end > up.size) up.size = end;
    this.#c.metrics.bytes.inc({ direction: 'up' }, data.length);
    sftp.status(reqid, STATUS_CODE.OK);
  }

  /** Marks an upload failed, logs it, and removes its temp file once no write is in flight. */
  #abortUpload(up: Upload, why: Finding, attempted?: number): void {
    if (up.failed) return;
    up.failed = why;
    this.#c.metrics.refusals.inc({ reason: why.code });
    this.#c.log.warn(
      { box: up.box, name: up.name, size: up.size, attempted, code: why.code, detail: why.detail },
      'sftp upload cut off',
    );
    void this.#discard(up);
  }

  /** Waits for in-flight writes (closing the fd earlier could let a reused fd receive them), then deletes. */
  async #discard(up: Upload): Promise<void> {
    await Promise.all([...up.pending]);
    if (up.fd >= 0) {
      const fd = up.fd;
      up.fd = -1;
      await fsClose(fd);
    }
    await unlinkQuiet(up.tempPath);
  }

  async #read(sftp: SFTPWrapper, reqid: number, h: Buffer, offset: number, len: number): Promise<void> {
    const dl = this.#handle(h);
    if (dl.kind !== 'download') throw new Refused(STATUS_CODE.PERMISSION_DENIED, 'SFTP-READ-DEPOSIT');
    const buf = Buffer.allocUnsafe(Math.max(0, Math.min(len, MAX_READ)));
    const n = buf.length ? await fsRead(dl.fd, buf, offset) : 0;
    if (n === 0) {
      sftp.status(reqid, STATUS_CODE.EOF);
      return;
    }
    dl.sent += n;
    this.#c.metrics.bytes.inc({ direction: 'down' }, n);
    sftp.data(reqid, n === buf.length ? buf : buf.subarray(0, n));
  }

  async #close(sftp: SFTPWrapper, reqid: number, h: Buffer): Promise<void> {
    const handle = this.#handle(h);
    this.#handles.delete(h.readUInt32BE(0));
    if (handle.kind === 'dir') {
      sftp.status(reqid, STATUS_CODE.OK);
    } else if (handle.kind === 'download') {
      await fsClose(handle.fd);
      const complete = handle.sent >= handle.size;
      if (complete) this.#c.metrics.files.inc({ direction: 'down' });
      this.#c.log.info(
        { name: handle.name, size: handle.size, sent: handle.sent, complete },
        'sftp return flow downloaded',
      );
      sftp.status(reqid, STATUS_CODE.OK);
    } else {
      await Promise.all([...handle.pending]);
      if (handle.failed) {
        await this.#discard(handle);
        throw new Refused(STATUS_CODE.FAILURE, handle.failed.code as RefusalCode, handle.failed.detail);
      }
      const fd = handle.fd;
      handle.fd = -1;
      const closed = fsClose(fd);
      if (isIncompleteName(handle.name)) {
        await closed;
        this.#stage({ box: handle.box, name: handle.name, tempPath: handle.tempPath, size: handle.size });
        sftp.status(reqid, STATUS_CODE.OK);
        return;
      }
      // Every write has landed (pending is empty), so the intake may rename and read the file while the fd is
      // being closed (POSIX): one thread-pool round trip less on the reply.
      await this.#publish(
        sftp,
        reqid,
        { box: handle.box, name: handle.name, tempPath: handle.tempPath, size: handle.size },
        closed,
      );
    }
  }

  #stage(s: Staged): void {
    if (this.#ended) {
      void unlinkQuiet(s.tempPath);
      return;
    }
    this.#staged.set(`${s.box}/${s.name}`, s);
    this.#c.log.debug({ box: s.box, name: s.name, size: s.size }, 'sftp upload staged under an incomplete name');
  }

  async #publish(sftp: SFTPWrapper, reqid: number, s: Staged, closed?: Promise<void>): Promise<void> {
    const { partner, intake } = this.#c;
    // Every upload goes to the intake, a detached signature too: the intake pairs a flow with its `.p7s`
    // (waiting `signature.detachedWaitMs` for it, whatever order the two were uploaded in).
    let result;
    try {
      const declared = declaredInterface(s.name);
      const signedFlag = declaredSigned(s.name);
      // take(): the reply to CLOSE waits for the spool, not for the database (the flow is safe from then on).
      const claimed = intake.take({
        partner,
        box: s.box,
        path: s.tempPath,
        originalName: s.name,
        transport: 'sftp',
        ...(declared ? { declaredInterface: declared } : {}),
        ...(signedFlag !== undefined ? { declaredSigned: signedFlag } : {}),
      });
      [, result] = await Promise.all([closed, claimed]);
    } catch (e) {
      await closed;
      await unlinkQuiet(s.tempPath);
      this.#c.log.error({ box: s.box, name: s.name, size: s.size, err: e }, 'sftp upload not taken in by the intake');
      throw new Refused(STATUS_CODE.FAILURE, 'SFTP-CLAIM-FAILED');
    }
    this.#c.metrics.files.inc({ direction: 'up' });
    this.#c.log.info({ box: s.box, name: s.name, size: s.size, spoolKey: result.spoolKey }, 'sftp flow received');
    sftp.status(reqid, STATUS_CODE.OK);
  }

  async #fstat(sftp: SFTPWrapper, reqid: number, h: Buffer): Promise<void> {
    const handle = this.#handle(h);
    if (handle.kind === 'dir') sftp.attrs(reqid, dirAttrs());
    else if (handle.kind === 'upload') sftp.attrs(reqid, fileAttrs(handle.size));
    else sftp.attrs(reqid, fileAttrs(handle.size, (await fsFstat(handle.fd)).mtimeMs));
  }

  async #stat(sftp: SFTPWrapper, reqid: number, p: string): Promise<void> {
    const v = this.#existing(p);
    if (v.kind !== 'file') return sftp.attrs(reqid, dirAttrs());
    if (v.folder === 'retour') {
      const st = await this.#retourStat(v.name);
      return sftp.attrs(reqid, fileAttrs(st.size, st.mtimeMs));
    }
    const mine = this.#uploadsIn(v.folder).find((u) => u.name === v.name);
    if (!mine) throw new Refused(STATUS_CODE.NO_SUCH_FILE, 'SFTP-NOT-FOUND');
    sftp.attrs(reqid, fileAttrs(mine.size));
  }

  async #opendir(sftp: SFTPWrapper, reqid: number, p: string): Promise<void> {
    const v = this.#existing(p);
    if (v.kind === 'file') throw new Refused(STATUS_CODE.FAILURE, 'SFTP-PATH-INVALID', 'not a folder');
    const owner = this.#c.partner;
    const entry = (name: string, attrs: Attributes): FileEntry => ({
      filename: name,
      longname: longname(name, attrs, owner),
      attrs,
    });
    const entries = [entry('.', dirAttrs()), entry('..', dirAttrs())];
    if (v.kind === 'root') {
      for (const f of ['depot', 'analyse', 'retour'] as Folder[]) entries.push(entry(f, dirAttrs()));
    } else if (v.folder === 'retour') {
      this.#jail('retour');
      const files: Array<{ name: string; st: fs.Stats }> = [];
      for (const d of await readdir(this.#c.paths.retour, { withFileTypes: true })) {
        if (!d.isFile() || d.name.startsWith('.')) continue;
        const st = await lstat(path.join(this.#c.paths.retour, d.name)).catch(() => undefined);
        if (st?.isFile()) files.push({ name: d.name, st });
      }
      // Oldest first, newest last, as the issue asks; name breaks ties so the order is stable.
      files.sort((a, b) => a.st.mtimeMs - b.st.mtimeMs || (a.name < b.name ? -1 : 1));
      for (const f of files) entries.push(entry(f.name, fileAttrs(f.st.size, f.st.mtimeMs)));
    } else {
      for (const u of this.#uploadsIn(v.folder)) entries.push(entry(u.name, fileAttrs(u.size)));
    }
    if (this.#handles.size >= MAX_HANDLES) throw new Refused(STATUS_CODE.FAILURE, 'SFTP-TOO-MANY-HANDLES');
    this.#newHandle(sftp, reqid, { kind: 'dir', entries, next: 0 });
  }

  #readdir(sftp: SFTPWrapper, reqid: number, h: Buffer): void {
    const dir = this.#handle(h);
    if (dir.kind !== 'dir') throw new Refused(STATUS_CODE.FAILURE, 'SFTP-BAD-HANDLE', 'not a folder handle');
    // EOF after the last batch, or FileZilla and WinSCP ask forever.
    if (dir.next >= dir.entries.length) return sftp.status(reqid, STATUS_CODE.EOF);
    const batch = dir.entries.slice(dir.next, dir.next + READDIR_BATCH);
    dir.next += batch.length;
    sftp.name(reqid, batch);
  }

  async #remove(sftp: SFTPWrapper, reqid: number, p: string): Promise<void> {
    const v = this.#existing(p);
    if (v.kind !== 'file') throw new Refused(STATUS_CODE.FAILURE, 'SFTP-PATH-INVALID', 'not a file');
    if (v.folder !== 'retour') {
      // The session's own unpublished upload may go (clients clean up after a failed transfer); deposits may not.
      const staged = this.#staged.get(`${v.folder}/${v.name}`);
      if (!staged) throw new Refused(STATUS_CODE.PERMISSION_DENIED, 'SFTP-REMOVE-DENIED');
      this.#staged.delete(`${v.folder}/${v.name}`);
      await unlinkQuiet(staged.tempPath);
      this.#c.log.info({ box: v.folder, name: v.name }, 'sftp staged upload removed');
      return sftp.status(reqid, STATUS_CODE.OK);
    }
    const st = await this.#retourStat(v.name);
    await unlink(this.#retourFile(v.name)).catch(() => {
      throw new Refused(STATUS_CODE.NO_SUCH_FILE, 'SFTP-NOT-FOUND');
    });
    this.#c.log.info({ name: v.name, size: st.size }, 'sftp return flow removed');
    sftp.status(reqid, STATUS_CODE.OK);
  }

  async #rename(sftp: SFTPWrapper, reqid: number, fromPath: string, toPath: string, overwrite: boolean): Promise<void> {
    const from = this.#existing(fromPath);
    const to = this.#existing(toPath);
    if (from.kind !== 'file' || to.kind !== 'file' || from.folder !== to.folder || from.folder === 'retour') {
      throw new Refused(STATUS_CODE.PERMISSION_DENIED, 'SFTP-RENAME-DENIED');
    }
    const box = from.folder;
    if (from.name === to.name) return sftp.status(reqid, STATUS_CODE.OK);
    const open = [...this.#handles.values()].find(
      (h): h is Upload => h.kind === 'upload' && h.box === box && h.name === from.name && !h.failed,
    );
    const staged = this.#staged.get(`${box}/${from.name}`);
    if (!open && !staged) throw new Refused(STATUS_CODE.NO_SUCH_FILE, 'SFTP-NOT-FOUND');
    const target = this.#staged.get(`${box}/${to.name}`);
    const targetOpen = [...this.#handles.values()].some(
      (h) => h.kind === 'upload' && h.box === box && h.name === to.name && !h.failed,
    );
    if ((target || targetOpen) && !overwrite) throw new Refused(STATUS_CODE.FAILURE, 'SFTP-RENAME-EXISTS');
    if (target) {
      this.#staged.delete(`${box}/${to.name}`);
      await unlinkQuiet(target.tempPath);
    }
    this.#c.log.debug({ box, from: from.name, to: to.name }, 'sftp upload renamed');
    if (open) {
      // Still being written: the CLOSE publishes it under the new name.
      open.name = to.name;
      return sftp.status(reqid, STATUS_CODE.OK);
    }
    this.#staged.delete(`${box}/${from.name}`);
    const moved = { ...staged!, name: to.name };
    if (isIncompleteName(to.name)) {
      this.#stage(moved);
      return sftp.status(reqid, STATUS_CODE.OK);
    }
    await this.#publish(sftp, reqid, moved);
  }

  /** Ends the session: open uploads and staged files are deleted (never published), files closed. */
  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    const work: Promise<void>[] = [];
    for (const h of this.#handles.values()) {
      if (h.kind === 'upload') {
        if (!h.failed)
          this.#c.log.warn({ box: h.box, name: h.name, size: h.size }, 'sftp upload interrupted: discarded');
        h.failed ??= refusal('SFTP-UPLOAD-FAILED');
        work.push(this.#discard(h));
      } else if (h.kind === 'download') {
        work.push(fsClose(h.fd));
      }
    }
    this.#handles.clear();
    for (const s of this.#staged.values()) {
      this.#c.log.info(
        { box: s.box, name: s.name, size: s.size },
        'sftp staged upload never renamed to a complete name: discarded',
      );
      work.push(unlinkQuiet(s.tempPath));
    }
    this.#staged.clear();
    await Promise.all(work);
  }
}
