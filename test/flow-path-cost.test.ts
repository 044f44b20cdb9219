/**
 * The flow path's cheaper statements (issue 13), on PGlite and on PostgreSQL. The start of a run
 * (startFlowRun): the flows of one fetched batch start in one statement, each gets its own record, bytes
 * (whole or in slices), partner and duplicate check, is marked in progress with one history line, and a
 * flow started again (a retried job) is read without a second line. Delivery marks touch only what is not
 * yet delivered. A database of migration 0010 is upgraded
 * (0011: the flow rows' foreign keys dropped; 0013: history and stage outcomes carried into their one-row shape).
 */
import { afterAll, beforeAll, describe, expect, it as jestIt } from '@jest/globals';
import { createHash } from 'node:crypto';
import { openPglite, openPostgres } from '../src/store/connect.ts';
import type { Db, NamedSql } from '../src/store/db.ts';
import {
  CONTENT_SLICE_BYTES,
  GROUPED_FLOW_STATEMENTS,
  concludeFlowSoon,
  getFlow,
  getStages,
  getHistory,
  insertFlow,
  insertReturnFlow,
  markManyDelivered,
  pendingReturnFlows,
  returnFlowsOf,
  startFlowRun,
} from '../src/store/flows.ts';
import { migrate } from '../src/store/migrate.ts';
import type { DbKind } from './helpers/env.ts';
import { PG_URL, dropSchema, postgresRequired, uniqueSchema } from './helpers/env.ts';

const postgres = await postgresRequired();

/** The database, counting the statements sent outside transactions. */
function counting(db: Db): Db & { sent: string[] } {
  const sent: string[] = [];
  return Object.assign(Object.create(db) as Db, {
    sent,
    query<T>(sql: string | NamedSql, params?: unknown[]) {
      sent.push(typeof sql === 'string' ? sql : sql.name);
      return db.query<T>(sql, params);
    },
  });
}

describe.each<DbKind>(['pglite', 'postgres'])('flow path on %s', (kind) => {
  const it = kind === 'postgres' && !postgres ? jestIt.skip : jestIt;
  let db: Db | undefined;
  const schema = uniqueSchema();

  beforeAll(async () => {
    if (kind === 'postgres' && !postgres) return;
    db = kind === 'postgres' ? await openPostgres(PG_URL, schema) : await openPglite(undefined);
    await migrate(db);
    await db.query(`INSERT INTO partners (code, name) VALUES ('P1', 'One')`);
  }, 120000);

  afterAll(async () => {
    await db?.close();
    if (kind === 'postgres' && db) await dropSchema(schema);
  });

  const opened = (): Db => {
    if (!db) throw new Error(`the ${kind} database did not open`);
    return db;
  };

  async function recordFlow(name: string, bytes: Buffer) {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const flow = await opened().transaction((tx) =>
      insertFlow(tx, {
        box: 'depot',
        partner: 'P1',
        originalName: name,
        size: bytes.length,
        sha256,
        bytes,
        signature: null,
        spoolKey: `${kind}-${name}`,
        transport: 'test',
        declaredInterface: null,
        declaredSigned: null,
        numberInterface: '1100',
      }),
    );
    return flow!;
  }

  it('flows starting together: one statement, each its own record and bytes', async () => {
    const small = await Promise.all(['a.xml', 'b.xml', 'c.xml'].map((n) => recordFlow(n, Buffer.from(`<x>${n}</x>`))));
    // Same bytes again by the same partner: a duplicate of b.xml.
    const again = await recordFlow('b-again.xml', Buffer.from('<x>b.xml</x>'));
    const large = await recordFlow('large.xml', Buffer.alloc(CONTENT_SLICE_BYTES + 10, 0x41));
    const ids = [...small, again, large].map((f) => f.id);
    const db = counting(opened());
    const runs = await Promise.all([...ids, 999999].map((id) => startFlowRun(db, id)));
    // One statement for all the starts, then the large flow's two slices.
    expect(db.sent.filter((s) => !s.includes('substring'))).toHaveLength(1);
    expect(db.sent).toHaveLength(3);
    expect(runs[5]).toBeUndefined();
    for (const [i, id] of ids.entries()) {
      const run = runs[i]!;
      expect(run.flow.id).toBe(id);
      expect(run.flow.state).toBe('IN_RECU');
      expect(run.partnerRow.code).toBe('P1');
      expect((await getFlow(opened(), id))?.state).toBe('IN_EN_COURS_TRAITEMENT_CPP');
      expect((await getHistory(opened(), id)).map((h) => h.state)).toEqual(['IN_RECU', 'IN_EN_COURS_TRAITEMENT_CPP']);
    }
    expect(runs.slice(0, 3).map((r) => r!.bytes!.toString())).toEqual(['<x>a.xml</x>', '<x>b.xml</x>', '<x>c.xml</x>']);
    expect(runs[3]!.earlierDeposit).toBe(small[1]!.flowNumber);
    expect(runs[0]!.earlierDeposit).toBeNull();
    expect(runs[4]!.bytes!.equals(Buffer.alloc(CONTENT_SLICE_BYTES + 10, 0x41))).toBe(true);

    // A retried job starts the flow again: read as it is, no second history line.
    const retried = await startFlowRun(opened(), ids[0]!);
    expect(retried?.flow.state).toBe('IN_EN_COURS_TRAITEMENT_CPP');
    expect(await getHistory(opened(), ids[0]!)).toHaveLength(2);
  }, 60000);

  it('flows finishing together: concluded by one statement, each its own outcome and compte-rendu', async () => {
    const flows = await Promise.all(
      ['k1.xml', 'k2.xml', 'k3.xml', 'k4.xml'].map((n) => recordFlow(n, Buffer.from(`<x>${n}</x>`))),
    );
    const db = counting(opened());
    const at = new Date();
    const ids = await Promise.all(
      flows.map((flow, i) =>
        concludeFlowSoon(db, flow, {
          state: i === 3 ? 'IN_REJETE' : 'IN_INTEGRE',
          statusCode: i === 3 ? '96' : '90',
          syntax: 'UBL',
          stages: [
            { stage: 'RECEPTION', outcome: 'ok', findings: [], startedAt: at, durationMs: 1 },
            { stage: 'DETECTION', outcome: i === 3 ? 'rejected' : 'ok', findings: [], startedAt: at, durationMs: 2 },
          ],
          note: `note ${i}`,
          returnFlow: { kind: 'compte-rendu', fileName: `CR_${flow.originalName}`, content: `<cr>${i}</cr>` },
        }),
      ),
    );
    // The first alone (nothing under way), the three that arrived meanwhile in one statement.
    expect(db.sent).toEqual(['passerelle_conclude_flow', 'passerelle_conclude_flows']);
    for (const [i, flow] of flows.entries()) {
      const now = (await getFlow(opened(), flow.id))!;
      expect([now.state, now.statusCode, now.syntax]).toEqual([
        i === 3 ? 'IN_REJETE' : 'IN_INTEGRE',
        i === 3 ? '96' : '90',
        'UBL',
      ]);
      expect(now.finishedAt).not.toBeNull();
      expect((await getStages(opened(), flow.id)).map((s) => [s.stage, s.outcome])).toEqual([
        ['RECEPTION', 'ok'],
        ['DETECTION', i === 3 ? 'rejected' : 'ok'],
      ]);
      expect((await getHistory(opened(), flow.id)).at(-1)).toMatchObject({ state: now.state, note: `note ${i}` });
      const returns = await returnFlowsOf(opened(), flow.id);
      expect(returns.map((r) => [r.id, r.fileName, r.content])).toEqual([
        [ids[i], `CR_${flow.originalName}`, `<cr>${i}</cr>`],
      ]);
    }
  });

  it("a database of 0010 upgraded: the flow rows' foreign keys dropped, history and stage outcomes carried over in order", async () => {
    // A database of its own, as 0010 left it, with a flow that ran twice (its second run stopped earlier).
    const old = kind === 'postgres' ? await openPostgres(PG_URL, `${schema}_upgrade`) : await openPglite(undefined);
    try {
      await migrate(old, { through: '0010' });
      const flowId = (
        await old.query<{ id: number }>(`
          WITH p AS (INSERT INTO partners (code, name) VALUES ('P1', 'One')), flow AS (
            INSERT INTO flows (box, partner, original_name, size, sha256, stored, spool_key, transport, state)
            VALUES ('depot', 'P1', 'old.xml', 1, 'x', false, 'old', 'test', 'IN_REJETE') RETURNING id
          ), h AS (
            INSERT INTO flow_history (flow_id, state, at, note) SELECT id, s, t, n FROM flow,
              (VALUES ('IN_RECU', timestamptz '2026-01-02 10:00:00+00', NULL), ('IN_EN_COURS_TRAITEMENT_CPP', '2026-01-02 10:00:01+00', NULL),
                      ('IN_REJETE', '2026-01-02 10:00:02+00', 'rejected: DETECTION')) AS v(s, t, n)
          ), st AS (
            INSERT INTO flow_stages (flow_id, seq, stage, outcome, findings, started_at, duration_ms)
            SELECT id, seq, stage, outcome, findings::jsonb, timestamptz '2026-01-02 10:00:01.5+00', seq * 1.5 FROM flow,
              (VALUES (2, 'DETECTION', 'rejected', '[{"code": "FMT-01"}]'), (1, 'RECEPTION', 'ok', '[]')) AS v(seq, stage, outcome, findings)
          ), r AS (
            INSERT INTO return_flows (flow_id, partner, kind, file_name, content) SELECT id, 'P1', 'compte-rendu', 'CR_old.xml', '<r/>' FROM flow
          )
          SELECT id FROM flow`)
      ).rows[0]!.id;
      const keys = async () =>
        (
          await old.query<{ name: string }>(
            `SELECT conname AS name FROM pg_constraint WHERE contype = 'f' AND conrelid = 'return_flows'::regclass`,
          )
        ).rows.map((r) => r.name);
      expect(await keys()).toHaveLength(1);
      expect(await migrate(old)).toEqual([
        '0011_flow_rows_without_foreign_keys.sql',
        '0012_flow_content_files.sql',
        '0013_fewer_rows_a_flow.sql',
      ]);
      expect(await keys()).toEqual([]);
      expect(await getHistory(old, flowId)).toEqual([
        { state: 'IN_RECU', at: new Date('2026-01-02T10:00:00Z'), note: null },
        { state: 'IN_EN_COURS_TRAITEMENT_CPP', at: new Date('2026-01-02T10:00:01Z'), note: null },
        { state: 'IN_REJETE', at: new Date('2026-01-02T10:00:02Z'), note: 'rejected: DETECTION' },
      ]);
      const at = new Date('2026-01-02T10:00:01.5Z');
      expect(await getStages(old, flowId)).toEqual([
        { stage: 'RECEPTION', outcome: 'ok', findings: [], startedAt: at, durationMs: 1.5 },
        { stage: 'DETECTION', outcome: 'rejected', findings: [{ code: 'FMT-01' }], startedAt: at, durationMs: 3 },
      ]);
      const tables = await old.query<{ name: string }>(
        `SELECT relname AS name FROM pg_class WHERE relname IN ('flow_history', 'flow_stages') AND relkind = 'r'
           AND relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())`,
      );
      expect(tables.rows).toEqual([]);
      // The partner's key stays.
      await expect(
        old.query(
          `INSERT INTO flows (box, partner, original_name, size, sha256, stored, spool_key, transport, state)
                  VALUES ('depot', 'NOPE', 'x', 1, 'x', false, 'nope', 'test', 'IN_RECU')`,
        ),
      ).rejects.toThrow(/foreign key/);
    } finally {
      await old.close();
      if (kind === 'postgres') await dropSchema(`${schema}_upgrade`);
    }
  }, 60000);

  it('delivery marks touch only return flows not yet delivered', async () => {
    const flow = await recordFlow('returned.xml', Buffer.from('<x>returned</x>'));
    for (const fileName of ['one.xml', 'two.xml'])
      await insertReturnFlow(opened(), {
        flowId: flow.id,
        partner: 'P1',
        kind: 'cycle-de-vie',
        fileName,
        content: '<r/>',
      });
    const [one, two] = await pendingReturnFlows(opened(), flow.id);
    await markManyDelivered(opened(), [one!.id]);
    const first = (
      await opened().query<{ at: Date }>('SELECT delivered_at AS at FROM return_flows WHERE id = $1', [one!.id])
    ).rows[0]!.at;
    await markManyDelivered(opened(), [one!.id, two!.id]);
    expect(await pendingReturnFlows(opened(), flow.id)).toEqual([]);
    const again = (
      await opened().query<{ at: Date }>('SELECT delivered_at AS at FROM return_flows WHERE id = $1', [one!.id])
    ).rows[0]!.at;
    expect(new Date(again).getTime()).toBe(new Date(first).getTime());
  });

  (kind === 'postgres' ? it : jestIt.skip)(
    'the grouped statements read the flow tables through their indexes (generic plans, tables of thousands of rows)',
    async () => {
      const db = opened();
      // Thousands of flows, stage outcomes, bytes and comptes-rendus, so that a sequential scan is a choice, not the only sensible plan.
      await db.exec(`
        INSERT INTO flow_content (sha256, bytes) SELECT 'bulk' || i, 'x'::bytea FROM generate_series(1, 5000) i;
        INSERT INTO flows (box, partner, original_name, size, sha256, stored, spool_key, transport, state)
          SELECT 'depot', 'P1', 'bulk' || i, 1, 'bulk' || i, true, 'bulk-${kind}-' || i, 'test', 'IN_INTEGRE' FROM generate_series(1, 5000) i;
        INSERT INTO flow_stage_outcomes (flow_id, stages)
          SELECT f.id, '[{"stage": "RECEPTION", "outcome": "ok"}]' FROM flows f WHERE f.original_name LIKE 'bulk%';
        INSERT INTO return_flows (flow_id, partner, kind, file_name, content, delivered_at)
          SELECT id, 'P1', 'compte-rendu', 'CR_' || original_name, '<r/>', now() FROM flows WHERE original_name LIKE 'bulk%';
        ANALYZE flows; ANALYZE flow_content; ANALYZE flow_stage_outcomes; ANALYZE return_flows;`);
      const args: Record<keyof typeof GROUPED_FLOW_STATEMENTS, string> = {
        startFlowRuns: `'{1,2,3}', 1048576`,
        concludeFlows: `'[{"id": 1, "state": "IN_INTEGRE", "stages": []}]', '{1}'`,
        markManyDelivered: `'{1,2,3}'`,
      };
      for (const [name, { sql, types }] of Object.entries(GROUPED_FLOW_STATEMENTS)) {
        const plan = await db.transaction(async (tx) => {
          await tx.query(`PREPARE grouped_check(${types.join(', ')}) AS ${sql.text}`);
          await tx.query('SET LOCAL plan_cache_mode = force_generic_plan');
          const r = await tx.query<{ 'QUERY PLAN': string }>(
            `EXPLAIN EXECUTE grouped_check(${args[name as keyof typeof args]})`,
          );
          await tx.query('DEALLOCATE grouped_check');
          return r.rows.map((x) => x['QUERY PLAN']).join('\n');
        });
        expect({
          name,
          wholeTableScans: plan.match(/Seq Scan on (flows|flow_content|flow_stage_outcomes|return_flows)\b/g),
        }).toEqual({
          name,
          wholeTableScans: null,
        });
      }
    },
    60000,
  );
});
