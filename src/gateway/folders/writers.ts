/**
 * Is a file still open for writing by some process? Linux tells through /proc: every process's open files
 * are `/proc/<pid>/fd/<n>` links to their path, and `/proc/<pid>/fdinfo/<n>` gives the open flags. Node
 * has no binding for inotify's IN_CLOSE_WRITE, so this is how the drop folders know a slow writer has
 * not finished even when its file stays the same size for longer than `folders.stableMs`.
 *
 * Limits: only processes this daemon may look into are seen (same user, or root); another host writing
 * through a network file system is not. Where nothing can be seen the size-and-mtime check alone decides.
 * One scan of /proc serves every question asked before it starts (a burst of files costs one scan). The scan
 * reads thousands of links on a busy host (60–100 ms measured): it yields to the event loop every
 * SCAN_SLICE_MS so HTTP, SFTP and the watcher keep answering, and it takes at most SCAN_SHARE of its thread
 * when files come one after the other: at 200 files a second, each asking as its stability wait ended, scans
 * ran back to back and took a quarter of the main thread (issue 13, docs/benchmarks.md).
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

const O_ACCMODE = 3;
const SCAN_SLICE_MS = 10;
/** A short wait gathers the questions of a burst into one scan. */
const GATHER_MS = 10;
/**
 * The most of its thread's CPU the scans take under a steady stream of questions: after a scan that cost c ms,
 * the next one starts c × (1 / SCAN_SHARE − 1) ms later at the soonest (a scan of 10 ms: 90 ms later).
 */
export const SCAN_SHARE = 0.1;

export function writerCheckSupported(): boolean {
  try {
    readdirSync('/proc/self/fd');
    return true;
  } catch {
    return false;
  }
}

export class WriterProbe {
  private waiting = new Map<string, Array<(open: boolean) => void>>();
  private scheduled = false;
  /** performance.now() before which the next scan does not start (SCAN_SHARE). */
  private notBefore = 0;

  /** Resolves true when some other process has `file` open for writing (or read-write). */
  isOpenForWriting(file: Buffer): Promise<boolean> {
    const key = file.toString('latin1');
    return new Promise((resolve) => {
      const list = this.waiting.get(key) ?? [];
      list.push(resolve);
      this.waiting.set(key, list);
      if (!this.scheduled) this.schedule();
    });
  }

  private schedule(): void {
    this.scheduled = true;
    setTimeout(() => void this.scan(), Math.max(GATHER_MS, this.notBefore - performance.now())).unref();
  }

  private async scan(): Promise<void> {
    const asked = this.waiting;
    this.waiting = new Map();
    const writing = new Set<string>();
    // The scan's own CPU, slice by slice: what the thread does while the scan yields is not its cost.
    let costUs = 0;
    let sliceCpu = process.threadCpuUsage();
    const endSlice = () => {
      const used = process.threadCpuUsage(sliceCpu);
      costUs += used.user + used.system;
    };
    try {
      let sliceStart = performance.now();
      // Checked before each link read: one process may hold thousands of descriptors.
      const yieldIfLong = async () => {
        if (performance.now() - sliceStart < SCAN_SLICE_MS) return;
        endSlice();
        await new Promise((r) => setImmediate(r));
        sliceStart = performance.now();
        sliceCpu = process.threadCpuUsage();
      };
      for (const pid of readdirSync('/proc')) {
        if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
        await yieldIfLong();
        let fds: string[];
        try {
          fds = readdirSync(`/proc/${pid}/fd`);
        } catch {
          continue; // gone, or not ours to look into
        }
        for (const fd of fds) {
          await yieldIfLong();
          let target: string;
          try {
            target = readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: 'buffer' }).toString('latin1');
          } catch {
            continue;
          }
          if (!asked.has(target) || writing.has(target)) continue;
          try {
            const flags = /flags:\s*([0-7]+)/.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'latin1'))?.[1];
            if (flags !== undefined && (parseInt(flags, 8) & O_ACCMODE) !== 0) writing.add(target);
          } catch {
            // closed meanwhile
          }
        }
      }
    } catch {
      // no /proc: nothing can be told
    }
    endSlice();
    this.notBefore = performance.now() + (costUs / 1000) * (1 / SCAN_SHARE - 1);
    // Questions asked during this scan wait for the next one (their file may have been opened meanwhile).
    this.scheduled = false;
    if (this.waiting.size) this.schedule();
    for (const [key, resolvers] of asked) for (const r of resolvers) r(writing.has(key));
  }
}
