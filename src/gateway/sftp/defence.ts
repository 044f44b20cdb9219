/**
 * Connection caps per source address and in all, per node (slots are a node's own resource). Failed
 * logins and bans are the shared Defender's (src/gateway/defender.ts), stored in the database.
 */
interface DefenceSettings {
  maxConnections: number;
  maxConnectionsPerAddress: number;
}

export class Defence {
  readonly #s: DefenceSettings;
  readonly #open = new Map<string, number>();
  #total = 0;

  constructor(settings: DefenceSettings) {
    this.#s = settings;
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
}
