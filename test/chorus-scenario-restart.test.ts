/**
 * Scripted lifecycles survive a restart: the steps are pg-boss jobs in the database, not timers. A daemon
 * on PostgreSQL integrates an invoice of a scripted recipient, plays the first step, and is stopped; a
 * second daemon on the same data folder and the same database schema plays the remaining steps, the
 * one due while no daemon ran included, and the return flows follow each other in the scenario's order.
 */
import { afterAll, beforeAll, describe, expect, it as jestIt } from '@jest/globals';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { Daemon } from '../src/gateway/daemon.ts';
import { silentLogger } from '../src/log.ts';
import { generateMatelasSet } from '../src/platform/matelas-service.ts';
import { buildQualificationKit } from '../src/platform/samples.ts';
import { listInvoices } from '../src/store/invoices.ts';
import { mailboxPaths } from '../src/store/mailboxes.ts';
import { assertValidAgainst } from './helpers/compte-rendu.ts';
import {
  PG_URL,
  cleanup,
  dropSchema,
  postgresRequired,
  tempDir,
  testConfig,
  uniqueSchema,
  waitForFiles,
} from './helpers/env.ts';

/** Decided before the tests are declared: without PostgreSQL they are reported as skipped, not passed (CI requires it). */
const postgres = await postgresRequired();
const it = postgres ? jestIt : jestIt.skip;

const PARTNER = 'ABC123';
const SCENARIO = 'MISE_A_DISPOSITION → SERVICE_FAIT → MANDATEE → MISE_EN_PAIEMENT';
const STEP_SECONDS = 3;
const parser = new XMLParser({ parseTagValue: false, isArray: (n) => n === 'CPPFactureStatutUnitaire' });

/** The status code (01…12) a lifecycle return flow carries, the file checked against its XSD. */
function statusOf(file: string): string {
  const xml = readFileSync(file, 'utf8');
  assertValidAgainst('CPPStatut.xsd', xml);
  const doc = parser.parse(xml) as {
    CPPStatut: { CPPFactureStatuts: { CPPFactureStatutUnitaire: Array<{ DonneesStatut: { IdStatut: string } }> } };
  };
  return String(doc.CPPStatut.CPPFactureStatuts.CPPFactureStatutUnitaire[0]!.DonneesStatut.IdStatut);
}

describe('scripted lifecycle across a daemon restart on PostgreSQL', () => {
  let dataDir: string;
  let schema: string | undefined;
  let daemon: Daemon | undefined;
  const newDaemon = async () => {
    const config = testConfig(dataDir, {
      databaseUrl: PG_URL,
      // A fixed schema: the second daemon finds the first one's tables and pg-boss jobs.
      databaseSchema: schema,
      platform: { scenarios: [{ recipient: 'Destinataire Etat', scenario: SCENARIO, stepSeconds: STEP_SECONDS }] },
    });
    const d = new Daemon({ config, logger: silentLogger });
    await d.start();
    return d;
  };

  beforeAll(async () => {
    dataDir = tempDir();
    schema = uniqueSchema();
  }, 60000);

  afterAll(async () => {
    await daemon?.stop();
    if (schema && postgres) await dropSchema(schema);
    if (dataDir) cleanup(dataDir);
  });

  it('plays the steps left when the daemon stopped, in order, after a restart', async () => {
    daemon = await newDaemon();
    const { data } = await generateMatelasSet(daemon.store.db, {
      seed: 'restart',
      partner: PARTNER,
      set: 1,
      folder: path.join(dataDir, 'matelas'),
    });
    const etat = buildQualificationKit(data, { tag: 'RS' }).find((k) => k.recipientKind === 'Destinataire Etat')!;
    const box = mailboxPaths(dataDir, PARTNER);
    const ours = (n: string) => n.startsWith('FEN1200A_CDV_') && n.includes(`_${etat.invoiceNumber}_`);
    writeFileSync(path.join(box.depot, etat.fileName), etat.xml);

    // 01 (DEPOSEE) and 03 (MISE_A_DISPOSITION) at integration, then the first step (07, SERVICE_FAIT).
    const first = await waitForFiles(box.retour, 3, 30000, ours);
    const stoppedAt = Date.now();
    await daemon.stop();
    daemon = undefined;
    const left = readdirSync(box.retour).filter(ours).sort();
    expect(left).toEqual(first);
    expect(left.map((f) => statusOf(path.join(box.retour, f)))).toEqual(['01', '03', '07']);

    // Stay down past the next step's due time: the step that fell due while no daemon ran is not lost.
    await new Promise((r) => setTimeout(r, Math.max(0, stoppedAt + STEP_SECONDS * 1000 + 500 - Date.now())));
    expect(readdirSync(box.retour).filter(ours)).toHaveLength(3);

    daemon = await newDaemon();
    const all = await waitForFiles(box.retour, 5, 30000, ours);
    expect(all.slice(0, 3)).toEqual(first);
    expect(all.map((f) => statusOf(path.join(box.retour, f)))).toEqual(['01', '03', '07', '08', '11']);
    // No step played twice, and the invoice ends where the scenario ends.
    await new Promise((r) => setTimeout(r, 1000));
    expect(readdirSync(box.retour).filter(ours)).toHaveLength(5);
    const [invoice] = (await listInvoices(daemon.store.db, { partner: PARTNER })).filter(
      (i) => i.number === etat.invoiceNumber,
    );
    expect(invoice?.status).toBe('MISE_EN_PAIEMENT');
  }, 90000);
});
