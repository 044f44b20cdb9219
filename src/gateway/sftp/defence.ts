/**
 * Connection caps and temporary bans, per source address. In memory: a ban only has to outlive a
 * brute-force burst, and a restart clearing it is acceptable (OpenSSH's PerSourcePenalties does the same).
 */
export interface DefenceSettings {
  maxConnections: number;
  maxConnectionsPerAddress: number;
  banAfterFailures: number;
  banWindowSeconds: number;
  banSeconds: number;
}

interface AddressRecord {
  failures: number[];
  bannedUntil: number;
}

/** Beyond this many tracked addresses the oldest records are dropped, so a spray of addresses cannot grow memory. */
const MAX_TRACKED = 100_000;

export class Defence {
  readonly #s: DefenceSettings;
  readonly #now: () => number;
  readonly #open = new Map<string, number>();
  readonly #records = new Map<string, AddressRecord>();
  #total = 0;

  constructor(settings: DefenceSettings, now: () => number = Date.now) {
    this.#s = settings;
    this.#now = now;
  }

  /** Remaining ban in seconds, 0 when the address may connect. */
  bannedFor(address: string): number {
    const rec = this.#records.get(address);
    if (!rec) return 0;
    const left = rec.bannedUntil - this.#now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  /** Reserves a connection slot; returns why not when a cap is reached. */
  admit(address: string): 'ok' | 'total' | 'per-address' {
    if (this.#total >= this.#s.maxConnections) return 'total';
    const n = this.#open.get(address) ?? 0;
    if (n >= this.#s.maxConnectionsPerAddress) return 'per-address';
    this.#total++;
    this.#open.set(address, n + 1);
    return 'ok';
  }

  release(address: string): void {
    const n = this.#open.get(address) ?? 0;
    if (n <= 1) this.#open.delete(address);
    else this.#open.set(address, n - 1);
    this.#total = Math.max(0, this.#total - 1);
  }

  /** Records a refused credential; returns true when it gets the address banned. */
  fail(address: string): boolean {
    const now = this.#now();
    let rec = this.#records.get(address);
    if (!rec) {
      if (this.#records.size >= MAX_TRACKED) this.#records.delete(this.#records.keys().next().value!);
      rec = { failures: [], bannedUntil: 0 };
      this.#records.set(address, rec);
    }
    const since = now - this.#s.banWindowSeconds * 1000;
    rec.failures = rec.failures.filter((t) => t > since);
    rec.failures.push(now);
    if (rec.failures.length >= this.#s.banAfterFailures) {
      rec.bannedUntil = now + this.#s.banSeconds * 1000;
      rec.failures = [];
      return true;
    }
    return false;
  }

  /** A successful login forgets the address's failures (a partner with several keys offered is not a brute force). */
  succeed(address: string): void {
    const rec = this.#records.get(address);
    if (rec && rec.bannedUntil <= this.#now()) this.#records.delete(address);
  }

  /** Drops expired records; called periodically. */
  sweep(): void {
    const now = this.#now();
    const since = now - this.#s.banWindowSeconds * 1000;
    for (const [addr, rec] of this.#records) {
      if (rec.bannedUntil <= now && !rec.failures.some((t) => t > since)) this.#records.delete(addr);
    }
  }
}
