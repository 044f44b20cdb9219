/**
 * A flow's bytes travel between threads and are freed as soon as nobody needs them (a 30 Mo flow must not be
 * held twice until some thread's next collection). Both need to know whether a Buffer owns its memory: a small
 * Buffer shares Node's pool with others, and must never be transferred nor freed.
 */

/**
 * A document above this size is a large one, and each part that holds it in memory says so once: it is worked in a
 * worker of its own (the large lanes of both worker pools, ended after it), detection keeps no element tree for
 * the reader, the reader's tree lets go of its text, intake collects the driver's copies right after storing it.
 */
export const LARGE_DOCUMENT_BYTES = 4 * 1024 * 1024;

/** ES2024's ArrayBuffer transfer (Node 20+), not in the ES2023 lib the project compiles against. */
type Transferable2024 = ArrayBuffer & { transfer(length: number): ArrayBuffer; readonly detached: boolean };

/** Whether `b` is the whole of an ArrayBuffer of its own: only then may that memory be transferred or freed. */
export function ownsMemory(b: Uint8Array): boolean {
  return b.byteOffset === 0 && b.buffer instanceof ArrayBuffer && b.byteLength === b.buffer.byteLength;
}

/** Whether `b`'s memory was transferred to another thread or freed. */
export function isDetached(b: Uint8Array): boolean {
  return b.buffer instanceof ArrayBuffer && (b.buffer as Transferable2024).detached;
}

/** Frees `b`'s memory now (it is detached) rather than at this thread's next collection; not its own: left alone. */
export function releaseBuffer(b: Uint8Array | null | undefined): void {
  if (!b || !ownsMemory(b)) return;
  const ab = b.buffer as Transferable2024;
  if (!ab.detached && ab.byteLength > 0) ab.transfer(0);
}
