/**
 * The pure, CPU-heavy work of a flow off the main thread: syntax detection (XML scan, PDF and zip opening)
 * and reading with the EN 16931 rules run in `threads` worker threads, so that the event loop (HTTP,
 * SFTP, the folder watcher, `/health`) keeps answering while a 30 Mo flow is processed. The element tree and
 * the invoice model stay in the worker; only plain results come back. The flow's bytes are transferred to
 * the worker and back (no copy) when they own their memory; the caller gets them back with the result and
 * must use that Buffer from then on (the one it passed is detached). A worker that dies fails its calls
 * with an error (the runner retries the flow) and is replaced on the next call.
 *
 * No flow waits behind a large one: a request above LARGE_FLOW_BYTES goes to a worker of its own (the large
 * lane: a warm idle worker taken from the small lane or one started for it, ended after it, at most `threads`
 * at once, the others queued there), so the `threads` workers of the small lane only ever hold small and medium
 * flows, and a small flow never waits seconds
 * behind a 30 Mo flow's detection or reading. In the small lane a request goes to the worker with the fewest
 * pending bytes (its expected cost), or to the worker that detected the flow (it holds the tree) unless that
 * one has more pending bytes than parsing the flow again would cost. The large lane's workers run at a lower
 * CPU priority (src/thread-priority.ts): on a busy machine the small flows take the CPU first.
 */
import { Worker } from 'node:worker_threads';
import type { DepositDetection, detectDeposit } from '../../formats/registry.ts';
import type { DetectedFlow } from '../../formats/types.ts';
import type { ReadAndCheckRequest, ReadAndCheckResult, readStatuses } from '../read-check.ts';
import { treeThread } from '../../formats/read/kept.ts';
import { leastLoaded, leastPendingBytes, takeIdle } from '../../worker-lanes.ts';
import { LARGE_DOCUMENT_BYTES, ownsMemory } from '../../buffers.ts';

type DetectOptions = NonNullable<Parameters<typeof detectDeposit>[1]>;

/** `large`: a flow of the large lane, maybe in a warm worker taken from the small lane (it goes behind the small flows for the CPU). */
export type WorkRequest = { id: number; bytes: Uint8Array; large?: true } & WorkKind;
type WorkKind =
  | { kind: 'detect'; opts: DetectOptions }
  | { kind: 'read'; read: Omit<ReadAndCheckRequest, 'xml'>; handBack?: boolean }
  | { kind: 'statuses'; tree?: string };

export type WorkReply = { id: number; bytes: Uint8Array } & (
  | { detection: DepositDetection }
  | { checked: ReadAndCheckResult }
  | { statuses: ReturnType<typeof readStatuses> }
  | { error: string }
);

interface Pending {
  resolve: (r: WorkReply) => void;
  reject: (e: Error) => void;
  bytes: number;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  /** The bytes of the requests pending here: the work queued on this worker, as far as its size tells. */
  pendingBytes: number;
  lastError?: Error;
}

const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const WORKER_URL = new URL(`./worker${EXT}`, import.meta.url);
/** The large lane's worker: the same, at a lower CPU priority. */
const LARGE_WORKER_URL = new URL(`./large-worker${EXT}`, import.meta.url);

const asBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** The bytes as something transferable: their own memory when they have it, else a copy (pooled small Buffers). */
function transferable(b: Buffer): Uint8Array {
  return ownsMemory(b) ? new Uint8Array(b.buffer, 0, b.byteLength) : new Uint8Array(b);
}

/**
 * A flow this large goes to the large lane, whose worker is ended once idle: its heap (the tree and model of a
 * 30 Mo invoice are hundreds of Mo) is given back at once instead of lingering until V8 collects it.
 */
export const LARGE_FLOW_BYTES = LARGE_DOCUMENT_BYTES;

const WORKER_HEAP_MB = 2048;
/**
 * The young generation of a large-lane worker. V8's default (16 Mo semi-spaces) grows the worker's RSS far past
 * what the tree and model of a 30 Mo invoice hold (+290 Mo RSS for ~130 Mo of live objects, +170 Mo with this).
 */
const LARGE_WORKER_YOUNG_MB = 6;
/**
 * The young generation of a small-lane worker: small flows' trees and models die young, and a small young
 * generation promotes them before they do (a 1,000-flow burst profiled: the worker's garbage collection 0.82 ms a
 * flow with 6 Mo, 0.39 ms with 32 Mo). Documents over LARGE_FLOW_BYTES never come here.
 */
const SMALL_WORKER_YOUNG_MB = 32;

export class FlowWorkers {
  /** The small lane: `threads` workers, started again on demand when one died or was recycled. */
  #slots: (Slot | undefined)[] = [];
  /** The large lane: one worker per large flow being worked on, at most `#largeMax`. */
  #large: Slot[] = [];
  readonly #largeMax: number;
  #nextId = 1;
  #closed = false;

  constructor(opts: { threads: number }) {
    const threads = Math.max(1, opts.threads);
    for (let i = 0; i < threads; i++) this.#slots.push(this.#spawn());
    // As many large flows at once as before the lanes (one per worker): the memory they take stays bounded.
    this.#largeMax = threads;
  }

  async #recycle(slot: Slot): Promise<void> {
    if (slot.pending.size > 0) return;
    const i = this.#slots.indexOf(slot);
    if (i >= 0) this.#slots[i] = undefined; // a fresh one is started by the next call
    const j = this.#large.indexOf(slot);
    if (j >= 0) this.#large.splice(j, 1);
    if (i >= 0 || j >= 0) await slot.worker.terminate();
  }

  #spawn(large = false): Slot {
    // A heap ceiling far above what a 30 Mo invoice needs (~300 Mo): a flow that still finds a way past every
    // limit ends its worker (the runner retries, then answers INC) instead of the whole daemon.
    const slot: Slot = {
      worker: new Worker(large ? LARGE_WORKER_URL : WORKER_URL, {
        resourceLimits: {
          maxOldGenerationSizeMb: WORKER_HEAP_MB,
          maxYoungGenerationSizeMb: large ? LARGE_WORKER_YOUNG_MB : SMALL_WORKER_YOUNG_MB,
        },
      }),
      pending: new Map(),
      pendingBytes: 0,
    };
    slot.worker.on('message', (reply: WorkReply) => {
      const p = slot.pending.get(reply.id);
      if (!p) return;
      slot.pending.delete(reply.id);
      slot.pendingBytes -= p.bytes;
      p.resolve(reply);
    });
    slot.worker.on('error', (e: Error) => {
      slot.lastError = e;
    });
    slot.worker.on('exit', (code) => {
      const reason = slot.lastError?.message ?? `exit code ${code}`;
      for (const p of slot.pending.values()) p.reject(new Error(`flow worker stopped (${reason})`));
      slot.pending.clear();
      slot.pendingBytes = 0;
      const i = this.#slots.indexOf(slot);
      if (i >= 0) this.#slots[i] = undefined;
      const j = this.#large.indexOf(slot);
      if (j >= 0) this.#large.splice(j, 1);
    });
    // Idle workers must not keep a stopping process alive.
    slot.worker.unref();
    return slot;
  }

  /** The worker for a request of `size` bytes; `thread`: the one holding the flow's tree, if any. */
  #choose(size: number, thread: number | undefined): Slot {
    if (size > LARGE_FLOW_BYTES) {
      if (this.#large.length < this.#largeMax) {
        const slot = takeIdle(this.#slots) ?? this.#spawn(true);
        this.#large.push(slot);
        return slot;
      }
      return leastLoaded(this.#large);
    }
    const bytesAt = (i: number) => this.#slots[i]?.pendingBytes ?? 0;
    let best = leastPendingBytes(this.#slots);
    // One parse per flow: the worker that detected holds the flow's element tree, and takes the call unless what
    // waits there exceeds, by more than the flow itself, what waits at the least busy one (parsing again is cheaper).
    const holder = thread === undefined ? -1 : this.#slots.findIndex((s) => s?.worker.threadId === thread);
    if (holder >= 0 && bytesAt(holder) <= bytesAt(best) + size) best = holder;
    return this.#slots[best] ?? (this.#slots[best] = this.#spawn());
  }

  #send(req: WorkKind, bytes: Buffer, thread?: number): Promise<WorkReply> {
    if (this.#closed) return Promise.reject(new Error('flow workers are closed'));
    const data = transferable(bytes);
    const size = data.byteLength;
    const slot = this.#choose(size, thread);
    const id = this.#nextId++;
    const large = size > LARGE_FLOW_BYTES;
    return new Promise<WorkReply>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, bytes: size });
      slot.pendingBytes += size;
      slot.worker.ref();
      const sent: WorkRequest = { ...req, id, bytes: data, ...(large ? { large: true as const } : {}) };
      slot.worker.postMessage(sent, [data.buffer as ArrayBuffer]);
    }).finally(async () => {
      if (slot.pending.size === 0) slot.worker.unref();
      if (large) await this.#recycle(slot);
    });
  }

  /**
   * `detectDeposit` in a worker. Returns the detection and the flow's bytes (`bytes`, handed back: the Buffer
   * passed in may be detached); a detected XML that is the flow itself is that same Buffer, as inline.
   */
  async detect(bytes: Buffer, opts: DetectOptions): Promise<{ detection: DepositDetection; bytes: Buffer }> {
    const reply = await this.#send({ kind: 'detect', opts }, bytes);
    if ('error' in reply) throw new Error(`syntax detection failed: ${reply.error}`);
    if (!('detection' in reply)) throw new Error('flow worker: unexpected reply');
    const back = asBuffer(reply.bytes);
    const revive = (flow: DetectedFlow) => {
      const x = flow.xml as Uint8Array;
      flow.xml =
        x.buffer === reply.bytes.buffer && x.byteOffset === reply.bytes.byteOffset && x.byteLength === back.byteLength
          ? back
          : asBuffer(x);
    };
    const d = reply.detection;
    if (d.ok) {
      revive(d.flow);
      // Structured cloning keeps identity: a zip's flow is its first document's detection, revived once.
      for (const doc of d.documents ?? []) if (doc.detected && doc.detected !== d.flow) revive(doc.detected);
    }
    return { detection: d, bytes: back };
  }

  /**
   * Reading and EN 16931 rules in a worker; `xml` is handed back as `bytes`. With `tree` (the key detection
   * returned), in the worker that detected, which reads the tree it kept. `handBack: false` when the caller
   * needs the XML no more: the worker frees it as soon as it is decoded (a 30 Mo invoice's bytes are not
   * held beside its tree and model) and `bytes` comes back empty.
   */
  async readAndCheck(
    req: ReadAndCheckRequest,
    opts: { handBack?: boolean } = {},
  ): Promise<{ checked: ReadAndCheckResult; bytes: Buffer }> {
    const { xml, ...read } = req;
    const reply = await this.#send(
      { kind: 'read', read, ...(opts.handBack === false ? { handBack: false } : {}) },
      xml,
      read.tree === undefined ? undefined : treeThread(read.tree),
    );
    if ('error' in reply) throw new Error(`invoice reading failed: ${reply.error}`);
    if (!('checked' in reply)) throw new Error('flow worker: unexpected reply');
    return { checked: reply.checked, bytes: asBuffer(reply.bytes) };
  }

  /** A Cycle de vie deposit's statuses, in the worker that detected it (it kept the tree); `xml` comes back as `bytes`. */
  async readStatuses(
    xml: Buffer,
    tree: string | undefined,
  ): Promise<{ read: ReturnType<typeof readStatuses>; bytes: Buffer }> {
    const req = tree === undefined ? { kind: 'statuses' as const } : { kind: 'statuses' as const, tree };
    const reply = await this.#send(req, xml, tree === undefined ? undefined : treeThread(tree));
    if ('error' in reply) throw new Error(`status reading failed: ${reply.error}`);
    if (!('statuses' in reply)) throw new Error('flow worker: unexpected reply');
    return { read: reply.statuses, bytes: asBuffer(reply.bytes) };
  }

  /** Flows being worked on or waiting, per worker of the small lane then of the large lane (for metrics). */
  get busy(): number[] {
    return [...this.#slots.map((s) => s?.pending.size ?? 0), ...this.#large.map((s) => s.pending.size)];
  }

  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#slots, ...this.#large];
    this.#slots = [];
    this.#large = [];
    await Promise.all(all.flatMap((s) => (s ? [s.worker.terminate()] : [])));
  }
}
