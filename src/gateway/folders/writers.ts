/**
 * Is a file still open for writing by some process? Linux tells through /proc: every process's open files
 * are `/proc/<pid>/fd/<n>` links to their path, and `/proc/<pid>/fdinfo/<n>` gives the open flags. Node
 * has no binding for inotify's IN_CLOSE_WRITE, so this is how the drop folders know a slow writer has
 * not finished even when its file stays the same size for longer than `folders.stableMs`.
 *
 * Limits: only processes this daemon may look into are seen (same user, or root); another host writing
 * through a network file system is not. Where nothing can be seen the size-and-mtime check alone decides.
 * One scan of /proc serves every question asked while it runs (a burst of files costs one scan). The scan
 * reads thousands of links on a busy host (60–100 ms measured): it yields to the event loop every
 * SCAN_SLICE_MS so HTTP, SFTP and the watcher keep answering.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

const O_ACCMODE = 3;
const SCAN_SLICE_MS = 10;

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

  /** Resolves true when some other process has `file` open for writing (or read-write). */
  isOpenForWriting(file: Buffer): Promise<boolean> {
    const key = file.toString('latin1');
    return new Promise((resolve) => {
      const list = this.waiting.get(key) ?? [];
      list.push(resolve);
      this.waiting.set(key, list);
      if (!this.scheduled) {
        this.scheduled = true;
        // A short wait gathers the questions of a burst into one scan.
        setTimeout(() => void this.scan(), 10).unref();
      }
    });
  }

  private async scan(): Promise<void> {
    const asked = this.waiting;
    this.waiting = new Map();
    const writing = new Set<string>();
    try {
      let sliceStart = performance.now();
      // Checked before each link read: one process may hold thousands of descriptors.
      const yieldIfLong = async () => {
        if (performance.now() - sliceStart < SCAN_SLICE_MS) return;
        await new Promise((r) => setImmediate(r));
        sliceStart = performance.now();
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
    // Questions asked during this scan wait for the next one (their file may have been opened meanwhile).
    this.scheduled = false;
    if (this.waiting.size) {
      this.scheduled = true;
      setTimeout(() => void this.scan(), 10).unref();
    }
    for (const [key, resolvers] of asked) for (const r of resolvers) r(writing.has(key));
  }
}
