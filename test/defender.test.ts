/**
 * The defender's rules, the same on its two stores: the database (PGlite, in memory; the SQL is the one
 * PostgreSQL runs in test/hostile-doors.test.ts) and memory (a lone SFTP server). Real time, short
 * windows and bans (seconds).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { Defender, MemoryDefenderStore, sqlDefenderStore } from '../src/gateway/defender.ts';
import type { DefenderSettings, DefenderStore, Ticket } from '../src/gateway/defender.ts';
import type { Db } from '../src/store/db.ts';
import { openDatabase } from '../src/store/index.ts';

const settings: DefenderSettings = {
  banAfterFailures: 3,
  accountBanAfterFailures: 5,
  banWindowSeconds: 60,
  banSeconds: 2,
  cacheMs: 0,
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dbs: Db[] = [];
afterAll(async () => {
  for (const db of dbs) await db.close();
});

const stores: Array<[string, () => Promise<DefenderStore>]> = [
  ['memory', async () => new MemoryDefenderStore()],
  [
    'database (PGlite)',
    // One database for the three cases (each uses its own addresses): opening PGlite is the slow part.
    async () => {
      if (!dbs.length) dbs.push(await openDatabase({}));
      return sqlDefenderStore(dbs[0]!);
    },
  ],
];

describe.each(stores)('defender on %s', (_name, make) => {
  async function failN(d: Defender, n: number, address: string, account?: string): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const v = await d.begin('api', address, account);
      if (!v.ok) out.push(v.reason);
      else out.push((await d.fail(v.ticket)) ? 'banned-now' : 'failed');
    }
    return out;
  }

  it('parallel attempts from one address get exactly the limit checked; the ban ends after banSeconds', async () => {
    const d = new Defender(await make(), settings);
    // Each attempt is checked (a failure) as soon as the defender lets it through.
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () =>
        d
          .begin('sftp', '10.0.0.1')
          .then(async (v) => (v.ok ? ((await d.fail(v.ticket)) ? 'banned-now' : 'failed') : v.reason)),
      ),
    );
    expect(outcomes.sort()).toEqual([...Array(5).fill('address-banned'), 'banned-now', 'failed', 'failed']);
    expect(await d.bannedFor('10.0.0.1')).toBeGreaterThan(0);
    expect(await d.bannedFor('10.0.0.2')).toBe(0);
    await sleep(2100);
    expect(await d.bannedFor('10.0.0.1')).toBe(0);
    // After the ban, a fresh window: the address may try again.
    expect(await failN(d, 3, '10.0.0.1')).toEqual(['failed', 'failed', 'banned-now']);
  }, 60000);

  it('parallel attempts that succeed are never refused: those over the limit wait for the ones in flight', async () => {
    const d = new Defender(await make(), settings);
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, () =>
        d.begin('api', '10.0.3.1', 'GOOD01').then(async (v) => {
          if (!v.ok) return v.reason;
          await sleep(20); // the password check
          await d.succeed(v.ticket);
          return 'ok';
        }),
      ),
    );
    expect(outcomes).toEqual(Array(12).fill('ok'));
  }, 20000);

  it('a success forgets the failures; an account guessed from several addresses is locked, others are not', async () => {
    const d = new Defender(await make(), settings);
    expect(await failN(d, 2, '10.0.1.1', 'ABC123')).toEqual(['failed', 'failed']);
    const ok = await d.begin('portal', '10.0.1.1', 'ABC123');
    expect(ok.ok).toBe(true);
    await d.succeed((ok as { ticket: Ticket }).ticket);
    expect(await failN(d, 2, '10.0.1.1', 'ABC123')).toEqual(['failed', 'failed']);
    // 2 more from two other addresses: the account reaches 5 and is locked, no address is banned.
    expect(await failN(d, 2, '10.0.1.2', 'ABC123')).toEqual(['failed', 'failed']);
    expect(await failN(d, 2, '10.0.1.3', 'ABC123')).toEqual(['failed', 'account-locked']);
    // Sequence above: the 5th account failure (first from .3) locked it; the 6th was refused unchecked.
    const fresh = await d.begin('api', '10.0.1.9', 'ABC123');
    expect(fresh).toMatchObject({ ok: false, reason: 'account-locked' });
    expect((await d.begin('api', '10.0.1.9', 'XYZ789')).ok).toBe(true);
    // Key logins (no account given) are not affected by the lock.
    expect((await d.begin('sftp', '10.0.1.8')).ok).toBe(true);
  }, 20000);

  it('lists the bans running and lifts one at once', async () => {
    const d = new Defender(await make(), settings);
    expect(await failN(d, 3, '10.0.4.1')).toEqual(['failed', 'failed', 'banned-now']);
    expect((await d.bans()).filter((b) => b.key.startsWith('10.0.4.')).map((b) => `${b.kind} ${b.key}`)).toEqual([
      'address 10.0.4.1',
    ]);
    expect(await d.lift('address', '10.0.4.1')).toBe(true);
    expect(await d.lift('address', '10.0.4.1')).toBe(false);
    expect(await d.bannedFor('10.0.4.1')).toBe(0);
    expect(await failN(d, 1, '10.0.4.1')).toEqual(['failed']);
  }, 20000);

  it('tells listeners about a ban, and keeps it in its cache for synchronous screens', async () => {
    const d = new Defender(await make(), { ...settings, cacheMs: 1000 });
    const heard: string[] = [];
    d.onBan((a) => heard.push(a));
    expect(await failN(d, 3, '10.0.2.1')).toEqual(['failed', 'failed', 'banned-now']);
    expect(heard).toEqual(['10.0.2.1']);
    expect(d.cachedBan('10.0.2.1')).toBeGreaterThan(0);
    expect(d.cachedBan('10.0.2.2')).toBe(0);
    await d.sweep();
    expect(await d.bannedFor('10.0.2.1')).toBeGreaterThan(0);
  }, 20000);
});
