/**
 * Large flow contents as files on PGlite (src/store/content-files.ts, issue 14 item 4): above
 * LARGE_DOCUMENT_BYTES a flow's bytes go to `<dataDir>/content/<2 hex>/<sha256>`, not into PGlite's memory.
 * Real PGlite in a data folder, real files: read back identical by every read path, deduplicated, removed by
 * the purge with their rows (and only then), and a missing or changed file is an error saying so; end to end,
 * a daemon answers such a flow IN_INCIDENTE, and keeps a large deposit as a file.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LARGE_DOCUMENT_BYTES } from '../src/buffers.ts';
import { Daemon } from '../src/gateway/daemon.ts';
import { silentLogger } from '../src/log.ts';
import { openPglite } from '../src/store/connect.ts';
import { contentDirFor } from '../src/store/content-files.ts';
import type { Db } from '../src/store/db.ts';
import { getContent, insertFlow, insertFlows, readContentSlices, startFlowRun } from '../src/store/flows.ts';
import type { NewFlow } from '../src/store/flows.ts';
import { QUEUES, bossDb, openStore, pgliteDirFor, pgliteOptionsFor } from '../src/store/index.ts';
import { mailboxPaths } from '../src/store/mailboxes.ts';
import { migrate } from '../src/store/migrate.ts';
import { upsertPartner } from '../src/store/partners.ts';
import { purge } from '../src/store/retention.ts';
import { readCppStatut } from './helpers/compte-rendu.ts';
import { largeValidUbl } from './helpers/hostile.ts';
import { cleanup, tempDir, testConfig, waitForFiles } from './helpers/env.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const LARGE = LARGE_DOCUMENT_BYTES + 123_457;

function newFlow(bytes: Buffer, spoolKey: string, partner = 'FILES1'): NewFlow {
  return {
    box: 'depot',
    partner,
    originalName: `${spoolKey}.xml`,
    size: bytes.length,
    sha256: sha(bytes),
    bytes,
    signature: null,
    spoolKey,
    transport: 'folder',
    declaredInterface: null,
    declaredSigned: null,
    numberInterface: '1100',
  };
}

describe('large contents as files on PGlite', () => {
  let dataDir: string;
  let contentDir: string;
  let db: Db;
  const fileOf = (key: string) => path.join(contentDir, key.slice(0, 2), key);
  const record = (f: NewFlow) => db.transaction((tx) => insertFlow(tx, f));
  const row = async (key: string) =>
    (
      await db.query<{ bytes: Buffer | null; file_size: number | null }>(
        'SELECT bytes, file_size FROM flow_content WHERE sha256 = $1',
        [key],
      )
    ).rows[0];

  beforeAll(async () => {
    dataDir = tempDir();
    contentDir = contentDirFor(dataDir);
    db = await openPglite(pgliteDirFor(dataDir), contentDir);
    await migrate(db);
    await upsertPartner(db, { code: 'FILES1', name: 'Fichiers', returnSyntax: 'CPPStatut' });
  }, 120000);

  afterAll(async () => {
    await db?.close();
    cleanup(dataDir);
  });

  it('a large flow is kept as a file (no bytes in its row) and read back identical by every read path', async () => {
    const bytes = randomBytes(LARGE);
    bytes[0] = 0;
    bytes[LARGE - 1] = 0xff;
    const key = sha(bytes);
    const flow = await record(newFlow(bytes, 'files-large'));
    expect(await row(key)).toEqual({ bytes: null, file_size: LARGE });
    const st = statSync(fileOf(key));
    expect(st.size).toBe(LARGE);
    expect(st.mode & 0o777).toBe(0o600);
    expect(readFileSync(fileOf(key)).equals(bytes)).toBe(true);
    expect(sha((await getContent(db, key))!)).toBe(key);
    expect(sha(await readContentSlices(db, key, LARGE))).toBe(key);
    // Not handed over at intake: the run reads the file.
    const run = await startFlowRun(db, flow!.id);
    expect(run?.bytes && sha(run.bytes)).toBe(key);
    // A small one stays in the database.
    const small = randomBytes(1000);
    await record(newFlow(small, 'files-small'));
    expect(await row(sha(small))).toEqual({ bytes: small, file_size: null });
  });

  it('the same large content twice in one intake batch: written once, one row, both flows read it', async () => {
    const bytes = randomBytes(LARGE);
    const key = sha(bytes);
    const checks: string[] = [];
    // The batch's own statements are counted on their way: one file written, the known-bytes check asked once.
    const created = await db.transaction((tx) =>
      insertFlows(
        {
          ...tx,
          query: (sql, params) => {
            if (typeof sql === 'string' && sql.includes('FROM flow_content WHERE sha256')) checks.push(sql);
            return tx.query(sql, params);
          },
        },
        [newFlow(bytes, 'files-batch-1'), newFlow(bytes, 'files-batch-2')],
      ),
    );
    expect(checks).toHaveLength(1);
    expect(created.map((f) => f?.sha256)).toEqual([key, key]);
    expect(await row(key)).toEqual({ bytes: null, file_size: LARGE });
    for (const flow of created) expect(sha((await startFlowRun(db, flow!.id))!.bytes!)).toBe(key);
  });

  it('the same large content deposited twice: one row, one file, not written again', async () => {
    const bytes = randomBytes(LARGE);
    const key = sha(bytes);
    await record(newFlow(bytes, 'files-dup-1'));
    const first = statSync(fileOf(key));
    const again = await record(newFlow(bytes, 'files-dup-2'));
    expect(again?.sha256).toBe(key);
    const second = statSync(fileOf(key));
    expect([second.ino, second.mtimeMs]).toEqual([first.ino, first.mtimeMs]);
    const rows = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM flow_content WHERE sha256 = $1', [key]);
    expect(rows.rows[0]?.n).toBe(1);
    const run = await startFlowRun(db, again!.id);
    expect(run?.bytes && sha(run.bytes)).toBe(key);
  });

  it('a missing file, or one of another size, is an error that says so (the run fails and is retried)', async () => {
    const bytes = randomBytes(LARGE);
    const key = sha(bytes);
    const flow = await record(newFlow(bytes, 'files-missing'));
    truncateSync(fileOf(key), LARGE - 1);
    await expect(readContentSlices(db, key, LARGE)).rejects.toThrow(`holds ${LARGE - 1} bytes, ${LARGE} recorded`);
    rmSync(fileOf(key));
    await expect(readContentSlices(db, key, LARGE)).rejects.toThrow(/its file .* is missing/);
    await expect(getContent(db, key)).rejects.toThrow(/is missing/);
    await expect(startFlowRun(db, flow!.id)).rejects.toThrow(/is missing/);
    // The size the caller expects is checked against the row's too.
    await expect(readContentSlices(db, key, LARGE + 1)).rejects.toThrow(/vanished or changed/);
  });

  it('the purge removes the files of the rows it deletes, never one whose row remains, and the leftovers of a crash', async () => {
    const old = randomBytes(LARGE);
    const kept = randomBytes(LARGE);
    const oldFlow = await record(newFlow(old, 'files-purged'));
    const keptFlow = await record(newFlow(kept, 'files-kept'));
    // A crash between a file and its row's commit, and one while a file was written.
    const orphan = sha(randomBytes(32));
    mkdirSync(path.dirname(fileOf(orphan)), { recursive: true });
    writeFileSync(fileOf(orphan), 'orphan');
    const writing = path.join(path.dirname(fileOf(orphan)), '.passerelle-0123abcd.tmp');
    writeFileSync(writing, 'cut short');
    await db.query(`UPDATE flows SET state = 'IN_INTEGRE', finished_at = now() - interval '10 days' WHERE id = $1`, [
      oldFlow!.id,
    ]);
    const dry = await purge(db, dataDir, 5, true);
    expect(dry.contents).toBeGreaterThanOrEqual(1);
    expect(existsSync(fileOf(sha(old)))).toBe(true);
    expect(existsSync(fileOf(orphan))).toBe(true);

    const r = await purge(db, dataDir, 5);
    expect(r.contents).toBeGreaterThanOrEqual(1);
    expect(await row(sha(old))).toBeUndefined();
    expect(existsSync(fileOf(sha(old)))).toBe(false);
    expect(existsSync(fileOf(orphan))).toBe(false);
    expect(existsSync(writing)).toBe(false);
    // The flow not concluded keeps its row and its file.
    expect(await row(sha(kept))).toEqual({ bytes: null, file_size: LARGE });
    expect(sha(await readContentSlices(db, sha(kept), LARGE))).toBe(sha(kept));
    expect(keptFlow?.stored).toBe(true);
    // The purged content deposited again: written again.
    await record(newFlow(old, 'files-purged-again'));
    expect(readFileSync(fileOf(sha(old))).equals(old)).toBe(true);
  });
});

it('end to end: a flow whose content file vanished is answered IN_INCIDENTE (93); a large deposit is kept as a file and answered', async () => {
  const dataDir = tempDir();
  try {
    const config = testConfig(dataDir, { pipeline: { retryLimit: 0, retryDelaySeconds: 1, validationThreads: 0 } });
    const bytes = largeValidUbl(LARGE, 'vanished');
    // Recorded as intake does (flow and job in one transaction), without the in-memory hand-over to its run.
    const store = await openStore(pgliteOptionsFor(dataDir), config.pipeline);
    try {
      await upsertPartner(store.db, { code: 'ABC123', name: 'Société Test', returnSyntax: 'CPPStatut' });
      await store.db.transaction(async (tx) => {
        const flow = await insertFlow(tx, newFlow(bytes, 'files-e2e', 'ABC123'));
        await store.boss.insert(QUEUES.flows, [{ data: { flowId: flow!.id } }], { db: bossDb(tx) });
      });
    } finally {
      await store.close();
    }
    const file = path.join(contentDirFor(dataDir), sha(bytes).slice(0, 2), sha(bytes));
    rmSync(file);
    // Left by a crash before its row's commit: removed at start.
    const orphan = path.join(path.dirname(file), sha(randomBytes(8)).replace(/^../, sha(bytes).slice(0, 2)));
    writeFileSync(orphan, 'orphan');
    const daemon = new Daemon({ config, logger: silentLogger, folders: false });
    await daemon.start();
    try {
      const retour = mailboxPaths(dataDir, 'ABC123').retour;
      const [name] = await waitForFiles(retour, 1, 60000);
      const report = readCppStatut(readFileSync(path.join(retour, name!), 'utf8'));
      expect(report.status).toBe('93');
      expect(report.lines.map((l) => l.code)).toContain('INC-ERREUR-TECHNIQUE');
      expect(existsSync(orphan)).toBe(false);
      // A large deposit through the daemon's intake: its bytes are a file, and the flow is answered from them.
      const deposit = largeValidUbl(LARGE, 'deposited');
      const spooled = path.join(dataDir, 'deposited.xml');
      writeFileSync(spooled, deposit);
      await daemon.intake.claim({
        partner: 'ABC123',
        box: 'depot',
        path: spooled,
        originalName: 'deposited.xml',
        transport: 'memory',
      });
      expect(
        readFileSync(path.join(contentDirFor(dataDir), sha(deposit).slice(0, 2), sha(deposit))).equals(deposit),
      ).toBe(true);
      const names = await waitForFiles(retour, 2, 60000);
      const answer = readCppStatut(
        readFileSync(
          path.join(
            retour,
            names.find((n) => n !== name)!,
          ),
          'utf8',
        ),
      );
      expect([answer.originalName, answer.status]).toEqual(['deposited.xml', '90']);
    } finally {
      await daemon.stop();
    }
  } finally {
    cleanup(dataDir);
  }
}, 120000);
