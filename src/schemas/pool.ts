/**
 * XSD validation off the main thread: a 1 MB flow blocks libxml2 ~15 ms, so the pipeline hands flows to
 * `threads` workers, each with its own compiled schemas (compiled lazily, on its first flow of that kind).
 * Requests go to the worker with the fewest pending bytes; a document above LARGE_DOCUMENT_BYTES goes to a
 * worker of its own (the large lane: a warm idle worker taken from the small lane or one started for it, ended
 * after it, at most `threads` at once), so that no small flow waits behind a 30 Mo document's validation (its
 * worker runs at a lower CPU priority, as the flow
 * workers' large lane does: src/thread-priority.ts). A worker that dies fails its in-flight calls with an
 * error and is replaced on the next call (not at once: a worker that cannot start must not respawn in a loop).
 * `threads: 0` validates inline on the calling thread (tests, `passerelle analyze`).
 */
import { Worker } from 'node:worker_threads';
import type { SchemaRef } from '../formats/types.ts';
import { SchemaValidator } from './validator.ts';
import { leastLoaded, leastPendingBytes, takeIdle } from '../worker-lanes.ts';
import { LARGE_DOCUMENT_BYTES, ownsMemory } from '../buffers.ts';
import type { ValidationOutcome } from './validator.ts';
import type { WorkerReply, WorkerRequest } from './worker.ts';

interface Pending {
  resolve: (o: ValidationOutcome, xml: Uint8Array) => void;
  reject: (e: Error) => void;
  bytes: number;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  /** The bytes of the documents pending here: the work queued on this worker. */
  pendingBytes: number;
  lastError?: Error;
}

/** The worker module next to this one: `.ts` when Node runs the sources, `.js` in a build. */
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);

export class ValidationPool {
  readonly schemaDir: string;
  readonly shipped: boolean;
  /** undefined = the worker died; a new one is started by the next call routed there. */
  #slots: (Slot | undefined)[] = [];
  /** The large lane: one worker per large document being validated, at most `#largeMax`. */
  #large: Slot[] = [];
  #largeMax = 0;
  #inline: SchemaValidator | undefined;
  #nextId = 1;
  #closed = false;

  constructor(opts: { schemaDir: string; shipped?: boolean; threads: number }) {
    this.schemaDir = opts.schemaDir;
    this.shipped = opts.shipped ?? true;
    if (opts.threads <= 0) this.#inline = new SchemaValidator(opts.schemaDir, this.shipped);
    for (let i = 0; i < opts.threads; i++) this.#slots.push(this.#spawn());
    this.#largeMax = Math.max(0, opts.threads);
  }

  #spawn(large = false): Slot {
    const slot: Slot = {
      worker: new Worker(WORKER_URL, { workerData: { schemaDir: this.schemaDir, shipped: this.shipped, large } }),
      pending: new Map(),
      pendingBytes: 0,
    };
    slot.worker.on('message', (reply: WorkerReply) => {
      const p = slot.pending.get(reply.id);
      if (!p) return;
      slot.pending.delete(reply.id);
      slot.pendingBytes -= p.bytes;
      if ('error' in reply) p.reject(new Error(`XSD validation failed: ${reply.error}`));
      else p.resolve(reply.outcome, reply.xml);
    });
    slot.worker.on('error', (e: Error) => {
      slot.lastError = e;
    });
    slot.worker.on('exit', (code) => {
      const reason = slot.lastError?.message ?? `exit code ${code}`;
      for (const p of slot.pending.values()) p.reject(new Error(`XSD validation worker stopped (${reason})`));
      slot.pending.clear();
      slot.pendingBytes = 0;
      const i = this.#slots.indexOf(slot);
      if (i >= 0) this.#slots[i] = undefined;
      const j = this.#large.indexOf(slot);
      if (j >= 0) this.#large.splice(j, 1);
    });
    return slot;
  }

  /** Validates against each ref in order, stopping at the first set that fails or is missing. */
  async validate(xml: Buffer, refs: SchemaRef[], fileName?: string): Promise<ValidationOutcome> {
    // A copy goes to the worker: the caller keeps its Buffer (later stages read it).
    return (await this.#run(new Uint8Array(xml), xml.length, refs, fileName, xml)).outcome;
  }

  /**
   * As validate, without copying a document that owns its memory: `xml` itself is transferred to the worker
   * and handed back as `xml` of the result — the Buffer passed in is then detached, use the one returned.
   * `handBack: false`: the caller needs the document no more; a large one is freed in the worker as soon as
   * libxml2 holds its copy, and `xml` comes back empty (`released`).
   */
  async validateHandingOver(
    xml: Buffer,
    refs: SchemaRef[],
    fileName?: string,
    opts: { handBack?: boolean } = {},
  ): Promise<{ outcome: ValidationOutcome; xml: Buffer; released?: true }> {
    if (this.#inline) return { outcome: await this.validate(xml, refs, fileName), xml };
    // Small Buffers share Node's pool ArrayBuffer, which must never be detached: those are copied.
    const data = ownsMemory(xml) ? new Uint8Array(xml.buffer, 0, xml.byteLength) : new Uint8Array(xml);
    const release = opts.handBack === false && xml.length > LARGE_DOCUMENT_BYTES;
    const r = await this.#run(data, xml.length, refs, fileName, xml, release);
    if (release && r.back?.byteLength === 0) return { outcome: r.outcome, xml: Buffer.alloc(0), released: true };
    return { outcome: r.outcome, xml: r.back ? Buffer.from(r.back.buffer, r.back.byteOffset, r.back.byteLength) : xml };
  }

  #run(
    bytes: Uint8Array,
    size: number,
    refs: SchemaRef[],
    fileName: string | undefined,
    original: Buffer,
    release = false,
  ): Promise<{ outcome: ValidationOutcome; back?: Uint8Array }> {
    if (this.#closed) return Promise.reject(new Error('validation pool is closed'));
    if (this.#inline) {
      try {
        return Promise.resolve({ outcome: this.#inline.validateAll(original, refs, fileName) });
      } catch (e) {
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what validateAll threw, passed on as is
        return Promise.reject(e);
      }
    }
    const slot = this.#choose(size);
    const id = this.#nextId++;
    const req: WorkerRequest = { id, xml: bytes, refs };
    if (fileName !== undefined) req.fileName = fileName;
    if (size > LARGE_DOCUMENT_BYTES) req.large = true;
    if (release) req.release = true;
    const done = new Promise<{ outcome: ValidationOutcome; back?: Uint8Array }>((resolve, reject) => {
      slot.pending.set(id, { resolve: (outcome, back) => resolve({ outcome, back }), reject, bytes: size });
      slot.pendingBytes += size;
      slot.worker.postMessage(req, [bytes.buffer as ArrayBuffer]);
    });
    // libxml2's wasm memory only grows: after a large document, the idle worker is ended (the large lane's
    // next document starts a fresh one), and the caller goes on once it is: the memory is given back before the
    // next stage takes its own.
    if (size > LARGE_DOCUMENT_BYTES) {
      return done.finally(async () => {
        if (slot.pending.size > 0) return;
        const j = this.#large.indexOf(slot);
        if (j < 0) return;
        this.#large.splice(j, 1);
        await slot.worker.terminate();
      });
    }
    return done;
  }

  /** The worker for a document of `size` bytes: a large one gets its own, a small one the least loaded. */
  #choose(size: number): Slot {
    if (size > LARGE_DOCUMENT_BYTES) {
      if (this.#large.length < this.#largeMax) {
        const slot = takeIdle(this.#slots) ?? this.#spawn(true);
        this.#large.push(slot);
        return slot;
      }
      return leastLoaded(this.#large);
    }
    const best = leastPendingBytes(this.#slots);
    return this.#slots[best] ?? (this.#slots[best] = this.#spawn());
  }

  /** Flows being validated or waiting, per worker (for metrics). */
  get busy(): number[] {
    return [...this.#slots.map((s) => s?.pending.size ?? 0), ...this.#large.map((s) => s.pending.size)];
  }

  /** Test aid: kills worker `index` as a crash would (its in-flight calls fail, it is replaced). */
  async crashWorkerForTest(index: number): Promise<void> {
    await this.#slots[index]?.worker.terminate();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#inline?.dispose();
    this.#inline = undefined;
    const all = [...this.#slots, ...this.#large];
    this.#slots = [];
    this.#large = [];
    await Promise.all(all.flatMap((s) => (s ? [s.worker.terminate()] : [])));
  }
}
