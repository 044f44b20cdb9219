/**
 * Delivery marks are grouped: the comptes-rendus delivered together, or while a mark statement runs, are
 * marked by one statement, at most one every 10 ms; a lone one goes at once. Their files are written in
 * groups too (one descriptor on retour/, one folder fsync a group), each with its own content, and a name
 * given twice keeps the later content. Real PGlite, real files.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deliverOne, deliverPending } from '../src/pipeline/delivery.ts';
import { openPglite } from '../src/store/connect.ts';
import type { Db, NamedSql } from '../src/store/db.ts';
import { insertReturnFlow, pendingReturnFlows } from '../src/store/flows.ts';
import { ensureMailbox } from '../src/store/mailboxes.ts';
import { migrate } from '../src/store/migrate.ts';
import { upsertPartner } from '../src/store/partners.ts';
import { silentLogger } from '../src/log.ts';

let real: Db;
let dataDir: string;
/** The mark statements sent, with the number of flows each marked, and when. */
const marks: number[] = [];
const sentAt: number[] = [];

/** The real database, the mark statements counted on their way. */
const counted = (): Db => ({
  ...real,
  kind: real.kind,
  async query<T>(sql: string | NamedSql, params?: unknown[]) {
    if (typeof sql !== 'string' && sql.name.includes('mark_many_delivered')) {
      marks.push((params![0] as number[]).length);
      sentAt.push(performance.now());
    }
    return real.query<T>(sql, params);
  },
  transaction: (fn) => real.transaction(fn),
  exec: (sql) => real.exec(sql),
  ping: () => real.ping(),
  close: () => real.close(),
});

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'passerelle-marks-'));
  real = await openPglite(undefined);
  await migrate(real);
  await upsertPartner(real, { code: 'MARK1', name: 'Marks', returnSyntax: 'CPPStatut' });
  ensureMailbox(dataDir, 'MARK1');
}, 60000);

afterAll(async () => {
  await real?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function returnFlows(prefix: string, count: number) {
  for (let i = 0; i < count; i++)
    await insertReturnFlow(real, {
      flowId: null,
      partner: 'MARK1',
      kind: 'cycle-de-vie',
      fileName: `${prefix}-${i}.xml`,
      content: `<statut n="${i}"/>`,
    });
  return (await pendingReturnFlows(real)).filter((r) => r.fileName.startsWith(prefix));
}

it('forty deliveries at once: all written and marked, by a few statements', async () => {
  const db = counted();
  const pending = await returnFlows('together', 40);
  expect(pending).toHaveLength(40);
  marks.length = 0;
  await Promise.all(pending.map((r) => deliverOne(dataDir, db, r, silentLogger)));
  expect(await pendingReturnFlows(real)).toEqual([]);
  const written = readdirSync(path.join(dataDir, 'mailboxes', 'MARK1', 'retour')).filter((f) =>
    f.startsWith('together'),
  );
  expect(written).toHaveLength(40);
  expect(marks.reduce((a, b) => a + b, 0)).toBe(40);
  expect(marks.length).toBeLessThan(10);
});

it('one after the other: each marked alone, the second no sooner than 10 ms after the first', async () => {
  const db = counted();
  const [first, second] = await returnFlows('alone', 2);
  marks.length = 0;
  sentAt.length = 0;
  await deliverOne(dataDir, db, first!, silentLogger);
  await deliverOne(dataDir, db, second!, silentLogger);
  expect(marks).toEqual([1, 1]);
  // 10 ms by the timers' clock (libuv's loop time, up to ~1 ms behind performance.now()); ~3 ms without the interval.
  expect(sentAt[1]! - sentAt[0]!).toBeGreaterThanOrEqual(8.5);
  expect(await pendingReturnFlows(real)).toEqual([]);
});

it('a recovery pass writes many files at once, each its own content; a name given twice keeps the later one', async () => {
  const pending = await returnFlows('recovered', 30);
  for (const content of ['<analyse>first</analyse>', '<analyse>second</analyse>'])
    await insertReturnFlow(real, { flowId: null, partner: 'MARK1', kind: 'analyse', fileName: 'same.xml', content });
  expect(await deliverPending(dataDir, counted(), silentLogger)).toBe(32);
  expect(await pendingReturnFlows(real)).toEqual([]);
  const retour = path.join(dataDir, 'mailboxes', 'MARK1', 'retour');
  for (const r of pending) expect(readFileSync(path.join(retour, r.fileName), 'utf8')).toBe(r.content);
  expect(readFileSync(path.join(retour, 'same.xml'), 'utf8')).toBe('<analyse>second</analyse>');
  expect(readdirSync(retour).filter((f) => f.startsWith('.passerelle-'))).toEqual([]); // no temporary file left
});
