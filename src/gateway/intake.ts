/**
 * The one intake every transport hands complete files to. Taking a file is crash-safe:
 *  1. the file is renamed (atomic, same filesystem) into `<dataDir>/spool/<host>/` under a name that says
 *     who deposited what: `<key>~<partner>~<flags>~<declared interface>~<the partner's file name>` (see
 *     spoolName): the mailbox is free, and the entry is complete the moment it exists;
 *  2. one transaction records the bytes, the flow (with its number) and its pg-boss job;
 *  3. the spooled file is removed.
 * After a crash, `recoverSpool()` finishes step 2 for files whose flow is not recorded and drops the
 * rest, so a file is never lost and never taken twice (the spool key is unique in the database).
 * The name carries the metadata rather than a sidecar file: one rename is the whole spooling, so there is
 * no state "metadata without file" (or the reverse) to recover, and no file created and removed a flow.
 * Only when the name cannot carry it (a partner's name too long for NAME_MAX with the prefix, or one
 * holding NUL or `/`, possible through HTTP) is a sidecar `<key>.json` written first, as before, and the
 * file spooled as `<key>`; recovery reads both forms (and spools left by earlier versions).
 * The file and the spool folder (and a sidecar) are fsync'ed before the deposit is acknowledged
 * (`fsync`), so a power cut cannot lose an acknowledged flow.
 * The spooled entry is read only if it is a regular file with one name (openRegular, O_NOFOLLOW): a
 * symlink, FIFO, device, directory or hard link becomes a flow refused at RECEPTION without being read.
 *
 * Detached signatures are paired here, for every transport: a `<name>.p7s`, or a flow that expects one
 * (declared signed, a signing partner, or a `.p7s` the transport has seen arrive), is spooled at once but
 * held (flag `w`) until the other comes or `signature.detachedWaitMs` has passed since it was spooled. Then
 * the `.p7s` is renamed `<key>.p7s` next to its flow and the flow's flag set to `p` (or `-` alone), and
 * the flow is recorded. Held entries are durable like any other: recovery holds them again for what is
 * left of their wait (a `<key>.p7s` already there means the pairing was under way: it is finished). A
 * `.p7s` whose flow never came is recorded as a flow of its own, so it is rejected, not lost.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { lstat, mkdir, open, rename, rm, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { sniffInterface } from '../formats/registry.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/index.ts';
import { QUEUES, bossDb } from '../store/index.ts';
import { flowBySpoolKey, insertFlows } from '../store/flows.ts';
import type { NewFlow } from '../store/flows.ts';
import { handOverContent } from '../store/flows.ts';
import { LARGE_DOCUMENT_BYTES, releaseBuffer } from '../buffers.ts';
import { collectGarbage } from '../collect.ts';
import type { FlowRecord } from '../store/types.ts';
import { ENTRY_KIND_LABELS, flowName, openRegular, syncDir } from '../store/mailboxes.ts';
import type { EntryKind } from '../store/mailboxes.ts';
import { transportLabel } from './intake-types.ts';
import type { Intake, IntakeRequest, IntakeResult } from './intake-types.ts';

/** Flows recorded in one transaction at most. */
const MAX_BATCH = 64;

/** Who deposited what: carried by the spooled file's name (spoolName), or by a `<key>.json` sidecar. */
interface SpoolSidecar extends Omit<IntakeRequest, 'path' | 'signaturePath' | 'nameBytes' | 'signatureAwaited'> {
  key: string;
  hasSignature: boolean;
  /** Waiting for its detached signature, or (a `.p7s`) for its flow: not recorded yet (see pairing). */
  held?: boolean;
  /** The original name's bytes (hex) when they are not clean UTF-8 text (see flowName). */
  nameHex?: string;
}

/** A spooled flow: its metadata, where the file is, and whether a sidecar holds the metadata. */
interface SpoolEntry {
  sidecar: SpoolSidecar;
  /** The spooled file (a Buffer: the partner's name, in it, may not be UTF-8). */
  file: string | Buffer;
  /** The sidecar's path, when the name could not carry the metadata. */
  sidecarFile?: string;
  /**
   * The spooled file as opened to fsync it (spool): prepare reads it through this descriptor instead of
   * opening and checking it again. Closed by prepare, or as soon as the entry is held.
   */
  opened?: { fh: FileHandle; size: number };
}

/** Separates the fields of a spool name; never in a key, partner code, flag or interface code. */
const SEP = 0x7e; // '~'
const BOX_FLAG: Record<IntakeRequest['box'], string> = { depot: 'd', analyse: 'a' };
/** The one-letter transports of spool names written before labels were open (read back by recovery). */
const OLD_TRANSPORT_FLAG: Record<string, string> = { f: 'folder', s: 'sftp', h: 'http', r: 'replay' };
const NAME_MAX = 255;
/** Where the detached-signature flag sits in the flags field (`<box><signed><signature><transport>`). */
const SIGNATURE_FLAG_AT = 2;

/**
 * The spool name carrying a flow's metadata, or undefined when it cannot (then a sidecar does):
 * `<key>~<partner>~<box><declared signed: S|N|-><detached signature: p|-|w (held)><transport>~<interface>~<name>`.
 * The name is the partner's bytes as they are, so flowName() of it gives back the same name on recovery.
 */
function spoolName(s: SpoolSidecar, name: Buffer | undefined): Buffer | undefined {
  if (!name || name.length === 0 || name.includes(0) || name.includes(0x2f)) return undefined;
  if (!/^[A-Za-z0-9]{1,16}$/.test(s.partner)) return undefined;
  if (s.declaredInterface !== undefined && !/^[A-Za-z0-9]{1,16}$/.test(s.declaredInterface)) return undefined;
  const signed = s.declaredSigned === undefined ? '-' : s.declaredSigned ? 'S' : 'N';
  const flags = `${BOX_FLAG[s.box]}${signed}${signatureFlag(s)}${s.transport}`;
  const head = Buffer.from(`${s.key}~${s.partner}~${flags}~${s.declaredInterface ?? ''}~`, 'latin1');
  return head.length + name.length <= NAME_MAX ? Buffer.concat([head, name]) : undefined;
}

/** The metadata a spool name carries (the inverse of spoolName), or undefined when it is not one. */
function parseSpoolName(raw: Buffer): SpoolSidecar | undefined {
  const fields: string[] = [];
  let at = 0;
  for (let i = 0; i < 4; i++) {
    const end = raw.indexOf(SEP, at);
    if (end < 0) return undefined;
    fields.push(raw.toString('latin1', at, end));
    at = end + 1;
  }
  const [key, partner, rawFlags, iface] = fields as [string, string, string, string];
  // Written before labels were open: `<box><transport letter><signed><signature>`.
  const old = rawFlags.length === 4 ? OLD_TRANSPORT_FLAG[rawFlags[1]!] : undefined;
  const flags = old ? `${rawFlags[0]}${rawFlags.slice(2)}${old}` : rawFlags;
  const box = (Object.keys(BOX_FLAG) as Array<IntakeRequest['box']>).find((b) => BOX_FLAG[b] === flags[0]);
  const transport = flags.slice(3);
  if (!key || !partner || !box || !/^[SN-][pw-]/.test(flags.slice(1)) || !validLabel(transport) || at >= raw.length)
    return undefined;
  const named = flowName(raw.subarray(at));
  return {
    key,
    partner,
    box,
    originalName: named.name,
    ...(named.bytes ? { nameHex: named.bytes.toString('hex') } : {}),
    transport,
    hasSignature: flags[SIGNATURE_FLAG_AT] === 'p',
    ...(flags[SIGNATURE_FLAG_AT] === 'w' ? { held: true } : {}),
    ...(iface ? { declaredInterface: iface } : {}),
    ...(flags[1] === '-' ? {} : { declaredSigned: flags[1] === 'S' }),
  };
}

function signatureFlag(s: SpoolSidecar): string {
  return s.held ? 'w' : s.hasSignature ? 'p' : '-';
}

function validLabel(label: string): boolean {
  try {
    transportLabel(label);
    return true;
  } catch {
    return false;
  }
}

/** A detached signature by its name: `<flow name>.p7s`. */
function isSignatureName(s: SpoolSidecar): boolean {
  return s.originalName.length > 4 && s.originalName.toLowerCase().endsWith('.p7s');
}

/** What pairs a flow with its signature: partner, box and the flow's name (bytes; a `.p7s` without its suffix). */
function pairKey(s: SpoolSidecar): string {
  const name = s.nameHex ? Buffer.from(s.nameHex, 'hex') : Buffer.from(s.originalName, 'utf8');
  const flow = isSignatureName(s) ? name.subarray(0, name.length - 4) : name;
  return `${s.partner}/${s.box}/${flow.toString('hex')}`;
}

/** A spooled entry waiting for its pair; `timer` releases it alone at the end of the wait. */
interface Held {
  entry: SpoolEntry;
  pair: string;
  signature: boolean;
  timer: NodeJS.Timeout;
}

export interface IntakeOptions {
  dataDir: string;
  maxFlowBytes: number;
  unknownInterfaceCode: string;
  store: Store;
  logger: Logger;
  /** Called once a flow is recorded (metrics, tests). */
  onFlow?: (flow: FlowRecord) => void;
  /** fsync the spooled file, its sidecar and the spool folder before acknowledging (default true). */
  fsync?: boolean;
  /** How long a flow waits for its detached `.p7s`, and a `.p7s` for its flow (`signature.detachedWaitMs`). */
  detachedWaitMs?: number;
  /** Does this partner sign its flows? (then each of its flows waits for its `.p7s`) */
  partnerSigns?: (partner: string) => boolean;
}

export class FlowIntake implements Intake {
  readonly spoolDir: string;
  private readonly opts: IntakeOptions;
  /** Flows waiting to be recorded in the next transaction (see flush). */
  private readonly batch: Array<{
    entry: SpoolEntry;
    resolve: (f: FlowRecord) => void;
    reject: (e: Error) => void;
  }> = [];
  /** Spool keys being recorded in the background (see take). */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Held entries by spool key, and by what pairs them (flows and signatures apart). */
  private readonly held = new Map<string, Held>();
  private readonly heldFlows = new Map<string, Held>();
  private readonly heldSignatures = new Map<string, Held>();
  readonly maxFlowBytes: number;

  constructor(opts: IntakeOptions) {
    this.opts = opts;
    this.maxFlowBytes = opts.maxFlowBytes;
    // One spool per host: daemons of several hosts may share dataDir (and its mailboxes).
    this.spoolDir = path.join(opts.dataDir, 'spool', hostname());
    mkdirSync(this.spoolDir, { recursive: true });
  }

  /** Takes the file and records its flow; resolves with the flow number (the API twin answers with it). */
  async claim(req: IntakeRequest): Promise<IntakeResult> {
    const entry = await this.spool(req);
    const flow = await this.record(entry);
    return flow.flowNumber ? { id: String(flow.id), flowNumber: flow.flowNumber } : { id: String(flow.id) };
  }

  /**
   * Takes the file into the spool (durable from then on: a crash is finished by recoverSpool) and records
   * its flow in the background. For transports that need not answer with the flow number (SFTP, drop
   * folders): a partner's next upload does not wait for the database.
   */
  async take(req: IntakeRequest): Promise<{ spoolKey: string }> {
    const pairing = this.pairing(req);
    const entry = await this.spool(req, pairing !== 'none');
    // A flow held only because its `.p7s` was waiting: no wait of its own (released alone if that one has gone).
    if (entry.sidecar.held) {
      await closeOpened(entry); // held for seconds: read again when released
      this.hold(entry, pairing === 'wait' ? Date.now() : 0);
    } else this.inFlight.set(entry.sidecar.key, this.recordWithRetry(entry));
    return { spoolKey: entry.sidecar.key };
  }

  /**
   * Resolves when every background recording has ended (daemon stop). Held entries stay in the spool,
   * held again at the next start for what is left of their wait.
   */
  async drain(): Promise<void> {
    for (const h of this.held.values()) clearTimeout(h.timer);
    this.held.clear();
    this.heldFlows.clear();
    this.heldSignatures.clear();
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight.values()]);
  }

  /**
   * How a deposit takes part in pairing: `wait` (a `.p7s`, or a flow expecting one), `meet` (a flow whose
   * `.p7s` is held already), or `none` (recorded at once).
   */
  private pairing(req: IntakeRequest): 'wait' | 'meet' | 'none' {
    if (req.signaturePath) return 'none'; // handed over together
    const named = flowName(req.nameBytes ?? req.originalName);
    const s = { partner: req.partner, box: req.box, originalName: named.name } as SpoolSidecar;
    if (named.bytes) s.nameHex = named.bytes.toString('hex');
    if (isSignatureName(s)) return 'wait';
    const expected = req.signatureAwaited || (req.declaredSigned ?? this.opts.partnerSigns?.(req.partner) ?? false);
    if (expected && (this.opts.detachedWaitMs ?? 0) > 0) return 'wait';
    return this.heldSignatures.has(pairKey(s)) ? 'meet' : 'none';
  }

  /**
   * A held entry meets its pair now, or waits for it until `spooledAt + detachedWaitMs` (a flow that expects
   * no signature, or a wait already over, is released at once).
   */
  private hold(entry: SpoolEntry, spooledAt: number): void {
    const { sidecar } = entry;
    const signature = isSignatureName(sidecar);
    const pair = pairKey(sidecar);
    const other = (signature ? this.heldFlows : this.heldSignatures).get(pair);
    if (other) {
      this.unhold(other);
      const [flow, sig] = signature ? [other.entry, entry] : [entry, other.entry];
      this.release(flow, sig);
      return;
    }
    const mine = signature ? this.heldSignatures : this.heldFlows;
    const earlier = mine.get(pair);
    if (earlier) {
      // The same name again while the first waits: the first goes on alone, the newer one waits.
      this.unhold(earlier);
      this.release(earlier.entry);
    }
    const left = spooledAt + (this.opts.detachedWaitMs ?? 0) - Date.now();
    const timer = setTimeout(
      () => {
        if (this.held.get(sidecar.key) !== h) return;
        this.unhold(h);
        this.release(entry);
      },
      Math.max(0, left),
    );
    timer.unref();
    const h: Held = { entry, pair, signature, timer };
    this.held.set(sidecar.key, h);
    mine.set(pair, h);
  }

  private unhold(h: Held): void {
    clearTimeout(h.timer);
    this.held.delete(h.entry.sidecar.key);
    const map = h.signature ? this.heldSignatures : this.heldFlows;
    if (map.get(h.pair) === h) map.delete(h.pair);
  }

  /**
   * Ends a wait: the `.p7s` (if any) renamed `<key>.p7s` next to its flow, then the flow no longer held, then
   * recorded. If this fails, the entry stays held in the spool and the periodic recovery tries again.
   */
  private release(flow: SpoolEntry, signature?: SpoolEntry): void {
    const key = flow.sidecar.key;
    const done = (async () => {
      if (signature) {
        await rename(signature.file, path.join(this.spoolDir, `${key}.p7s`));
        if (signature.sidecarFile) await unlinkQuietly(signature.sidecarFile);
      }
      const released = await this.settle(flow, Boolean(signature));
      if (this.opts.fsync !== false) await syncDir(this.spoolDir);
      this.opts.logger.debug(
        { partner: flow.sidecar.partner, file: flow.sidecar.originalName, paired: Boolean(signature) },
        signature ? 'flow paired with its detached signature' : 'held flow released alone',
      );
      return released;
    })();
    this.inFlight.set(
      key,
      done.then(
        (released) => this.recordWithRetry(released),
        (err: unknown) => {
          this.inFlight.delete(key);
          this.opts.logger.error(
            { err, partner: flow.sidecar.partner, file: flow.sidecar.originalName },
            'could not release a held flow; left in the spool for the next recovery pass',
          );
        },
      ),
    );
  }

  /** The held entry as a plain spooled one (with or without its `<key>.p7s`): its flag, or its sidecar, rewritten. */
  private async settle(entry: SpoolEntry, hasSignature: boolean): Promise<SpoolEntry> {
    const sidecar: SpoolSidecar = { ...entry.sidecar, hasSignature };
    delete sidecar.held;
    if (entry.sidecarFile) {
      const tmp = `${entry.sidecarFile}.tmp`;
      const side = await this.createSidecar(tmp).catch(async (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
        await unlinkQuietly(tmp); // left by an interrupted pass
        return this.createSidecar(tmp);
      });
      try {
        await side.writeFile(JSON.stringify(sidecar));
        if (this.opts.fsync !== false) await side.sync();
      } finally {
        await side.close();
      }
      await rename(tmp, entry.sidecarFile);
      return { ...entry, sidecar };
    }
    const from = Buffer.isBuffer(entry.file) ? entry.file : Buffer.from(entry.file);
    const base = from.lastIndexOf(0x2f) + 1;
    const flagsAt = from.indexOf(SEP, from.indexOf(SEP, base) + 1) + 1;
    const to = Buffer.from(from);
    to[flagsAt + SIGNATURE_FLAG_AT] = signatureFlag(sidecar).charCodeAt(0);
    await rename(from, to);
    return { sidecar, file: to };
  }

  private async recordWithRetry(entry: SpoolEntry): Promise<void> {
    const { sidecar } = entry;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.record(entry);
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

  private async spool(req: IntakeRequest, held = false): Promise<SpoolEntry> {
    transportLabel(req.transport);
    const key = `${Date.now().toString(36)}-${randomBytes(12).toString('hex')}`;
    const named = flowName(req.nameBytes ?? req.originalName);
    const sidecar: SpoolSidecar = {
      key,
      partner: req.partner,
      box: req.box,
      originalName: named.name,
      ...(named.bytes ? { nameHex: named.bytes.toString('hex') } : {}),
      transport: req.transport,
      hasSignature: Boolean(req.signaturePath),
      ...(held ? { held } : {}),
      ...(req.declaredInterface !== undefined ? { declaredInterface: req.declaredInterface } : {}),
      ...(req.declaredSigned !== undefined ? { declaredSigned: req.declaredSigned } : {}),
      ...(req.emitter !== undefined ? { emitter: req.emitter } : {}),
      ...(req.returnSyntax !== undefined ? { returnSyntax: req.returnSyntax } : {}),
    };
    const base = path.join(this.spoolDir, key);
    const durable = this.opts.fsync !== false;
    // The name's bytes as the partner gave them (a string that does not survive UTF-8 is left to a sidecar).
    const asText = Buffer.from(req.originalName, 'utf8');
    const inName = spoolName(
      sidecar,
      req.nameBytes ?? (asText.toString('utf8') === req.originalName ? asText : undefined),
    );
    const entry: SpoolEntry = inName
      ? { sidecar, file: Buffer.concat([Buffer.from(`${this.spoolDir}${path.sep}`), inName]) }
      : { sidecar, file: base, sidecarFile: `${base}.json` };
    if (entry.sidecarFile) {
      // Created exclusively (a fresh, random name: nothing there to follow), synced before the file moves.
      const side = await this.createSidecar(entry.sidecarFile);
      try {
        await side.writeFile(JSON.stringify(sidecar));
        if (durable) await side.sync();
      } finally {
        await side.close();
      }
    }
    try {
      await rename(req.path, entry.file).catch(async (e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT' || existsSync(this.spoolDir)) throw e;
        await mkdir(this.spoolDir, { recursive: true }); // the spool folder was removed behind our back
        await rename(req.path, entry.file);
      });
    } catch (e) {
      // The file never came in (e.g. another node took it).
      if (entry.sidecarFile) await unlinkQuietly(entry.sidecarFile);
      throw e;
    }
    if (req.signaturePath) await rename(req.signaturePath, `${base}.p7s`);
    if (durable) {
      try {
        // The bytes (only of a regular file: never open what a partner may have planted) and the names.
        const opened = await openRegular(entry.file).catch(() => undefined);
        if (opened?.ok) {
          entry.opened = opened;
          await opened.fh.sync();
        }
        if (req.signaturePath) await syncRegular(`${base}.p7s`);
        await syncDir(this.spoolDir);
        const from =
          typeof req.path === 'string'
            ? path.dirname(req.path)
            : req.path.subarray(0, req.path.lastIndexOf(0x2f)).toString();
        await syncDir(from).catch(() => undefined); // the file is gone from the mailbox for good
      } catch (e) {
        await closeOpened(entry);
        throw e;
      }
    }
    return entry;
  }

  private async createSidecar(file: string): Promise<FileHandle> {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    return open(file, flags, 0o600).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
      await mkdir(this.spoolDir, { recursive: true }); // the spool folder was removed behind our back
      return open(file, flags, 0o600);
    });
  }

  /** Step 3 and 4 for one spooled file (recorded together with others queued at the same moment). */
  private record(entry: SpoolEntry): Promise<FlowRecord> {
    return new Promise((resolve, reject) => {
      this.batch.push({ entry, resolve, reject });
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
        prepared.push({ item, flow: await this.prepare(item.entry) });
      } catch (e) {
        item.reject(e as Error);
      }
    }
    if (!prepared.length) return;
    try {
      const flows = await this.commit(prepared.map((p) => p.flow));
      for (const p of prepared) releaseBytes(p.flow);
      // A large flow's copies in the driver's messages go now, not at V8's next collection (see collect.ts).
      if (prepared.some((p) => p.flow.size > LARGE_DOCUMENT_BYTES)) collectGarbage('minor');
      await Promise.all(prepared.map((p, i) => this.finish(p.item.entry, flows[i] as FlowRecord, p.flow.size)));
      prepared.forEach((p, i) => p.item.resolve(flows[i] as FlowRecord));
    } catch (batchError) {
      if (prepared.length === 1) {
        prepared[0]!.item.reject(batchError as Error);
        return;
      }
      for (const p of prepared) {
        try {
          const [flow] = await this.commit([p.flow]);
          releaseBytes(p.flow);
          if (p.flow.size > LARGE_DOCUMENT_BYTES) collectGarbage('minor');
          await this.finish(p.item.entry, flow as FlowRecord, p.flow.size);
          p.item.resolve(flow as FlowRecord);
        } catch (e) {
          p.item.reject(e as Error);
        }
      }
    }
  }

  /** Reads a spooled file: size, bytes (unless over the limit), SHA-256, the interface for its number. */
  private async prepare(entry: SpoolEntry): Promise<NewFlow> {
    const { maxFlowBytes } = this.opts;
    const { sidecar } = entry;
    // A sidecar of an earlier version may carry a name PostgreSQL text cannot hold (NUL): made safe here too.
    const named = sidecar.nameHex
      ? { name: sidecar.originalName, bytes: Buffer.from(sidecar.nameHex, 'hex') }
      : flowName(sidecar.originalName);
    const opened = entry.opened ? { ok: true as const, ...entry.opened } : await openRegular(entry.file);
    entry.opened = undefined; // closed below, whatever happens: a retry opens the file again
    if (!opened.ok) return this.refused(sidecar, named, opened.kind);
    let size: number;
    let bytes: Buffer | null;
    let sha256: string;
    try {
      size = opened.size;
      // Over the limit: the bytes are not kept, only their fingerprint; reception rejects the flow.
      if (size <= maxFlowBytes) ({ bytes, sha256 } = await readAndHash(opened.fh, size));
      else {
        bytes = null;
        sha256 = await shaOfHandle(opened.fh);
      }
    } finally {
      await opened.fh.close();
    }
    let signature: { sha256: string; bytes: Buffer } | null = null;
    if (sidecar.hasSignature) {
      // Missing only when a crash came between the two renames: the .p7s is then still in the mailbox.
      const sig = await openRegular(path.join(this.spoolDir, `${sidecar.key}.p7s`)).catch(() => null);
      if (sig?.ok) {
        try {
          const b = await sig.fh.readFile();
          signature = { sha256: sha(b), bytes: b };
        } finally {
          await sig.fh.close();
        }
      } else if (sig) {
        this.opts.logger.warn(
          { partner: sidecar.partner, file: named.name, kind: sig.kind },
          'detached signature is not a regular file: ignored without being read',
        );
      }
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
      originalName: named.name,
      originalNameBytes: named.bytes,
      intakeRefusal: null,
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

  /**
   * A deposited entry that is not a regular file with one name: recorded as a flow with no bytes, which
   * RECEPTION rejects (REC-FICHIER-NON-REGULIER) so the partner gets a compte-rendu naming it; never read.
   */
  private refused(
    sidecar: SpoolSidecar,
    named: { name: string; bytes: Buffer | null },
    kind: Exclude<EntryKind, 'file'>,
  ): NewFlow {
    this.opts.logger.warn(
      { partner: sidecar.partner, box: sidecar.box, file: named.name, kind, transport: sidecar.transport },
      `deposited entry is a ${ENTRY_KIND_LABELS[kind].en}, not a regular file: refused without being read`,
    );
    return {
      box: sidecar.box,
      partner: sidecar.partner,
      originalName: named.name,
      originalNameBytes: named.bytes,
      intakeRefusal: kind,
      size: 0,
      sha256: sha(Buffer.alloc(0)),
      bytes: null,
      signature: null,
      spoolKey: sidecar.key,
      transport: sidecar.transport,
      declaredInterface: sidecar.declaredInterface ?? null,
      declaredSigned: sidecar.declaredSigned ?? null,
      numberInterface:
        sidecar.box === 'depot'
          ? (sidecar.declaredInterface ?? this.opts.unknownInterfaceCode).slice(3, 7).replace(/\D/g, '0')
          : null,
    };
  }

  /** One transaction: the flows and, for those newly recorded, their jobs (a recorded flow always has its job). */
  private async commit(flows: NewFlow[]): Promise<FlowRecord[]> {
    const { store } = this.opts;
    return store.db.transaction(async (tx) => {
      const out: FlowRecord[] = [];
      const jobs: Array<{ data: { flowId: number } }> = [];
      const created = await insertFlows(tx, flows);
      for (const [i, f] of flows.entries()) {
        const flow = created[i];
        // Already recorded (an intake retried after a crash): its job exists too.
        if (flow) jobs.push({ data: { flowId: flow.id } });
        out.push(flow ?? ((await flowBySpoolKey(tx, f.spoolKey)) as FlowRecord));
      }
      if (jobs.length) {
        await store.boss.insert(QUEUES.flows, jobs, {
          db: bossDb(tx),
        });
      }
      return out;
    });
  }

  private async finish(entry: SpoolEntry, flow: FlowRecord, size: number): Promise<void> {
    const { sidecar } = entry;
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
    // The signature and the sidecar first: what is left after a crash here is found by its spooled file.
    await Promise.all([
      sidecar.hasSignature ? unlinkQuietly(path.join(this.spoolDir, `${sidecar.key}.p7s`)) : undefined,
      entry.sidecarFile ? unlinkQuietly(entry.sidecarFile) : undefined,
    ]);
    // unlink, not rm: rm() lstat()s first, a measurable cost per flow (a refused directory needs rm).
    await unlinkQuietly(entry.file).catch((e: NodeJS.ErrnoException) =>
      e.code === 'EISDIR' || e.code === 'EPERM' ? rm(entry.file, { recursive: true, force: true }) : Promise.reject(e),
    );
    this.opts.onFlow?.(flow);
  }

  /**
   * Finishes what a crash interrupted (see the header comment). `minAgeMs` leaves alone spool entries
   * younger than that, which another part of this process (or another node sharing dataDir) may be
   * taking right now: 0 at start, a minute for the periodic pass.
   */
  async recoverSpool(minAgeMs = 0): Promise<number> {
    let recovered = 0;
    let names: Buffer[];
    try {
      names = readdirSync(this.spoolDir, { encoding: 'buffer' });
    } catch (err) {
      this.opts.logger.error({ err, spool: this.spoolDir }, 'spool folder unreadable: nothing recovered');
      return 0;
    }
    for (const raw of names) {
      // A spooled file named with its metadata, or a sidecar (its file is `<key>`); the rest (`<key>`,
      // `<key>.p7s`) is found through them.
      const sep = raw.indexOf(SEP);
      const text = sep < 0 ? raw.toString('utf8') : '';
      if (sep < 0 && !text.endsWith('.json')) continue;
      const key = sep < 0 ? text.slice(0, -5) : raw.toString('latin1', 0, sep);
      if (this.inFlight.has(key) || this.held.has(key)) continue;
      // One entry that cannot be finished is logged and left for the next pass: it never stops the others
      // nor the daemon's start.
      try {
        const done =
          sep < 0 ? await this.recoverWithSidecar(key, minAgeMs) : await this.recoverNamed(raw, key, minAgeMs);
        if (done) recovered++;
      } catch (err) {
        this.opts.logger.error({ err, spoolKey: key }, 'spooled flow could not be recorded; left for the next pass');
      }
    }
    return recovered;
  }

  /** A spooled file whose name carries its metadata: recorded unless it is already. */
  private async recoverNamed(raw: Buffer, key: string, minAgeMs: number): Promise<boolean> {
    // The key starts with the spooling time (base 36).
    const spooledAt = parseInt(key.split('-')[0] ?? '', 36);
    if (Number.isFinite(spooledAt) && Date.now() - spooledAt < minAgeMs) return false;
    const file = Buffer.concat([Buffer.from(`${this.spoolDir}${path.sep}`), raw]);
    const sidecar = parseSpoolName(raw);
    if (!sidecar) {
      this.opts.logger.error({ spoolKey: key }, 'spooled file with an unreadable name: left in the spool');
      return false;
    }
    if (await flowBySpoolKey(this.opts.store.db, key)) {
      // Recorded already: a crash came before the spooled file was removed.
      await rm(path.join(this.spoolDir, `${key}.p7s`), { force: true });
      await rm(file, { force: true, recursive: true });
      return false;
    }
    if (sidecar.held) return this.holdAgain({ sidecar, file }, spooledAt);
    await this.record({ sidecar, file });
    return true;
  }

  /**
   * A held entry found by recovery: its pairing finished if it was under way (its `<key>.p7s` is there),
   * else held again for what is left of its wait. Counted as recovered once it is recorded, not here.
   */
  private async holdAgain(entry: SpoolEntry, spooledAt: number): Promise<boolean> {
    const { key } = entry.sidecar;
    const paired = await lstat(path.join(this.spoolDir, `${key}.p7s`)).then(
      () => true,
      () => false,
    );
    if (paired) {
      const released = await this.settle(entry, true);
      await this.record(released);
      return true;
    }
    this.hold(entry, Number.isFinite(spooledAt) ? spooledAt : 0);
    return false;
  }

  /** A spooled file `<key>` with a sidecar `<key>.json` (a name too long to carry it, or an earlier version). */
  private async recoverWithSidecar(key: string, minAgeMs: number): Promise<boolean> {
    const base = path.join(this.spoolDir, key);
    const age = await lstat(`${base}.json`).then(
      (s) => Date.now() - s.mtimeMs,
      () => -1,
    );
    if (age < minAgeMs) return false;
    let sidecar: SpoolSidecar | undefined;
    try {
      const side = await openRegular(`${base}.json`);
      if (side.ok) {
        try {
          sidecar = JSON.parse(await side.fh.readFile('utf8')) as SpoolSidecar;
        } finally {
          await side.fh.close();
        }
      }
    } catch {
      sidecar = undefined;
    }
    const exists = await lstat(base).then(
      () => true,
      () => false,
    );
    if (!sidecar || typeof sidecar.partner !== 'string' || typeof sidecar.originalName !== 'string') {
      // A sidecar cut short by a crash while it was written: the file was not renamed yet (it is still in the
      // mailbox) unless something is here under the key.
      if (!exists) await rm(`${base}.json`, { force: true });
      else this.opts.logger.error({ spoolKey: key }, 'spooled file with an unreadable sidecar: left in the spool');
      return false;
    }
    const recorded = await flowBySpoolKey(this.opts.store.db, key);
    if (recorded || !exists) {
      // Recorded already, or the crash came before the rename (the file is still in the mailbox).
      await Promise.all([
        rm(base, { force: true, recursive: true }),
        rm(`${base}.json`, { force: true }),
        rm(`${base}.p7s`, { force: true }),
      ]);
      return false;
    }
    const entry: SpoolEntry = { sidecar, file: base, sidecarFile: `${base}.json` };
    if (sidecar.held) return this.holdAgain(entry, parseInt(key.split('-')[0] ?? '', 36));
    await this.record(entry);
    return true;
  }
}

async function unlinkQuietly(file: string | Buffer): Promise<void> {
  await unlink(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/**
 * A recorded flow's bytes go to its run (a large one's, kept in memory for the run about to start: see
 * handOverContent) or are freed at once: left to the main thread's next full collection, a 30 Mo buffer was
 * still there beside the run's copy through the first stages.
 */
function releaseBytes(flow: NewFlow): void {
  handOverContent(flow.sha256, flow.bytes);
  releaseBuffer(flow.signature?.bytes);
}

/** Bytes read and hashed per step: the main thread hashes one slice, then serves others while the next is read. */
const READ_SLICE_BYTES = 1024 * 1024;

/**
 * The file's bytes in one buffer of its size and their SHA-256, computed slice by slice as they are read
 * (hashing 30 Mo at once held the main thread for ~100 ms; a whole-file read then hash kept it busy too).
 */
async function readAndHash(fh: FileHandle, size: number): Promise<{ bytes: Buffer; sha256: string }> {
  const h = createHash('sha256');
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  while (at < size) {
    const { bytesRead } = await fh.read(out, at, Math.min(READ_SLICE_BYTES, size - at), at);
    if (bytesRead === 0) break; // shorter than its size said: what is there is the flow
    h.update(out.subarray(at, at + bytesRead));
    at += bytesRead;
  }
  return { bytes: at === size ? out : out.subarray(0, at), sha256: h.digest('hex') };
}

async function shaOfHandle(fh: FileHandle): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of fh.createReadStream({ start: 0, autoClose: false })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Closes the descriptor spool kept on an entry's file, if any. */
async function closeOpened(entry: SpoolEntry): Promise<void> {
  const fh = entry.opened?.fh;
  entry.opened = undefined;
  await fh?.close().catch(() => undefined);
}

/** fsync of a spooled file, only if it is a regular one (a refused entry is never opened). */
async function syncRegular(file: string | Buffer): Promise<void> {
  const r = await openRegular(file).catch(() => undefined);
  if (!r?.ok) return;
  try {
    await r.fh.sync();
  } finally {
    await r.fh.close();
  }
}
