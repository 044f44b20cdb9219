/**
 * The embedded database off the main thread. PGlite runs each statement synchronously in the thread that
 * owns it: in the daemon's main thread, storing one 30 Mo flow held HTTP, SFTP and the folder watcher for
 * seconds. Here PGlite lives in its own worker thread (pglite-worker.ts) and this side only posts
 * statements and receives rows, with the same single connection and the same semantics: a transaction
 * holds PGlite's lock until it ends, statements outside it wait, exactly as in-process. The flow's bytes
 * are copied to the worker (one memcpy); rows come back structured-cloned, bytea as Buffer.
 * The worker keeps the process alive only while a call is pending, as an in-process PGlite did.
 */
import { Worker } from 'node:worker_threads';
import type { PGliteLike } from 'pg-boss';
import type { NamedSql } from './db.ts';

export type ThreadRequest = { id: number } & (
  | { op: 'query'; sql: string; name?: string; params?: unknown[]; tx?: number; ours: boolean }
  | { op: 'exec'; sql: string }
  | { op: 'begin' }
  | { op: 'end'; tx: number; commit: boolean }
  | { op: 'listen'; channel: string }
  | { op: 'unlisten'; sub: number }
  | { op: 'close' }
);

type PlainError = { message: string; fields: Record<string, unknown> };

export interface ThreadReply {
  id: number;
  rows?: unknown[];
  results?: Array<{ rows: unknown[] }>;
  tx?: number;
  sub?: number;
  error?: PlainError;
}

type Message = ThreadReply | { ready: true } | { failed: PlainError } | { notify: number; payload: string };

/** Distributive Omit: each request kind without its id. */
type Request = ThreadRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './pglite-worker.ts' : './pglite-worker.js',
  import.meta.url,
);

/** A thread busy on statements but answering within this delay is alive (see ping). */
const BUSY_ALIVE_MS = 5000;

function toError(e: PlainError): Error {
  return Object.assign(new Error(e.message), e.fields);
}

/** Rows as the store's callers expect them: bytea arrives as a Uint8Array and becomes a Buffer again. */
function withBuffers<T>(rows: unknown[]): T[] {
  for (const row of rows as Array<Record<string, unknown>>)
    for (const [k, v] of Object.entries(row))
      if (v instanceof Uint8Array && !Buffer.isBuffer(v)) row[k] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return rows as T[];
}

export class PgliteThread implements PGliteLike {
  readonly #worker: Worker;
  readonly #pending = new Map<
    number,
    { sentAt: number; resolve: (r: ThreadReply) => void; reject: (e: Error) => void }
  >();
  /** When the thread last answered (performance.now()). */
  #answeredAt = 0;
  readonly #listeners = new Map<number, (payload: string) => void>();
  #nextId = 1;
  #dead: Error | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  /** Starts the thread and opens the database (in `dir`, or in memory). */
  static async open(dir: string | undefined): Promise<PgliteThread> {
    const worker = new Worker(WORKER_URL, { workerData: { dir } });
    const thread = new PgliteThread(worker);
    await new Promise<void>((resolve, reject) => {
      const early = (err: Error) => reject(err);
      worker.once('error', early);
      worker.once('exit', (code) => reject(new Error(`the embedded database thread exited (${code})`)));
      worker.on('message', (m: Message) => {
        if ('ready' in m) {
          worker.off('error', early);
          resolve();
        } else if ('failed' in m) reject(toError(m.failed));
        else thread.#receive(m);
      });
    }).catch(async (err: unknown) => {
      await worker.terminate(); // nothing left running behind a database that could not be opened
      throw err;
    });
    worker.removeAllListeners('exit');
    worker.on('error', (err: unknown) => thread.#fail(err instanceof Error ? err : new Error(String(err))));
    worker.on('exit', (code) => thread.#fail(new Error(`the embedded database thread exited (${code})`)));
    worker.unref();
    return thread;
  }

  #receive(m: ThreadReply | { notify: number; payload: string }): void {
    if ('notify' in m) {
      this.#listeners.get(m.notify)?.(m.payload);
      return;
    }
    this.#answeredAt = performance.now();
    const p = this.#pending.get(m.id);
    if (!p) return;
    this.#pending.delete(m.id);
    if (!this.#pending.size) this.#worker.unref();
    if (m.error) p.reject(toError(m.error));
    else p.resolve(m);
  }

  #fail(err: Error): void {
    this.#dead ??= err;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }

  #call(req: Request): Promise<ThreadReply> {
    if (this.#dead) return Promise.reject(this.#dead);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (!this.#pending.size) this.#worker.ref();
      this.#pending.set(id, { sentAt: performance.now(), resolve, reject });
      this.#worker.postMessage({ id, ...req });
    });
  }

  /** A statement as pg-boss sends it (PGlite's default types). */
  async query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }> {
    const r = await this.#call({ op: 'query', sql, params, ours: false });
    return { rows: withBuffers<T>(r.rows ?? []) };
  }

  /**
   * One of ours (int8 as number, bytea as Buffer), in the transaction `tx` if given; a named one is prepared
   * once (pglite-worker.ts).
   */
  async ours<T>(sql: string | NamedSql, params: unknown[] | undefined, tx?: number): Promise<{ rows: T[] }> {
    const r = await this.#call({
      op: 'query',
      ...(typeof sql === 'string' ? { sql } : { sql: sql.text, name: sql.name }),
      params,
      ours: true,
      ...(tx === undefined ? {} : { tx }),
    });
    return { rows: withBuffers<T>(r.rows ?? []) };
  }

  async exec(sql: string): Promise<Array<{ rows: unknown[] }>> {
    return (await this.#call({ op: 'exec', sql })).results ?? [];
  }

  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  async transaction<T>(fn: (tx: number) => Promise<T>): Promise<T> {
    const { tx } = await this.#call({ op: 'begin' });
    let out: T;
    try {
      out = await fn(tx!);
    } catch (err) {
      await this.#call({ op: 'end', tx: tx!, commit: false }).catch(() => undefined);
      throw err;
    }
    await this.#call({ op: 'end', tx: tx!, commit: true });
    return out;
  }

  async listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>> {
    const { sub } = await this.#call({ op: 'listen', channel });
    this.#listeners.set(sub!, callback);
    return async () => {
      this.#listeners.delete(sub!);
      await this.#call({ op: 'unlisten', sub: sub! }).catch(() => undefined);
    };
  }

  /**
   * Whether the database is up, without queueing behind the statements it is executing: PGlite has one
   * connection, and a statement storing a 30 Mo flow holds it for ~0.5 s (a probe behind it would say
   * "slow" of a database that is working). While calls are pending, the thread is alive if it answered one,
   * or was given the oldest, less than BUSY_ALIVE_MS ago; otherwise (idle, or stuck) `SELECT 1` decides.
   */
  async ping(): Promise<void> {
    if (this.#dead) throw this.#dead;
    const now = performance.now();
    let oldest = now;
    for (const p of this.#pending.values()) oldest = Math.min(oldest, p.sentAt);
    if (this.#pending.size && now - Math.max(oldest, this.#answeredAt) < BUSY_ALIVE_MS) return;
    await this.query('SELECT 1');
  }

  /** Closes the database, then the thread. */
  async close(): Promise<void> {
    if (this.#dead) return;
    await this.#call({ op: 'close' });
    this.#dead = new Error('the embedded database is closed');
    await this.#worker.terminate();
  }
}
