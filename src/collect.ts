/**
 * Garbage collected now, where a large flow leaves tens of Mo unreachable but alive until V8's next collection,
 * under the peak of what follows:
 * - the main thread, once a 30 Mo flow is recorded: the database driver's message buffers (the flow's bytes copied
 *   into the protocol message), young; a quiet main thread may not collect them for seconds, through detection,
 *   XSD validation and reading. A young-generation collection (a scavenge, a few milliseconds) frees them;
 * - a flow worker, once a large document's tree is parsed: its text (as many characters as the document), which
 *   the tree no longer holds (see releaseSource), before the model and the rules take their share. A full
 *   collection, in the worker, while the main thread goes on.
 *
 * V8 gives no collection to call without `--expose-gc`: the flag is set at run time and `gc` taken from a fresh
 * context, once per thread. Anything unexpected (another engine, a flag refused) leaves collection to V8.
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = (opts: { type: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

let gc: Gc | null | undefined;

function collector(): Gc | null {
  if (gc !== undefined) return gc;
  try {
    const exposed = (globalThis as { gc?: Gc }).gc;
    if (exposed) return (gc = exposed);
    v8.setFlagsFromString('--expose-gc');
    const found = runInNewContext('gc') as unknown;
    gc = typeof found === 'function' ? (found as Gc) : null;
  } catch {
    gc = null;
  }
  return gc;
}

/** `minor`: this thread's young generation only (milliseconds); `major`: its whole heap. */
export function collectGarbage(type: 'minor' | 'major'): void {
  collector()?.({ type });
}
