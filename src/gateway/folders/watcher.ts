/**
 * Drop folders: watches `<dataDir>/mailboxes/<CODE>/{depot,analyse}` and hands every complete file to
 * the intake. A file is complete when its name is not a temporary one (`.x`, `*.tmp`, `*.part`,
 * `*.filepart`) and its size and mtime stay the same for `stableMs` — checked by us, including for files
 * present at start (chokidar's awaitWriteFinish does not cover those). A periodic rescan catches any
 * event the OS dropped. A detached signature `<file>.p7s` travels with its flow.
 *
 * On local filesystems each mailbox folder is watched with `fs.watch` (inotify): chokidar 6 re-lists
 * and lstat()s a whole folder on every event, which measured as a third of the daemon's CPU when a
 * partner drops a thousand files at once. chokidar is used for `usePolling` (network filesystems),
 * where its polling is what we need.
 */
import { existsSync, readdirSync, watch } from 'node:fs';
import type { FSWatcher as NodeWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import chokidar from 'chokidar';
import type { FSWatcher } from 'chokidar';
import type { Logger } from '../../log.ts';
import type { Intake } from '../intake-types.ts';
import type { Box } from '../../store/mailboxes.ts';
import { declaredInterface, declaredSigned, isIncompleteName } from '../../store/mailboxes.ts';

export interface FolderWatcherOptions {
  dataDir: string;
  stableMs: number;
  rescanMs: number;
  usePolling: boolean;
  /** How long a flow of a signing partner waits for its `.p7s`. */
  detachedWaitMs: number;
  intake: Intake;
  logger: Logger;
  /** Is this a known, active partner? (folders of unknown codes are left alone) */
  isPartner: (code: string) => boolean;
  /** Does this partner sign its flows? (then a flow waits a little for its `.p7s`) */
  partnerSigns: (code: string) => boolean;
}

interface Pending {
  size: number;
  mtimeMs: number;
  firstSeen: number;
  timer: NodeJS.Timeout | null;
}

export class FolderWatcher {
  private watcher: FSWatcher | null = null;
  private readonly native = new Map<string, NodeWatcher>();
  private rescanTimer: NodeJS.Timeout | null = null;
  private readonly pending = new Map<string, Pending>();
  private readonly claiming = new Set<string>();
  private readonly unknownPartners = new Set<string>();
  private readonly opts: FolderWatcherOptions;
  private readonly root: string;
  private stopped = false;

  constructor(opts: FolderWatcherOptions) {
    this.opts = opts;
    this.root = path.join(opts.dataDir, 'mailboxes');
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
    });
    this.watcher.on('add', (p) => this.consider(p));
    this.watcher.on('change', (p) => this.consider(p));
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
    for (const w of this.native.values()) w.close();
    this.native.clear();
    await this.watcher?.close();
  }

  /** One inotify watch per mailbox folder (and the root, for partners added at run time). */
  private syncNativeWatches(): void {
    if (this.opts.usePolling || this.stopped || !existsSync(this.root)) return;
    const dirs = [this.root];
    for (const code of readdirSync(this.root))
      for (const box of ['depot', 'analyse']) dirs.push(path.join(this.root, code, box));
    for (const dir of dirs) {
      if (this.native.has(dir) || !existsSync(dir)) continue;
      try {
        const w = watch(dir, (_event, name) => {
          if (dir === this.root) this.syncNativeWatches();
          else if (name) this.consider(path.join(dir, name.toString()));
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
    for (const code of readdirSync(this.root)) {
      for (const box of ['depot', 'analyse']) {
        const dir = path.join(this.root, code, box);
        if (!existsSync(dir)) continue;
        for (const name of readdirSync(dir)) this.consider(path.join(dir, name));
      }
    }
  }

  private where(p: string): { partner: string; box: Box; name: string } | undefined {
    const rel = path.relative(this.root, p).split(path.sep);
    if (rel.length !== 3) return undefined;
    const [partner, box, name] = rel as [string, string, string];
    if (box !== 'depot' && box !== 'analyse') return undefined;
    return { partner, box, name };
  }

  private consider(p: string): void {
    if (this.stopped || this.claiming.has(p)) return;
    const w = this.where(p);
    if (!w || isIncompleteName(w.name)) return;
    if (!this.opts.isPartner(w.partner)) {
      // Left where it is (never deleted), and said once: a folder of an unknown or inactive partner.
      if (!this.unknownPartners.has(w.partner)) {
        this.unknownPartners.add(w.partner);
        this.opts.logger.warn(
          { partner: w.partner, file: w.name },
          'file in the mailbox of an unknown or inactive partner: left untouched (npx passerelle partners add)',
        );
      }
      return;
    }
    const known = this.pending.get(p);
    if (known?.timer) return; // a check is already scheduled
    this.schedule(p, known);
  }

  private schedule(p: string, known?: Pending): void {
    void stat(p).then(
      (st) => {
        if (!st.isFile()) return;
        const entry: Pending = known ?? { size: st.size, mtimeMs: st.mtimeMs, firstSeen: Date.now(), timer: null };
        entry.size = st.size;
        entry.mtimeMs = st.mtimeMs;
        entry.timer = setTimeout(() => void this.check(p), this.opts.stableMs);
        this.pending.set(p, entry);
      },
      () => this.pending.delete(p),
    );
  }

  private async check(p: string): Promise<void> {
    const entry = this.pending.get(p);
    if (!entry || this.stopped) return;
    entry.timer = null;
    const st = await stat(p).catch(() => null);
    if (!st) {
      this.pending.delete(p);
      return;
    }
    if (st.size !== entry.size || st.mtimeMs !== entry.mtimeMs) {
      this.schedule(p, entry); // still being written
      return;
    }
    const w = this.where(p);
    if (!w) return;
    // A signature waits for its flow, and a signing partner's flow waits a little for its signature.
    if (w.name.toLowerCase().endsWith('.p7s')) {
      const flowPath = p.slice(0, -4);
      if (existsSync(flowPath) || Date.now() - entry.firstSeen < this.opts.detachedWaitMs) {
        this.schedule(p, entry);
        return;
      }
      // An orphan signature past the wait: taken as a flow of its own, so it is rejected, not lost.
    } else if (
      !existsSync(`${p}.p7s`) &&
      (declaredSigned(w.name) ?? this.opts.partnerSigns(w.partner)) &&
      Date.now() - entry.firstSeen < this.opts.detachedWaitMs
    ) {
      this.schedule(p, entry);
      return;
    }
    this.pending.delete(p);
    const sig = `${p}.p7s`;
    const signaturePath = !w.name.toLowerCase().endsWith('.p7s') && existsSync(sig) ? sig : undefined;
    this.claiming.add(p);
    if (signaturePath) this.claiming.add(signaturePath);
    try {
      const declared = declaredInterface(w.name);
      const signedFlag = declaredSigned(w.name);
      await this.opts.intake.take({
        partner: w.partner,
        box: w.box,
        path: p,
        originalName: w.name,
        transport: 'folder',
        ...(declared ? { declaredInterface: declared } : {}),
        ...(signedFlag !== undefined ? { declaredSigned: signedFlag } : {}),
        ...(signaturePath ? { signaturePath } : {}),
      });
    } catch (e) {
      // Another daemon sharing these mailboxes took it first (its rename won): nothing to do.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(p)) {
        this.opts.logger.debug({ partner: w.partner, file: w.name }, 'file taken by another node');
        return;
      }
      // The file stays in the mailbox and is tried again by the next rescan: never dropped.
      this.opts.logger.error(
        { err: e, partner: w.partner, file: w.name },
        'could not take a deposited file; will retry',
      );
    } finally {
      this.claiming.delete(p);
      if (signaturePath) {
        this.claiming.delete(signaturePath);
        this.pending.delete(signaturePath);
      }
    }
  }
}
