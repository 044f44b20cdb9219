/**
 * Chorus Pro behaviour through the real daemon on PostgreSQL: routing of the Pastell CPP Facture mixte
 * sample against a hand-made directory, integration (01 then 03 lifecycle flows), the duplicate rule,
 * partial integration (96, one line per rejected invoice, listeErreurDP), recipient-side status changes
 * (admin API, 20002 refusal) and a Cycle de vie deposit.
 */
import { afterAll, beforeAll, describe, expect, it as jestIt } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { writeInvoiceStatuses } from '../src/formats/return/index.ts';
import { mailboxPaths } from '../src/store/mailboxes.ts';
import type { DirectoryData } from '../src/store/directory.ts';
import { addDirectoryEntries, seedDirectory } from '../src/store/directory.ts';
import { getInvoiceHistory, listInvoices } from '../src/store/invoices.ts';
import { assertValidAgainst, readCppStatut } from './helpers/compte-rendu.ts';
import {
  cleanup,
  CORPUS,
  freePort,
  postgresRequired,
  startDaemon,
  tempDir,
  testConfig,
  waitForFiles,
} from './helpers/env.ts';

/** Decided before the tests are declared: without PostgreSQL they are reported as skipped, not passed (CI requires it). */
const postgres = await postgresRequired();
const it = postgres ? jestIt : jestIt.skip;

const SAMPLE = readFileSync(path.join(CORPUS, 'valid/cpp/pastell-Facture-IN_DP_E2_CPP_FACTURE_MIN.xml'), 'utf8');
const SIRET = '00000000000727';
const PARTNER = 'ABC123';
const PASSWORD = 'Qualif-2026-Passe!';

const statusParser = new XMLParser({ parseTagValue: false, isArray: (n) => n === 'CPPFactureStatutUnitaire' });
function lifecycleCodes(xml: string): Array<{ code: string; invoice: string }> {
  type Unit = { DonneesStatut: { IdStatut: string }; DonneesFacture?: { IdFacture?: string } };
  const doc = statusParser.parse(xml) as { CPPStatut: { CPPFactureStatuts: { CPPFactureStatutUnitaire: Unit[] } } };
  return doc.CPPStatut.CPPFactureStatuts.CPPFactureStatutUnitaire.map((u) => ({
    code: String(u.DonneesStatut.IdStatut),
    invoice: String(u.DonneesFacture?.IdFacture ?? ''),
  }));
}

/** A CPP Facture mixte with the sample's invoice repeated, each copy edited. */
function multiInvoiceFlow(edits: Array<(unit: string) => string>): string {
  const start = SAMPLE.indexOf('<CPPFactureMixteUnitaire');
  const end = SAMPLE.indexOf('</CPPFactureMixteUnitaire>') + '</CPPFactureMixteUnitaire>'.length;
  const unit = SAMPLE.slice(start, end);
  const units = edits.map((e, i) => e(unit).replace('NumOrdre="1"', `NumOrdre="${i + 1}"`)).join('\n\t\t');
  return SAMPLE.slice(0, start).replace('Compteur="1"', `Compteur="${edits.length}"`) + units + SAMPLE.slice(end);
}

let flowSeq = 0;
/** The sample with its own envelope id, so that no two deposits carry the same bytes (REC-FLUX-DOUBLON). */
const sample = (xml = SAMPLE) =>
  xml.replace(
    '<Valeurparametre>1000000000</Valeurparametre>',
    `<Valeurparametre>${1000000000 + ++flowSeq}</Valeurparametre>`,
  );
const withNumber = (n: string) => (u: string) => u.replace('<Id>FAC19-2512</Id>', `<Id>${n}</Id>`);

describe('Chorus Pro routing, integration and lifecycle on PostgreSQL', () => {
  let dataDir: string;
  let handle: Awaited<ReturnType<typeof startDaemon>> | undefined;
  let box: ReturnType<typeof mailboxPaths>;
  let seen = new Set<string>();

  /** Drops a flow and waits for its compte-rendu; returns it with the new lifecycle files. */
  async function deposit(name: string, content: string) {
    writeFileSync(path.join(box.depot, name), content);
    const [crName] = await waitForFiles(
      box.retour,
      1,
      30000,
      (n) =>
        !seen.has(n) &&
        n.startsWith('FEN1200A_CPP') &&
        readCppStatut(readFileSync(path.join(box.retour, n), 'utf8')).originalName === name,
    );
    const xml = readFileSync(path.join(box.retour, crName!), 'utf8');
    assertValidAgainst('CPPStatut.xsd', xml);
    seen.add(crName!);
    return { report: readCppStatut(xml), crName: crName! };
  }
  async function newLifecycleFiles(count: number): Promise<string[]> {
    const names = await waitForFiles(box.retour, count, 20000, (n) => n.startsWith('FEN1200A_CDV_') && !seen.has(n));
    for (const n of names) seen.add(n);
    return names;
  }
  const admin = async (method: 'GET' | 'POST', route: string, body?: unknown) => {
    const info = handle!.daemon.info!;
    const res = await fetch(`http://127.0.0.1:${info.httpPort}/admin${route}`, {
      method,
      headers: { authorization: `Bearer ${info.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    dataDir = tempDir();
    const config = testConfig(dataDir, {
      http: { port: await freePort() },
      partners: [{ code: PARTNER, name: 'OST', returnSyntax: 'CPPStatut', sftp: { password: PASSWORD } }],
    });
    handle = await startDaemon('postgres', config);
    box = mailboxPaths(dataDir, PARTNER);
    seen = new Set();
  }, 120000);

  afterAll(async () => {
    await handle?.stop();
    if (dataDir) cleanup(dataDir);
  });

  it('without a matelas: accepted (90) with one warning line, routing not checked, nothing integrated', async () => {
    const { report } = await deposit('sans-matelas.xml', sample());
    expect(report.status).toBe('90');
    expect(report.lines.map((l) => l.code)).toEqual(['CPP-ROUTAGE-NON-VERIFIE']);
    expect(await listInvoices(handle!.daemon.store.db, { partner: PARTNER })).toEqual([]);
  }, 60000);

  it('routes the Pastell sample against the directory: rejected without its service and commitment, accepted with them', async () => {
    const db = handle!.daemon.store.db;
    const structureId = 990_000_001;
    const data: DirectoryData = {
      partner: PARTNER,
      set: 1,
      structures: [
        {
          id: structureId,
          siret: SIRET,
          name: 'CHU DE BORDEAUX',
          kind: 'Destinataire avec EJ obligatoire',
          active: true,
          codeServiceDoitEtreRenseigne: true,
          numeroEjDoitEtreRenseigne: true,
          gestionNumeroEjOuCodeService: false,
          issuesInvoices: true,
          receivesInvoices: true,
        },
      ],
      services: [],
      commitments: [],
      users: [],
      invoices: [],
    };
    await seedDirectory(db, PARTNER, 1, data);
    const rejectedFlow = await deposit('pastell-1.xml', sample());
    expect(rejectedFlow.report.status).toBe('93');
    expect(rejectedFlow.report.lines.map((l) => l.code).sort()).toEqual(['CPP-EJ-INCONNU', 'CPP-SERVICE-INCONNU']);
    expect(rejectedFlow.report.lines.find((l) => l.code === 'CPP-SERVICE-INCONNU')!.description).toContain('EJ');

    await addDirectoryEntries(db, {
      services: [{ id: 990_000_002, structureId, code: 'EJ', name: 'Service EJ', active: true, ejRequired: true }],
      commitments: [{ number: '3004564', structureId, serviceCode: 'EJ' }],
    });
    const accepted = await deposit('pastell-2.xml', sample());
    expect(accepted.report).toMatchObject({ status: '90', lines: [] });
    // 01 then 03, valid against the XSD, named after the flow and the invoice.
    const files = await newLifecycleFiles(2);
    const flowNumber = accepted.crName.replace(/^FEN1200A_|\.xml$/g, '');
    expect(files).toEqual([
      `FEN1200A_CDV_${flowNumber}_FAC19-2512_001.xml`,
      `FEN1200A_CDV_${flowNumber}_FAC19-2512_002.xml`,
    ]);
    const codes = files.map((f) => {
      const xml = readFileSync(path.join(box.retour, f), 'utf8');
      assertValidAgainst('CPPStatut.xsd', xml);
      return lifecycleCodes(xml)[0]!.code;
    });
    expect(codes).toEqual(['01', '03']);
    const [inv] = await listInvoices(db, { partner: PARTNER });
    expect(inv).toMatchObject({ number: 'FAC19-2512', status: 'MISE_A_DISPOSITION', recipientSiret: SIRET });
    expect((await getInvoiceHistory(db, inv!.id)).map((h) => h.status)).toEqual(['DEPOSEE', 'MISE_A_DISPOSITION']);
  }, 90000);

  it('rejects the same supplier and number again as a duplicate (another flow, other bytes)', async () => {
    const { report } = await deposit('pastell-doublon.xml', sample());
    expect(report.status).toBe('93');
    expect(report.lines.map((l) => l.code)).toEqual(['CPP-FACTURE-DOUBLON']);
  }, 60000);

  it('integrates the good invoices of a multi-invoice flow: 96, one line per rejected invoice, listeErreurDP', async () => {
    const flow = multiInvoiceFlow([
      withNumber('FAC19-2600'),
      (u) =>
        withNumber('FAC19-2601')(u).replace(
          `<Identifiant>${SIRET}</Identifiant>`,
          '<Identifiant>00000000000990</Identifiant>',
        ),
      withNumber('FAC19-2512'), // already integrated: duplicate
    ]);
    const { report, crName } = await deposit('pastell-multi.xml', sample(flow));
    expect(report.status).toBe('96');
    expect(report.lines).toHaveLength(2);
    const byInvoice = report.lines.map((l) => [l.code, l.description]);
    expect(byInvoice[0]![0]).toBe('CPP-DEST-INCONNU');
    expect(byInvoice[0]![1]).toContain('Facture FAC19-2601, fournisseur 00000000000727, destinataire 00000000000990');
    expect(byInvoice[1]![0]).toBe('CPP-FACTURE-DOUBLON');
    const files = await newLifecycleFiles(2);
    expect(files.every((f) => f.includes('_FAC19-2600_'))).toBe(true);
    const numbers = (await listInvoices(handle!.daemon.store.db, { partner: PARTNER })).map((i) => i.number);
    expect(numbers).toEqual(['FAC19-2512', 'FAC19-2600']);

    const flowNumber = crName.replace(/^FEN1200A_|\.xml$/g, '');
    const res = await fetch(
      `http://127.0.0.1:${handle!.daemon.info!.httpPort}/cpro/transverses/v1/consulterCRDetaille`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'cpro-account': Buffer.from(`${PARTNER}:${PASSWORD}`).toString('base64'),
        },
        body: JSON.stringify({ numeroFluxDepot: flowNumber }),
      },
    );
    const cr = (await res.json()) as { etatCourantDepotFlux: string; listeErreurDP: Array<Record<string, string>> };
    expect(cr.etatCourantDepotFlux).toBe('IN_INTEGRE_PARTIEL');
    expect(cr.listeErreurDP).toEqual([
      expect.objectContaining({
        numeroDP: 'FAC19-2601',
        identifiantFournisseur: SIRET,
        identifiantDestinataire: '00000000000990',
      }),
      expect.objectContaining({
        numeroDP: 'FAC19-2512',
        identifiantFournisseur: SIRET,
        identifiantDestinataire: SIRET,
      }),
    ]);
  }, 90000);

  it('moves an invoice along the allowed transitions through the admin API and refuses a forbidden one (20002)', async () => {
    const [inv] = await listInvoices(handle!.daemon.store.db, { partner: PARTNER });
    const ok = await admin('POST', `/invoices/${inv!.id}/status`, { status: 'SERVICE_FAIT', comment: 'Réception OK' });
    expect(ok.json).toMatchObject({ codeRetour: 0, nouveauStatut: 'SERVICE_FAIT', ancienStatut: 'MISE_A_DISPOSITION' });
    const [file] = await newLifecycleFiles(1);
    const xml = readFileSync(path.join(box.retour, file!), 'utf8');
    assertValidAgainst('CPPStatut.xsd', xml);
    expect(lifecycleCodes(xml)[0]!.code).toBe('07');
    const refused = await admin('POST', `/invoices/${inv!.id}/status`, { status: 'COMPLETEE' });
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({
      codeRetour: 20002,
      libelle: "Incohérence au niveau du statut d'origine ou de destination de la facture.",
    });
    const shown = await admin('GET', `/invoices/${inv!.id}`);
    expect((shown.json.history as Array<{ status: string }>).map((h) => h.status)).toEqual([
      'DEPOSEE',
      'MISE_A_DISPOSITION',
      'SERVICE_FAIT',
    ]);
  }, 60000);

  it('applies a Cycle de vie deposit to the invoices addressed to the partner, reporting each refused change', async () => {
    const entry = (number: string, statusCode: string) => ({
      supplier: { typeIdentifiant: '1', identifiant: SIRET, raisonSociale: 'OST-DEVELOPPEMENT' },
      debtor: { identifiant: SIRET },
      statusCode,
      at: new Date(),
      invoiceNumber: number,
    });
    const cdv = writeInvoiceStatuses('CPPStatut', {
      flowId: 'CDV-TEST-1',
      partnerCode: PARTNER,
      producedAt: new Date(),
      statuses: [entry('FAC19-2512', '08'), entry('FAC19-2600', '11'), entry('INCONNUE-1', '07')],
    });
    const { report } = await deposit('cycle-de-vie.xml', cdv);
    expect(report.status).toBe('96');
    expect(report.lines.map((l) => l.code)).toEqual(['CDV-TRANSITION-REFUSEE', 'CDV-FACTURE-INCONNUE']);
    const [file] = await newLifecycleFiles(1);
    expect(lifecycleCodes(readFileSync(path.join(box.retour, file!), 'utf8'))[0]!.code).toBe('08');
    const invoices = await listInvoices(handle!.daemon.store.db, { partner: PARTNER });
    expect(invoices.map((i) => [i.number, i.status])).toEqual([
      ['FAC19-2512', 'MANDATEE'],
      ['FAC19-2600', 'MISE_A_DISPOSITION'],
    ]);
  }, 60000);
});
