/**
 * One defence for every door (SFTP, API twin, portal, admin API), modelled on SFTPGo's Defender: each
 * door asks it before checking a credential and tells it the result. Failed sign-ins are counted per
 * source address and per account, and too many in a window ban the address (every door) or lock the
 * account's password sign-in (every address) for a while.
 *
 * The state lives in the database (src/store/defender.ts) so every node sees the same counts and bans;
 * an attempt is counted *before* its password is checked, in one atomic statement, so parallel attempts
 * cannot overshoot the limit. A small in-memory cache answers "is this address banned?" for the
 * connection screens without a query each time.
 */
import { Counter, Registry } from 'prom-client';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Queryable } from '../store/db.ts';
import type { DefenderKind, Reservation } from '../store/defender.ts';
import {
  banKey,
  bannedUntil,
  forgetFailures,
  liftBan,
  listBans,
  releaseAttempt,
  reserveAttempt,
  sweepRecords,
} from '../store/defender.ts';

type Door = 'sftp' | 'api' | 'portal' | 'admin';

/** A peer address as the defender keys it (IPv4-mapped IPv6 shown as IPv4). */
export function normaliseAddress(a: string | undefined): string {
  if (!a) return 'unknown';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}
export type DefenderSettings = Config['defender'];

/** Where the counts and bans are kept: the database (every node) or memory (one SFTP server in tests). */
export interface DefenderStore {
  reserve(kind: DefenderKind, key: string, windowSeconds: number): Promise<Reservation>;
  release(kind: DefenderKind, key: string): Promise<void>;
  ban(kind: DefenderKind, key: string, seconds: number): Promise<Date>;
  forget(kind: DefenderKind, key: string): Promise<void>;
  bannedUntil(kind: DefenderKind, key: string): Promise<Date | null>;
  sweep(windowSeconds: number): Promise<number>;
  lift(kind: DefenderKind, key: string): Promise<boolean>;
  list(): Promise<Ban[]>;
}

export interface Ban {
  kind: DefenderKind;
  key: string;
  bannedUntil: Date;
}

export function sqlDefenderStore(db: Queryable): DefenderStore {
  return {
    reserve: (kind, key, w) => reserveAttempt(db, kind, key, w),
    release: (kind, key) => releaseAttempt(db, kind, key),
    ban: (kind, key, s) => banKey(db, kind, key, s),
    forget: (kind, key) => forgetFailures(db, kind, key),
    bannedUntil: (kind, key) => bannedUntil(db, kind, key),
    sweep: (w) => sweepRecords(db, w),
    lift: (kind, key) => liftBan(db, kind, key),
    list: () => listBans(db),
  };
}

/** The same rules in memory, for a lone SFTP server (tests, bench); the daemon uses the database. */
export class MemoryDefenderStore implements DefenderStore {
  readonly #rows = new Map<string, { failures: number; windowStart: number; bannedUntil: number | null }>();
  readonly #now: () => number;
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }
  async reserve(kind: DefenderKind, key: string, windowSeconds: number): Promise<Reservation> {
    const now = this.#now();
    const id = `${kind}:${key}`;
    let r = this.#rows.get(id);
    if (!r) {
      if (this.#rows.size >= 100_000) this.#rows.delete(this.#rows.keys().next().value!);
      r = { failures: 0, windowStart: now, bannedUntil: null };
      this.#rows.set(id, r);
    }
    if (r.bannedUntil !== null && r.bannedUntil > now)
      return { count: r.failures, bannedUntil: new Date(r.bannedUntil) };
    if (r.bannedUntil !== null || r.windowStart <= now - windowSeconds * 1000) {
      r.failures = 0;
      r.windowStart = now;
      r.bannedUntil = null;
    }
    r.failures++;
    return { count: r.failures, bannedUntil: null };
  }
  async release(kind: DefenderKind, key: string): Promise<void> {
    const r = this.#rows.get(`${kind}:${key}`);
    if (r && (r.bannedUntil === null || r.bannedUntil <= this.#now())) r.failures = Math.max(0, r.failures - 1);
  }
  async ban(kind: DefenderKind, key: string, seconds: number): Promise<Date> {
    const r = this.#rows.get(`${kind}:${key}`);
    const until = Math.max(r?.bannedUntil ?? 0, this.#now() + seconds * 1000);
    if (r) r.bannedUntil = until;
    return new Date(until);
  }
  async forget(kind: DefenderKind, key: string): Promise<void> {
    const r = this.#rows.get(`${kind}:${key}`);
    if (r && (r.bannedUntil === null || r.bannedUntil <= this.#now())) {
      r.failures = 0;
      r.windowStart = this.#now();
    }
  }
  async bannedUntil(kind: DefenderKind, key: string): Promise<Date | null> {
    const b = this.#rows.get(`${kind}:${key}`)?.bannedUntil;
    return b && b > this.#now() ? new Date(b) : null;
  }
  async lift(kind: DefenderKind, key: string): Promise<boolean> {
    const b = await this.bannedUntil(kind, key);
    this.#rows.delete(`${kind}:${key}`);
    return b !== null;
  }
  async list(): Promise<Ban[]> {
    const now = this.#now();
    return [...this.#rows]
      .filter(([, r]) => (r.bannedUntil ?? 0) > now)
      .map(([id, r]) => {
        const [kind, ...key] = id.split(':');
        return { kind: kind as DefenderKind, key: key.join(':'), bannedUntil: new Date(r.bannedUntil!) };
      });
  }
  async sweep(windowSeconds: number): Promise<number> {
    const now = this.#now();
    let n = 0;
    for (const [id, r] of this.#rows)
      if ((r.bannedUntil ?? 0) <= now && r.windowStart <= now - windowSeconds * 1000) {
        this.#rows.delete(id);
        n++;
      }
    return n;
  }
}

/** An attempt the defender let through: hand it back with the result. */
export interface Ticket {
  door: Door;
  address: string;
  account: string | undefined;
  addressCount: number;
  accountCount: number;
}

type Verdict =
  { ok: true; ticket: Ticket } | { ok: false; reason: 'address-banned' | 'account-locked'; retryAfter: number };

const MAX_CACHED = 10_000;
/** How long an attempt over the limit waits for the attempts in flight to be decided, and how often it looks. */
const WAIT_MS = 10_000;
const POLL_MS = 100;

/** Account keys are partner codes (or portal logins): bounded, so a spray of long names costs nothing. */
function accountKey(account: string | undefined): string | undefined {
  return account && /^[A-Za-z0-9._@-]{1,64}$/.test(account) ? account : undefined;
}

export class Defender {
  readonly #store: DefenderStore;
  readonly #s: DefenderSettings;
  readonly #log: Logger | undefined;
  readonly #now: () => number;
  /** address → end of its ban (0: none) and when the database last said so. */
  readonly #cache = new Map<string, { until: number; checkedAt: number }>();
  readonly #listeners: Array<(address: string, until: Date) => void> = [];
  readonly #checks: Counter<'door' | 'result'>;
  readonly #bans: Counter<'door' | 'kind'>;

  constructor(
    store: DefenderStore,
    settings: DefenderSettings,
    opts: { logger?: Logger; registry?: Registry; now?: () => number } = {},
  ) {
    this.#store = store;
    this.#s = settings;
    this.#log = opts.logger?.child({ component: 'defender' });
    this.#now = opts.now ?? Date.now;
    const registry = opts.registry ?? new Registry();
    this.#checks =
      (registry.getSingleMetric('passerelle_auth_checks_total') as Counter<'door' | 'result'> | undefined) ??
      new Counter({
        name: 'passerelle_auth_checks_total',
        help: 'Credentials checked by door (sftp, api, portal, admin) and result (ok, failed, refused: not checked, banned or locked)',
        labelNames: ['door', 'result'] as const,
        registers: [registry],
      });
    this.#bans =
      (registry.getSingleMetric('passerelle_defender_bans_total') as Counter<'door' | 'kind'> | undefined) ??
      new Counter({
        name: 'passerelle_defender_bans_total',
        help: 'Bans decided, by the door of the last failure and kind (address, account)',
        labelNames: ['door', 'kind'] as const,
        registers: [registry],
      });
  }

  get settings(): DefenderSettings {
    return this.#s;
  }

  /** Called when an address gets banned on this node (the SFTP server closes its connections not logged in). */
  onBan(listener: (address: string, until: Date) => void): void {
    this.#listeners.push(listener);
  }

  #remember(address: string, until: number): void {
    if (!this.#cache.has(address) && this.#cache.size >= MAX_CACHED)
      this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(address, { until, checkedAt: this.#now() });
  }

  /**
   * Seconds of ban left for this address from the cache alone (0: none known, or the cache is older than
   * `cacheMs`: a ban lifted on another node is seen within that time); for synchronous screens.
   */
  cachedBan(address: string): number {
    const c = this.#cache.get(address);
    const now = this.#now();
    if (!c || now - c.checkedAt > this.#s.cacheMs) return 0;
    const left = c.until - now;
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  /** Seconds of ban left for this address (0: may try); asks the database when the cache is stale. */
  async bannedFor(address: string): Promise<number> {
    const c = this.#cache.get(address);
    const now = this.#now();
    if (c && now - c.checkedAt <= this.#s.cacheMs) return this.cachedBan(address);
    const until = await this.#store.bannedUntil('address', address);
    this.#remember(address, until?.getTime() ?? 0);
    return this.cachedBan(address);
  }

  /**
   * Asks before checking a credential: counts the attempt (atomically, on every node) and says whether
   * it may be checked. `account` is the login tried (password sign-ins only: a key cannot be guessed,
   * and a partner using keys must not be locked out by someone guessing its password).
   */
  async begin(door: Door, address: string, account?: string): Promise<Verdict> {
    const key = accountKey(account);
    const deadline = this.#now() + WAIT_MS;
    for (;;) {
      const cached = this.cachedBan(address);
      if (cached > 0) return this.#refused(door, 'address-banned', cached);
      const a = await this.#store.reserve('address', address, this.#s.banWindowSeconds);
      if (a.bannedUntil) {
        this.#remember(address, a.bannedUntil.getTime());
        return this.#refused(door, 'address-banned', this.#secondsTo(a.bannedUntil));
      }
      let over = a.count > this.#s.banAfterFailures;
      let accountCount = 0;
      if (key && !over) {
        const b = await this.#store.reserve('account', key, this.#s.banWindowSeconds);
        if (b.bannedUntil) return this.#refused(door, 'account-locked', this.#secondsTo(b.bannedUntil));
        over = b.count > this.#s.accountBanAfterFailures;
        if (over) await this.#store.release('account', key);
        accountCount = b.count;
      }
      if (!over) return { ok: true, ticket: { door, address, account: key, addressCount: a.count, accountCount } };
      // Over the limit while the last allowed attempts are still being checked: not checked now. Wait
      // until they are decided: all failed → banned, refused; one succeeded → the count fell, go on.
      await this.#store.release('address', address);
      if (this.#now() >= deadline) return this.#refused(door, 'address-banned', this.#s.banSeconds);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  #secondsTo(until: Date): number {
    return Math.ceil((until.getTime() - this.#now()) / 1000);
  }

  #refused(door: Door, reason: 'address-banned' | 'account-locked', retryAfter: number): Verdict {
    this.#checks.inc({ door, result: 'refused' });
    return { ok: false, reason, retryAfter: Math.max(1, retryAfter) };
  }

  /** The credential was wrong; returns true when this failure got the address banned. */
  async fail(t: Ticket): Promise<boolean> {
    this.#checks.inc({ door: t.door, result: 'failed' });
    let banned = false;
    if (t.addressCount >= this.#s.banAfterFailures) {
      const until = await this.#store.ban('address', t.address, this.#s.banSeconds);
      this.#remember(t.address, until.getTime());
      this.#bans.inc({ door: t.door, kind: 'address' });
      this.#log?.warn(
        { door: t.door, address: t.address, seconds: this.#s.banSeconds, code: 'AUTH-BANNED' },
        'address banned after repeated failed sign-ins',
      );
      for (const l of this.#listeners) l(t.address, until);
      banned = true;
    }
    if (t.account && t.accountCount >= this.#s.accountBanAfterFailures) {
      await this.#store.ban('account', t.account, this.#s.banSeconds);
      this.#bans.inc({ door: t.door, kind: 'account' });
      this.#log?.warn(
        { door: t.door, account: t.account, seconds: this.#s.banSeconds, code: 'AUTH-ACCOUNT-LOCKED' },
        'password sign-in of an account locked after repeated failures',
      );
    }
    return banned;
  }

  /** The credential was right: the address (and account) failures are forgotten. */
  async succeed(t: Ticket): Promise<void> {
    this.#checks.inc({ door: t.door, result: 'ok' });
    await this.#store.forget('address', t.address);
    if (t.account) await this.#store.forget('account', t.account);
  }

  /** Bans running now, every door and node. */
  bans(): Promise<Ban[]> {
    return this.#store.list();
  }

  /** Lifts a ban or an account lock at once (ops: a partner banned by mistake); true when one was running. */
  async lift(kind: DefenderKind, key: string): Promise<boolean> {
    if (kind === 'address') this.#cache.delete(key);
    const lifted = await this.#store.lift(kind, key);
    this.#log?.info({ kind, key, lifted }, 'ban lifted');
    return lifted;
  }

  /** Drops stale records (database and cache); called periodically by the daemon. */
  async sweep(): Promise<void> {
    const now = this.#now();
    for (const [addr, c] of this.#cache)
      if (c.until <= now && now - c.checkedAt > this.#s.cacheMs) this.#cache.delete(addr);
    await this.#store.sweep(Math.max(this.#s.banWindowSeconds, 60));
  }
}
