/** Routing over invoices read by the formats layer: the qualification kit and the Pastell CPP Facture mixte sample. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readInvoice } from '../src/formats/read/index.ts';
import { StoreDirectoryLookup } from '../src/platform/directory-lookup.ts';
import { generateMatelas } from '../src/platform/matelas.ts';
import { buildQualificationKit } from '../src/platform/samples.ts';
import { routingFacts } from '../src/rules/chorus/facts.ts';
import { checkRouting } from '../src/rules/chorus/routing.ts';
import { seedDirectory, type DirectoryData } from '../src/store/directory.ts';
import { addPartner, openTestDb, type TestDb } from './platform-db.ts';

const PASTELL = path.resolve('test/corpus/valid/cpp/pastell-Facture-IN_DP_E2_CPP_FACTURE_MIN.xml');
let t: TestDb;
const matelas = generateMatelas({
  seed: 'facts',
  partner: 'FAC001',
  set: 1,
  accountId: '9',
  now: new Date('2026-11-29T08:00:00Z'),
});

beforeAll(async () => {
  t = await openTestDb('pglite');
  await addPartner(t.db, 'FAC001');
  await addPartner(t.db, 'PAS001');
  await seedDirectory(t.db, 'FAC001', 1, matelas.directory);
});
afterAll(async () => {
  await t?.dispose();
});

describe('routing facts from the invoice model', () => {
  it('routes every kit invoice read by the UBL reader as its manifest says, pointing at the XPath', async () => {
    const dir = new StoreDirectoryLookup(t.db);
    for (const k of buildQualificationKit(matelas.directory)) {
      const { invoices, findings } = readInvoice(Buffer.from(k.xml), 'ubl-invoice');
      expect(findings).toEqual([]);
      const facts = routingFacts(invoices[0]!, k.fileName);
      const found = await checkRouting(facts, 'FAC001', dir);
      expect({ file: k.fileName, codes: found.map((f) => f.code) }).toEqual({ file: k.fileName, codes: k.codes });
      for (const f of found)
        if (f.code === 'CPP-CADRE-INVALIDE')
          expect(f.location).toMatchObject({ file: k.fileName, xpath: expect.stringContaining('ProfileID') });
    }
  });

  it('accepts the Pastell CPP Facture mixte once the directory holds its structures, and rejects it before', async () => {
    const xml = await readFile(PASTELL);
    const { invoices } = readInvoice(xml, 'cpp-facture-mixte');
    expect(invoices).toHaveLength(1);
    const facts = routingFacts(invoices[0]!, path.basename(PASTELL));
    expect(facts).toMatchObject({
      invoiceNumber: 'FAC19-2512',
      supplier: { identifier: '00000000000727', typeIdentifiant: '1' },
      buyerSiret: '00000000000727',
      serviceCode: 'EJ',
      commitmentNumber: '3004564',
    });
    const dir = new StoreDirectoryLookup(t.db);
    expect((await checkRouting(facts, 'PAS001', dir)).map((f) => f.code).sort()).toEqual([
      'CPP-DEST-INCONNU',
      'CPP-FOURN-NON-AUTORISE',
    ]);

    // A hand-made entry: the sample invoices its own structure (a public entity both issues and receives).
    const entry: DirectoryData = {
      partner: 'PAS001',
      set: 1,
      structures: [
        {
          id: 727,
          siret: '00000000000727',
          name: 'CHU DE BORDEAUX',
          kind: 'Destinataire avec services avec et sans EJ obligatoire',
          active: true,
          codeServiceDoitEtreRenseigne: true,
          numeroEjDoitEtreRenseigne: false,
          gestionNumeroEjOuCodeService: false,
          issuesInvoices: true,
          receivesInvoices: true,
        },
      ],
      services: [{ id: 7271, structureId: 727, code: 'EJ', name: 'Raison Sociale', active: true, ejRequired: true }],
      commitments: [],
      users: [],
      invoices: [],
    };
    await seedDirectory(t.db, 'PAS001', 1, entry);
    expect((await checkRouting(facts, 'PAS001', dir)).map((f) => f.code)).toEqual(['CPP-EJ-INCONNU']);
    await t.db.query(
      "INSERT INTO directory_commitments (number, structure_id, service_code) VALUES ('3004564', 727, 'EJ')",
    );
    expect(await checkRouting(facts, 'PAS001', dir)).toEqual([]);
    await t.db.query('UPDATE directory_services SET active = false WHERE id = 7271');
    const inactive = await checkRouting(facts, 'PAS001', dir);
    expect(inactive.map((f) => f.code)).toEqual(['CPP-SERVICE-INACTIF']);
    expect(inactive[0]!.location).toMatchObject({
      file: path.basename(PASTELL),
      xpath: expect.stringContaining('CodeService'),
    });
  });
});
