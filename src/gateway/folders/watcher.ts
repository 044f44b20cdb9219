/**
 * Drop folders: watches `<dataDir>/mailboxes/<CODE>/{depot,analyse}` and hands every complete file to
 * the intake. A file is complete when its name is not a temporary one (`.x`, `*.tmp`, `*.part`,
 * `*.filepart`) and its size and mtime stay the same for `stableMs` — checked by us, including for files
 * present at start (chokidar's awaitWriteFinish does not cover those). A periodic rescan catches any
 * event the OS dropped. A flow whose detached signature `<file>.p7s` is here is handed over with it, as two
 * files (the flow saying its signature follows); a `.p7s` alone waits for its flow while that one is
 * here, then goes alone: the intake pairs them, or holds either for the other (intake.ts).
 *
 * On local filesystems each mailbox folder is watched with `fs.watch` (inotify): chokidar 6 re-lists
 * and lstat()s a whole folder on every event, which measured as a third of the daemon's CPU when a
 * partner drops a thousand files at once. chokidar is used for `usePolling` (network filesystems),
 * where its polling is what we need.
 *
 * The mailbox is a jail (docs/security.md): entries are lstat()ed, never followed; a symlink,
 * FIFO, device or directory is taken out of the mailbox like a file and refused by the intake without
 * being read; a mailbox folder that is itself a symlink is left alone. Names are handled as bytes, so a
 * file named in another encoding than UTF-8 is taken and answered like any other. A regular file is taken
 * only once no process has it open for writing (where /proc tells, see writers.ts), whatever its pace.
 */
import { existsSync, readdirSync, watch } from 'node:fs';
import type { FSWatcher as NodeWatcher } from 'node:fs';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { isUtf8 } from 'node:buffer';
import chokidar from 'chokidar';
import type { FSWatcher } from 'chokidar';
import type { Logger } from '../../log.ts';
import type { Intake } from '../intake-types.ts';
import type { Box, OpenFolder } from '../../store/mailboxes.ts';
import {
  BOXES,
  declaredInterface,
  declaredSigned,
  flowName,
  isIncompleteName,
  openMailboxFolder,
  unsafeMailboxFolder,
} from '../../store/mailboxes.ts';
import { WriterProbe, writerCheckSupported } from './writers.ts';

/**
 * Whether a name is in the folder, asked off the main thread: a synchronous stat for each flow taken cost the
 * event loop 0.2 ms a flow in a 5,000-flow burst (profiled), more than the rest of the watcher.
 */
const present = (p: Buffer): Promise<boolean> =>
  lstat(p).then(
    () => true,
    () => false,
  );

interface FolderWatcherOptions {
  dataDir: string;
  stableMs: number;
  rescanMs: number;
  usePolling: boolean;
  /** Also wait until no process has the file open for writing (Linux /proc; default: where supported). */
  checkWriters?: boolean;
  intake: Intake;
  logger: Logger;
  /** Is this a known, active partner? (folders of unknown codes are left alone) */
  isPartner: (code: string) => boolean;
}

/** One entry of a mailbox folder, its name as the bytes on disk. */
interface Entry {
  partner: string;
  box: Box;
  name: Buffer;
  /** The name as text, for the checks on its form (interface prefix, temporary suffixes). */
  text: string;
  path: Buffer;
  key: string;
}

interface Pending {
  entry: Entry;
  size: number;
  mtimeMs: number;
  timer: NodeJS.Timeout | null;
}

const P7S = Buffer.from('.p7s');

/**
 * Files checked and handed over at once; the others wait their turn, in the order they became due. A burst's
 * files all become due together: checked all at once, their thousands of file-system calls filled libuv's
 * queue in lock step, so none reached the intake before nearly all did (5,000 files: the first 10 % recorded
 * 2.1 s after the first, the last 0.5 s later) and the flows' own work waited behind them. In turns, the first
 * flows are recorded and processed while the others are still being taken.
 */
export const CHECKS_AT_ONCE = 256;
/**
 * How long an open box folder may be shared (boxFolder): a folder removed and made again meanwhile is looked
 * up again within this time (a file renamed through the old descriptor until then fails, stays, and is
 * taken by a later check).
 */
const FOLDER_REUSE_MS = 1000;

export class FolderWatcher {
  private watcher: FSWatcher | null = null;
  private readonly native = new Map<string, NodeWatcher>();
  private rescanTimer: NodeJS.Timeout | null = null;
  private readonly pending = new Map<string, Pending>();
  private readonly claiming = new Set<string>();
  /** Keys whose stability wait has ended, waiting for a turn to be checked (CHECKS_AT_ONCE), in order. */
  private readonly due = new Set<string>();
  private checking = 0;
  /** Box folders open for the checks under way (boxFolder). */
  private readonly boxFolders = new Map<
    string,
    { opened: Promise<OpenFolder | { unsafe: string; missing: boolean }>; users: number; since: number }
  >();
  private readonly unknownPartners = new Set<string>();
  private readonly unsafeFolders = new Set<string>();
  private readonly opts: FolderWatcherOptions;
  private readonly root: string;
  private readonly writers: WriterProbe | null;
  private stopped = false;

  constructor(opts: FolderWatcherOptions) {
    this.opts = opts;
    this.root = path.join(opts.dataDir, 'mailboxes');
    this.writers = (opts.checkWriters ?? true) && writerCheckSupported() ? new WriterProbe() : null;
  }

  async start(): Promise<void> {
    if (!this.opts.usePolling) {
      this.syncNativeWatches();
      this.rescan();
      this.rescanTimer = setInterval(() => this.rescan(), this.opts.rescanMs);
      this.rescanTimer.unref();
      return;
    }
    this.watcher = chokidar.watch(this.root, {
      depth: 2,
      ignoreInitial: false,
      usePolling: this.opts.usePolling,
      awaitWriteFinish: false,
      followSymlinks: false,
    });
    const fromChokidar = (p: string) => {
      const rel = path.relative(this.root, p).split(path.sep);
      if (rel.length !== 3) return;
      const [partner, box, name] = rel as [string, string, string];
      if (box === 'depot' || box === 'analyse') this.consider(this.entry(partner, box, Buffer.from(name)));
    };
    this.watcher.on('add', fromChokidar);
    this.watcher.on('change', fromChokidar);
    this.watcher.on('error', (e) => this.opts.logger.error({ err: e }, 'drop-folder watcher error'));
    await new Promise<void>((resolve) => this.watcher?.once('ready', () => resolve()));
    this.rescanTimer = setInterval(() => this.rescan(), this.opts.rescanMs);
    this.rescanTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.rescanTimer) clearInterval(this.rescanTimer);
    for (const p of this.pending.values()) if (p.timer) clearTimeout(p.timer);
    this.pending.clear();
    this.due.clear();
    for (const w of this.native.values()) w.close();
    this.native.clear();
    await this.watcher?.close();
  }

  private entry(partner: string, box: Box, name: Buffer): Entry {
    const p = Buffer.concat([Buffer.from(path.join(this.root, partner, box) + path.sep), name]);
    return { partner, box, name, text: name.toString('utf8'), path: p, key: p.toString('latin1') };
  }

  /** A mailbox folder we may take files from: a real directory of a known partner (said once otherwise). */
  private usable(partner: string, box: Box): boolean {
    if (!this.opts.isPartner(partner)) return false;
    const why = unsafeMailboxFolder(this.opts.dataDir, partner, box);
    const id = `${partner}/${box}`;
    if (!why) {
      this.unsafeFolders.delete(id);
      return true;
    }
    if (!why.endsWith('is missing') && !this.unsafeFolders.has(id)) {
      this.unsafeFolders.add(id);
      this.opts.logger.error(
        { partner, box, reason: why },
        'mailbox folder is not a real directory: nothing is taken from it (docs/security.md)',
      );
    }
    return false;
  }

  private partnerFolders(): string[] {
    try {
      return readdirSync(this.root);
    } catch {
      return [];
    }
  }

  /** One inotify watch per mailbox folder (and the root, for partners added at run time). */
  private syncNativeWatches(): void {
    if (this.opts.usePolling || this.stopped || !existsSync(this.root)) return;
    const dirs: Array<{ dir: string; partner?: string; box?: Box }> = [{ dir: this.root }];
    for (const code of this.partnerFolders())
      for (const box of BOXES)
        if (this.usable(code, box)) dirs.push({ dir: path.join(this.root, code, box), partner: code, box });
    for (const { dir, partner, box } of dirs) {
      if (this.native.has(dir)) continue;
      try {
        const w = watch(dir, { encoding: 'buffer' }, (_event, name) => {
          if (!partner || !box) this.syncNativeWatches();
          else if (name) this.consider(this.entry(partner, box, name));
        });
        w.on('error', () => {
          // The folder went away or the watch broke: the rescan still sees every file.
          w.close();
          this.native.delete(dir);
        });
        this.native.set(dir, w);
      } catch (e) {
        // ENOSPC (inotify limits) and the like: the periodic rescan still takes every file.
        this.opts.logger.warn({ err: e, dir }, 'cannot watch a mailbox folder; relying on the periodic rescan');
        return;
      }
    }
  }

  /** Safety net: look at every mailbox file again. */
  rescan(): void {
    if (!existsSync(this.root)) return;
    this.syncNativeWatches();
    for (const code of this.partnerFolders()) {
      for (const box of BOXES) {
        if (!this.opts.isPartner(code)) {
          this.warnUnknown(code, box);
          continue;
        }
        if (!this.usable(code, box)) continue;
        let names: Buffer[];
        try {
          names = readdirSync(path.join(this.root, code, box), { encoding: 'buffer' });
        } catch {
          continue;
        }
        for (const name of names) this.consider(this.entry(code, box, name));
      }
    }
  }

  /** Left where it is (never deleted), and said once: a folder of an unknown or inactive partner. */
  private warnUnknown(code: string, box: Box): void {
    if (this.unknownPartners.has(code)) return;
    let first: string | undefined;
    try {
      first = readdirSync(path.join(this.root, code, box)).find((n) => !isIncompleteName(n));
    } catch {
      return;
    }
    if (first === undefined) return;
    this.unknownPartners.add(code);
    this.opts.logger.warn(
      { partner: code, file: first },
      'file in the mailbox of an unknown or inactive partner: left untouched (npx passerelle partners add)',
    );
  }

  private consider(e: Entry): void {
    if (this.stopped || this.claiming.has(e.key) || isIncompleteName(e.text)) return;
    if (!this.opts.isPartner(e.partner)) return this.warnUnknown(e.partner, e.box);
    if (this.pending.get(e.key)?.timer) return; // a check is already scheduled
    this.schedule(e);
  }

  private schedule(e: Entry): void {
    // lstat: a symlink is judged as what it is, never as what it points to.
    void lstat(e.path).then(
      (st) => {
        if (this.stopped) return;
        // Known already (still being written, or several events for one new file, each asking before the
        // first lstat answers): its one timer restarts; no second timer is added.
        const pending: Pending = this.pending.get(e.key) ?? {
          entry: e,
          size: st.size,
          mtimeMs: st.mtimeMs,
          timer: null,
        };
        pending.size = st.size;
        pending.mtimeMs = st.mtimeMs;
        if (pending.timer) clearTimeout(pending.timer);
        pending.timer = setTimeout(() => this.whenDue(e.key), this.opts.stableMs);
        this.pending.set(e.key, pending);
      },
      () => this.pending.delete(e.key),
    );
  }

  /** A file whose stability wait has ended: checked now if there is room, else in its turn. */
  private whenDue(key: string): void {
    this.due.add(key);
    this.checkDue();
  }

  private checkDue(): void {
    while (this.checking < CHECKS_AT_ONCE && this.due.size) {
      const key = this.due.values().next().value as string;
      this.due.delete(key);
      this.checking++;
      void this.check(key).finally(() => {
        this.checking--;
        this.checkDue();
      });
    }
  }

  private async check(key: string): Promise<void> {
    const pending = this.pending.get(key);
    if (!pending || this.stopped) return;
    if (this.claiming.has(key)) return void (pending.timer = null); // handed over with its flow right now
    pending.timer = null;
    const e = pending.entry;
    const st = await lstat(e.path).catch(() => null);
    if (!st) {
      this.pending.delete(key);
      return;
    }
    if (st.size !== pending.size || st.mtimeMs !== pending.mtimeMs) {
      this.schedule(e); // still being written
      return;
    }
    // Same size and mtime for stableMs, but a slow writer may only be pausing: still open for writing?
    if (st.isFile() && this.writers && (await this.writers.isOpenForWriting(e.path))) {
      if (!this.stopped) this.schedule(e);
      return;
    }
    // A signature follows its flow into the intake (which pairs them); its flow still here is not taken yet.
    if (e.text.toLowerCase().endsWith('.p7s') && (await present(e.path.subarray(0, e.path.length - 4)))) {
      this.schedule(e);
      return;
    }
    this.pending.delete(key);
    // The box folder opened without following symlinks: the rename into the spool goes through that
    // descriptor, so a folder swapped for a symlink meanwhile cannot make us take a file from elsewhere.
    const { folder, release } = await this.boxFolder(e.partner, e.box);
    try {
      if ('unsafe' in folder) return void this.usable(e.partner, e.box); // said once in the log
      // A flow whose `.p7s` is here: both handed over by this node, the flow saying its signature follows (on
      // shared mailboxes another node could otherwise take the `.p7s` into its own intake).
      const signature = this.entry(e.partner, e.box, Buffer.concat([e.name, P7S]));
      const withSignature = !this.claiming.has(signature.key) && (await present(signature.path));
      this.claiming.add(key);
      if (withSignature) this.claiming.add(signature.key);
      try {
        const taken = await this.handOver(e, folder.dir, withSignature);
        if (taken && withSignature) await this.handOver(signature, folder.dir, false);
      } finally {
        this.claiming.delete(key);
        if (withSignature) {
          this.claiming.delete(signature.key);
          this.pending.delete(signature.key);
        }
      }
    } finally {
      await release();
    }
  }

  /**
   * A box folder opened without following symlinks (openMailboxFolder), shared by the checks that come
   * while it is in use and it is younger than FOLDER_REUSE_MS: a burst's files open its three path steps a
   * few times, not once each. `release()` when done; the last user closes it.
   */
  private async boxFolder(
    partner: string,
    box: Box,
  ): Promise<{ folder: OpenFolder | { unsafe: string; missing: boolean }; release: () => Promise<void> }> {
    const id = `${partner}/${box}`;
    let shared = this.boxFolders.get(id);
    if (!shared || performance.now() - shared.since > FOLDER_REUSE_MS) {
      shared = { opened: openMailboxFolder(this.opts.dataDir, partner, box), users: 0, since: performance.now() };
      this.boxFolders.set(id, shared);
    }
    const mine = shared;
    mine.users++;
    const release = async () => {
      if (--mine.users > 0) return;
      if (this.boxFolders.get(id) === mine) this.boxFolders.delete(id);
      const folder = await mine.opened.catch(() => undefined);
      if (folder && !('unsafe' in folder)) await folder.close();
    };
    try {
      const folder = await mine.opened;
      // Not usable: the next check looks again rather than sharing this answer.
      if ('unsafe' in folder && this.boxFolders.get(id) === mine) this.boxFolders.delete(id);
      return { folder, release };
    } catch (e) {
      if (this.boxFolders.get(id) === mine) this.boxFolders.delete(id);
      await release();
      throw e;
    }
  }

  /** Hands one file to the intake (renamed through the opened box folder); false if it stays in the mailbox. */
  private async handOver(e: Entry, dir: string, signatureAwaited: boolean): Promise<boolean> {
    // Text paths where the name is UTF-8; bytes where it is not.
    const inFolder = Buffer.concat([Buffer.from(`${dir}/`), e.name]);
    try {
      const declared = declaredInterface(e.text);
      const signedFlag = declaredSigned(e.text);
      await this.opts.intake.take({
        partner: e.partner,
        box: e.box,
        path: isUtf8(inFolder) ? inFolder.toString('utf8') : inFolder,
        originalName: flowName(e.name).name,
        nameBytes: e.name,
        transport: 'folder',
        ...(declared ? { declaredInterface: declared } : {}),
        ...(signedFlag !== undefined ? { declaredSigned: signedFlag } : {}),
        ...(signatureAwaited ? { signatureAwaited } : {}),
      });
      return true;
    } catch (err) {
      // Another daemon sharing these mailboxes took it first (its rename won): nothing to do.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(e.path)) {
        this.opts.logger.debug({ partner: e.partner, file: e.text }, 'file taken by another node');
        return false;
      }
      // The file stays in the mailbox and is tried again by the next rescan: never dropped.
      this.opts.logger.error(
        { err, partner: e.partner, file: flowName(e.name).name },
        'could not take a deposited file; will retry',
      );
      return false;
    }
  }
}
