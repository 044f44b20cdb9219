/**
 * A worker thread of a large lane runs at a lower CPU priority: on a machine short of cores, the small flows
 * (the main thread, the small lane's workers) then take the CPU first when they have work, and the large
 * flow takes whatever they leave — it is slower only when the machine is busy. Linux gives each thread its
 * own nice value (setpriority on the thread's id); elsewhere, or when not permitted, nothing changes.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The nice value of a large lane's worker (0 is normal, 19 the lowest): well behind, not starved. */
export const LARGE_LANE_NICE = 5;

/** Lowers the calling thread's priority to `nice`; false when it could not. */
export function lowerThreadPriority(nice = LARGE_LANE_NICE): boolean {
  if (process.platform !== 'linux') return false;
  try {
    // /proc/thread-self → "<pid>/task/<tid>": the kernel's id of this thread.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
