/**
 * The choice both worker pools make (flow workers, XSD validation): a small request goes to the small lane's
 * worker with the fewest bytes waiting (not the fewest requests: one 30 Mo flow outweighs a hundred small ones),
 * a large request to the large lane — a warm idle worker taken from the small lane when there is one — where,
 * when every large worker is busy, it waits behind large ones only.
 */
interface Loaded {
  /** The bytes of the requests pending on this worker: the work queued there. */
  pendingBytes: number;
  /** The requests pending on this worker. */
  pending: { readonly size: number };
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

/**
 * A warm idle worker of the small lane, taken out of it for a large request (its slot left empty: the small lane
 * starts a replacement when a small request comes), or undefined. A fresh worker would load its modules (and the
 * validation worker compile its schemas) above what the daemon holds at idle: +30–55 Mo at the peak of a 30 Mo
 * flow, measured.
 */
export function takeIdle<S extends Loaded>(slots: (S | undefined)[]): S | undefined {
  const i = slots.findIndex((s) => s !== undefined && s.pending.size === 0);
  if (i < 0) return undefined;
  const slot = slots[i];
  slots[i] = undefined;
  return slot;
}
