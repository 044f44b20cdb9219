/**
 * The choice both worker pools make (flow workers, XSD validation): a small request goes to the small lane's
 * worker with the fewest bytes waiting (not the fewest requests: one 30 Mo flow outweighs a hundred small ones),
 * a large request to the large lane, where, when every large worker is busy, it waits behind large ones only.
 */
interface Loaded {
  /** The bytes of the requests pending on this worker: the work queued there. */
  pendingBytes: number;
}

/** The index of the small-lane worker with the fewest bytes waiting (a slot without a worker counts as idle). */
export function leastPendingBytes(slots: readonly (Loaded | undefined)[]): number {
  let best = 0;
  for (let i = 1; i < slots.length; i++) if ((slots[i]?.pendingBytes ?? 0) < (slots[best]?.pendingBytes ?? 0)) best = i;
  return best;
}

/** The large-lane worker with the fewest bytes waiting (the lane is full: `slots` is not empty). */
export function leastLoaded<S extends Loaded>(slots: readonly S[]): S {
  return slots.reduce((a, b) => (b.pendingBytes < a.pendingBytes ? b : a));
}
