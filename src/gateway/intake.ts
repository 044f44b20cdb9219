/**
 * The one intake every transport hands complete files to. Taking a file is crash-safe:
 *  1. a sidecar `<key>.json` saying who deposited what is written into the spool;
 *  2. the file is renamed (atomic, same filesystem) into `<dataDir>/spool/<key>`: the mailbox is free;
 *  3. one transaction records the bytes, the flow (with its number) and its pg-boss job;
 *  4. the spool files are removed.
 * After a crash, `recoverSpool()` finishes step 3 for files whose flow is not recorded and drops the
 * rest, so a file is never lost and never taken twice (the spool key is unique in the database).
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sniffInterface } from '../formats/registry.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/index.ts';
import { QUEUES } from '../store/index.ts';
import { flowBySpoolKey, insertFlow } from '../store/flows.ts';
import type { NewFlow } from '../store/flows.ts';
import type { FlowRecord } from '../store/types.ts';
import type { Intake, IntakeRequest, IntakeResult } from './intake-types.ts';

/** Flows recorded in one transaction at most. */
const MAX_BATCH = 64;

interface SpoolSidecar extends Omit<IntakeRequest, 'path' | 'signaturePath'> {
  key: string;
  hasSignature: boolean;
}

export interface IntakeOptions {
  dataDir: string;
  maxFlowBytes: number;
  unknownInterfaceCode: string;
  store: Store;
  logger: Logger;
  /** Called once a flow is recorded (metrics, tests). */
  onFlow?: (flow: FlowRecord) => void;
}

export class FlowIntake implements Intake {
  readonly spoolDir: string;
  private readonly opts: IntakeOptions;
  /** Flows waiting to be recorded in the next transaction (see flush). */
  private readonly batch: Array<{
    sidecar: SpoolSidecar;
    resolve: (f: FlowRecord) => void;
    reject: (e: Error) => void;
  }> = [];
  /** Spool keys being recorded in the background (see take). */
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(opts: IntakeOptions) {
    this.opts = opts;
    // One spool per host: daemons of several hosts may share dataDir (and its mailboxes).
    this.spoolDir = path.join(opts.dataDir, 'spool', hostname());
    mkdirSync(this.spoolDir, { recursive: true });
  }

  /** Takes the file and records its flow; resolves with the flow number (the API twin answers with it). */
  async claim(req: IntakeRequest): Promise<IntakeResult> {
    const sidecar = await this.spool(req);
    const flow = await this.record(sidecar);
    return flow.flowNumber ? { id: String(flow.id), flowNumber: flow.flowNumber } : { id: String(flow.id) };
  }

  /**
   * Takes the file into the spool (durable from then on: a crash is finished by recoverSpool) and records
   * its flow in the background. For transports that need not answer with the flow number (SFTP, drop
   * folders): a partner's next upload does not wait for the database.
   */
  async take(req: IntakeRequest): Promise<{ spoolKey: string }> {
    const sidecar = await this.spool(req);
    this.inFlight.set(sidecar.key, this.recordWithRetry(sidecar));
    return { spoolKey: sidecar.key };
  }

  /** Resolves when every background recording has ended (daemon stop). */
  async drain(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight.values()]);
  }

  private async recordWithRetry(sidecar: SpoolSidecar): Promise<void> {
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.record(sidecar);
          return;
        } catch (err) {
          this.opts.logger.error(
            { err, partner: sidecar.partner, file: sidecar.originalName, attempt },
            'could not record a spooled flow',
          );
          // Left in the spool: the periodic recovery records it later; nothing is lost.
          if (attempt >= 3) return;
          await new Promise((r) => setTimeout(r, 1000 * attempt));
        }
      }
    } finally {
      this.inFlight.delete(sidecar.key);
    }
  }

  private async spool(req: IntakeRequest): Promise<SpoolSidecar> {
    const key = `${Date.now().toString(36)}-${randomUUID()}`;
    const sidecar: SpoolSidecar = {
      key,
      partner: req.partner,
      box: req.box,
      originalName: req.originalName,
      transport: req.transport,
      hasSignature: Boolean(req.signaturePath),
      ...(req.declaredInterface !== undefined ? { declaredInterface: req.declaredInterface } : {}),
      ...(req.declaredSigned !== undefined ? { declaredSigned: req.declaredSigned } : {}),
      ...(req.emitter !== undefined ? { emitter: req.emitter } : {}),
      ...(req.returnSyntax !== undefined ? { returnSyntax: req.returnSyntax } : {}),
    };
    const base = path.join(this.spoolDir, key);
    await writeFile(`${base}.json`, JSON.stringify(sidecar));
    try {
      await rename(req.path, base);
    } catch (e) {
      await unlinkQuietly(`${base}.json`); // the file never came in (e.g. another node took it)
      throw e;
    }
    if (req.signaturePath) await rename(req.signaturePath, `${base}.p7s`);
    return sidecar;
  }

  /** Step 3 and 4 for one spooled file (recorded together with others queued at the same moment). */
  private record(sidecar: SpoolSidecar): Promise<FlowRecord> {
    return new Promise((resolve, reject) => {
      this.batch.push({ sidecar, resolve, reject });
      if (this.batch.length === 1) setImmediate(() => void this.flush());
    });
  }

  /**
   * Records every queued flow in one transaction (the flows, their bytes, their jobs): when a partner
   * drops many files at once, the database sees one round trip per flow instead of four. A batch that
   * fails is retried one flow at a time, so one bad entry does not hold up the others.
   */
  private async flush(): Promise<void> {
    const items = this.batch.splice(0, MAX_BATCH);
    if (this.batch.length) setImmediate(() => void this.flush());
    const prepared: Array<{ item: (typeof items)[number]; flow: NewFlow }> = [];
    for (const item of items) {
      try {
        prepared.push({ item, flow: await this.prepare(item.sidecar) });
      } catch (e) {
        item.reject(e as Error);
      }
    }
    if (!prepared.length) return;
    try {
      const flows = await this.commit(prepared.map((p) => p.flow));
      await Promise.all(prepared.map((p, i) => this.finish(p.item.sidecar, flows[i] as FlowRecord, p.flow.size)));
      prepared.forEach((p, i) => p.item.resolve(flows[i] as FlowRecord));
    } catch (batchError) {
      if (prepared.length === 1) {
        prepared[0]!.item.reject(batchError as Error);
        return;
      }
      for (const p of prepared) {
        try {
          const [flow] = await this.commit([p.flow]);
          await this.finish(p.item.sidecar, flow as FlowRecord, p.flow.size);
          p.item.resolve(flow as FlowRecord);
        } catch (e) {
          p.item.reject(e as Error);
        }
      }
    }
  }

  /** Reads a spooled file: size, bytes (unless over the limit), SHA-256, the interface for its number. */
  private async prepare(sidecar: SpoolSidecar): Promise<NewFlow> {
    const { maxFlowBytes } = this.opts;
    const base = path.join(this.spoolDir, sidecar.key);
    const size = (await stat(base)).size;
    // Over the limit: the bytes are not kept, only their fingerprint; reception rejects the flow.
    const bytes = size <= maxFlowBytes ? await readFile(base) : null;
    const sha256 = bytes ? sha(bytes) : await shaOfFile(base);
    let signature: { sha256: string; bytes: Buffer } | null = null;
    if (sidecar.hasSignature) {
      // Missing only when a crash came between the two renames: the .p7s is then still in the mailbox.
      const sig = await readFile(`${base}.p7s`).catch(() => null);
      if (sig) signature = { sha256: sha(sig), bytes: sig };
    }
    const numberInterface =
      sidecar.box === 'depot'
        ? (
            sidecar.declaredInterface ??
            (bytes ? sniffInterface(bytes.subarray(0, 65536)) : undefined) ??
            this.opts.unknownInterfaceCode
          ).slice(3, 7)
        : null;
    return {
      box: sidecar.box,
      partner: sidecar.partner,
      originalName: sidecar.originalName,
      size,
      sha256,
      bytes,
      signature,
      spoolKey: sidecar.key,
      transport: sidecar.transport,
      declaredInterface: sidecar.declaredInterface ?? null,
      declaredSigned: sidecar.declaredSigned ?? null,
      emitter: sidecar.emitter ?? null,
      returnSyntax: sidecar.returnSyntax ?? null,
      numberInterface: numberInterface === null ? null : /^\d{4}$/.test(numberInterface) ? numberInterface : '0000',
    };
  }

  /** One transaction: the flows and, for those newly recorded, their jobs (a recorded flow always has its job). */
  private async commit(flows: NewFlow[]): Promise<FlowRecord[]> {
    const { store } = this.opts;
    return store.db.transaction(async (tx) => {
      const out: FlowRecord[] = [];
      const jobs: Array<{ data: { flowId: number } }> = [];
      for (const f of flows) {
        const created = await insertFlow(tx, f);
        // Already recorded (an intake retried after a crash): its job exists too.
        if (created) jobs.push({ data: { flowId: created.id } });
        out.push(created ?? ((await flowBySpoolKey(tx, f.spoolKey)) as FlowRecord));
      }
      if (jobs.length) {
        await store.boss.insert(QUEUES.flows, jobs, {
          db: { executeSql: (text: string, values?: unknown[]) => tx.query(text, values) },
        });
      }
      return out;
    });
  }

  private async finish(sidecar: SpoolSidecar, flow: FlowRecord, size: number): Promise<void> {
    const base = path.join(this.spoolDir, sidecar.key);
    this.opts.logger.info(
      {
        flow: flow.flowNumber ?? `ANALYSE-${flow.id}`,
        partner: flow.partner,
        box: flow.box,
        file: flow.originalName,
        size,
        transport: flow.transport,
      },
      'flow received',
    );
    // unlink, not rm: rm() lstat()s first, a measurable cost per flow.
    await Promise.all([
      unlinkQuietly(base),
      unlinkQuietly(`${base}.json`),
      sidecar.hasSignature ? unlinkQuietly(`${base}.p7s`) : undefined,
    ]);
    this.opts.onFlow?.(flow);
  }

  /**
   * Finishes what a crash interrupted (see the header comment). `minAgeMs` leaves alone spool entries
   * younger than that, which another part of this process (or another node sharing dataDir) may be
   * taking right now: 0 at start, a minute for the periodic pass.
   */
  async recoverSpool(minAgeMs = 0): Promise<number> {
    let recovered = 0;
    for (const name of readdirSync(this.spoolDir)) {
      if (!name.endsWith('.json')) continue;
      const key = name.slice(0, -5);
      if (this.inFlight.has(key)) continue;
      const base = path.join(this.spoolDir, key);
      const age = await stat(`${base}.json`).then(
        (s) => Date.now() - s.mtimeMs,
        () => -1,
      );
      if (age < minAgeMs) continue;
      let sidecar: SpoolSidecar;
      try {
        sidecar = JSON.parse(await readFile(`${base}.json`, 'utf8')) as SpoolSidecar;
      } catch {
        continue;
      }
      const exists = await stat(base).then(
        () => true,
        () => false,
      );
      const recorded = await flowBySpoolKey(this.opts.store.db, key);
      if (recorded || !exists) {
        // Recorded already, or the crash came before the rename (the file is still in the mailbox).
        await Promise.all([
          rm(base, { force: true }),
          rm(`${base}.json`, { force: true }),
          rm(`${base}.p7s`, { force: true }),
        ]);
        continue;
      }
      await this.record(sidecar);
      recovered++;
    }
    return recovered;
  }
}

async function unlinkQuietly(file: string): Promise<void> {
  await unlink(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

async function shaOfFile(file: string): Promise<string> {
  const { createReadStream } = await import('node:fs');
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}
