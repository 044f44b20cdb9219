import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { StoreDirectoryLookup, flowDirectoryLookup } from '../src/platform/directory-lookup.ts';
import { generateMatelas, type Matelas } from '../src/platform/matelas.ts';
import { CODES } from '../src/codes/index.ts';
import { CADRES, ROUTING_RULES, checkRouting, type RoutingFacts } from '../src/rules/chorus/routing.ts';
import { beginMatelasSet, retireMatelas, seedDirectory } from '../src/store/directory.ts';
import { createInvoice } from '../src/store/invoices.ts';
import type { StructureKind } from '../src/store/directory.ts';
import type { Queryable } from '../src/store/db.ts';
import { addPartner, openTestDb, type TestDb } from './platform-db.ts';

let t: TestDb;
let m: Matelas;
let dir: StoreDirectoryLookup;
const P = 'ABC123';

beforeAll(async () => {
  t = await openTestDb('pglite');
  await addPartner(t.db, P);
  await addPartner(t.db, 'OLD001');
  const set = await beginMatelasSet(t.db, P);
  m = generateMatelas({ seed: 'routing', partner: P, set, accountId: '1', now: new Date('2026-11-29T08:00:00Z') });
  await seedDirectory(t.db, P, set, m.directory);
  // A second partner whose matelas was reset: its structures are retired.
  const old = generateMatelas({
    seed: 'routing',
    partner: 'OLD001',
    set: 1,
    accountId: '2',
    now: new Date('2026-11-29T08:00:00Z'),
  });
  await seedDirectory(t.db, 'OLD001', 1, old.directory);
  await retireMatelas(t.db, 'OLD001');
  retiredSiret = old.directory.structures.find((s) => s.kind === 'Destinataire sans paramètre')!.siret;
  // A structure deactivated on the platform side.
  await t.db.query("UPDATE directory_structures SET active = false WHERE kind = 'Destinataire 2' AND partner = $1", [
    P,
  ]);
  dir = new StoreDirectoryLookup(t.db);
});
afterAll(async () => {
  await t?.dispose();
});
let retiredSiret = '';

const structure = (kind: StructureKind) => m.directory.structures.find((s) => s.kind === kind)!;
const services = (kind: StructureKind) => m.directory.services.filter((s) => s.structureId === structure(kind).id);
const commitment = (kind: StructureKind, serviceCode?: string) =>
  m.directory.commitments.find(
    (c) => c.structureId === structure(kind).id && (serviceCode === undefined || c.serviceCode === serviceCode),
  )!.number;

/** A valid invoice to the recipient with no parameter; each case changes one thing. */
function facts(over: Partial<RoutingFacts> = {}): RoutingFacts {
  return {
    invoiceNumber: 'F-2026-0001',
    supplier: { identifier: structure('Fournisseur Partenaire').siret, typeIdentifiant: '1' },
    buyerSiret: structure('Destinataire sans paramètre').siret,
    cadre: 'A1',
    paymentMeansCode: '30',
    supplierIban: 'FR7630006000011234567890189',
    ...over,
  };
}
const codes = async (f: RoutingFacts) => (await checkRouting(f, P, dir)).map((x) => x.code);

describe('Chorus Pro routing rules', () => {
  it('accepts a complete invoice to each kind of recipient', async () => {
    expect(await codes(facts())).toEqual([]);
    expect(
      await codes(
        facts({ buyerSiret: structure('Destinataire avec service obligatoire').siret, serviceCode: 'SERVICE_01' }),
      ),
    ).toEqual([]);
    expect(
      await codes(
        facts({
          buyerSiret: structure('Destinataire avec EJ obligatoire').siret,
          commitmentNumber: commitment('Destinataire avec EJ obligatoire'),
        }),
      ),
    ).toEqual([]);
    expect(
      await codes(
        facts({ buyerSiret: structure('Destinataire Etat').siret, commitmentNumber: commitment('Destinataire Etat') }),
      ),
    ).toEqual([]);
    const ejOu = structure('Destinataire avec EJ ou service obligatoire').siret;
    expect(await codes(facts({ buyerSiret: ejOu, serviceCode: 'SERVICE_02' }))).toEqual([]);
    expect(
      await codes(
        facts({ buyerSiret: ejOu, commitmentNumber: commitment('Destinataire avec EJ ou service obligatoire') }),
      ),
    ).toEqual([]);
    const mixed = 'Destinataire avec services avec et sans EJ obligatoire' as const;
    const withEj = services(mixed).find((s) => s.ejRequired)!.code;
    const withoutEj = services(mixed).find((s) => !s.ejRequired && s.active)!.code;
    expect(await codes(facts({ buyerSiret: structure(mixed).siret, serviceCode: withoutEj }))).toEqual([]);
    expect(
      await codes(
        facts({ buyerSiret: structure(mixed).siret, serviceCode: withEj, commitmentNumber: commitment(mixed, withEj) }),
      ),
    ).toEqual([]);
    for (const k of ['Destinataire Partenaire', 'MOE Partenaire', 'MOA Partenaire'] as const)
      expect(await codes(facts({ buyerSiret: structure(k).siret }))).toEqual([]);
    // The co-contractor may issue too; an EJ given where none is required is not checked.
    expect(
      await codes(
        facts({ supplier: { identifier: structure('Valideur Partenaire').siret }, commitmentNumber: 'LIBRE-123' }),
      ),
    ).toEqual([]);
  });

  it('émetteur chosen at deposit: the supplier (BT-30) must be that structure', async () => {
    const f = facts({ location: { supplier: { file: 'f.xml', xpath: '/Invoice/cac:AccountingSupplierParty' } } });
    const supplier = f.supplier.identifier!;
    expect(await checkRouting(f, P, dir, { emitterSiret: supplier })).toEqual([]);
    expect(await checkRouting(f, P, dir, {})).toEqual([]);
    const other = structure('Valideur Partenaire').siret;
    expect(await checkRouting(f, P, dir, { emitterSiret: other })).toEqual([
      expect.objectContaining({
        nature: 'REGLE',
        severity: 'fatal',
        code: 'CPP-EMETTEUR-DIFFERENT',
        labelFr: CODES[ROUTING_RULES.emetteur].labelFr,
        labelEn: CODES[ROUTING_RULES.emetteur].labelEn,
        location: { file: 'f.xml', xpath: '/Invoice/cac:AccountingSupplierParty' },
      }),
    ]);
    // A missing supplier is CPP-FOURN-NON-AUTORISE alone, not also a difference.
    expect((await checkRouting(facts({ supplier: {} }), P, dir, { emitterSiret: other })).map((x) => x.code)).toEqual([
      'CPP-FOURN-NON-AUTORISE',
    ]);
  });

  it('recipient: absent, unknown, retired, not a recipient, inactive', async () => {
    expect(await codes(facts({ buyerSiret: undefined }))).toEqual(['CPP-DEST-ABSENT']);
    expect(await codes(facts({ buyerSiret: '  ' }))).toEqual(['CPP-DEST-ABSENT']);
    const unknown = await checkRouting(
      facts({
        buyerSiret: '99999999999999',
        location: { buyerSiret: { file: 'f.xml', xpath: '/Invoice/cac:AccountingCustomerParty' } },
      }),
      P,
      dir,
    );
    expect(unknown).toEqual([
      expect.objectContaining({
        nature: 'REGLE',
        code: 'CPP-DEST-INCONNU',
        labelFr: 'Destinataire inconnu dans Chorus Pro',
        invoice: 'F-2026-0001',
        location: { file: 'f.xml', xpath: '/Invoice/cac:AccountingCustomerParty' },
      }),
    ]);
    expect(unknown[0]!.detail).toContain('99999999999999');
    expect(await codes(facts({ buyerSiret: retiredSiret }))).toEqual(['CPP-DEST-INCONNU']);
    // The supplier is not a recipient; a SIRET cut to its SIREN (spec §2's live failure) is unknown.
    expect(await codes(facts({ buyerSiret: structure('Fournisseur Partenaire').siret }))).toEqual(['CPP-DEST-INCONNU']);
    expect(await codes(facts({ buyerSiret: structure('Fournisseur Partenaire').siret.slice(0, 9) }))).toEqual([
      'CPP-DEST-INCONNU',
    ]);
    expect(await codes(facts({ buyerSiret: structure('Destinataire 2').siret }))).toEqual(['CPP-DEST-INACTIF']);
  });

  it("supplier: absent, unknown, or another partner's", async () => {
    expect(await codes(facts({ supplier: {} }))).toEqual(['CPP-FOURN-NON-AUTORISE']);
    expect(await codes(facts({ supplier: { identifier: '10000000000009' } }))).toEqual(['CPP-FOURN-NON-AUTORISE']);
    // A recipient of the partner's own matelas does not issue invoices.
    expect(await codes(facts({ supplier: { identifier: structure('Destinataire Partenaire').siret } }))).toEqual([
      'CPP-FOURN-NON-AUTORISE',
    ]);
    const f = facts();
    expect((await checkRouting(f, 'OLD001', dir)).map((x) => x.code)).toEqual(['CPP-FOURN-NON-AUTORISE']);
  });

  it('service code: required, reserved, unknown, inactive', async () => {
    const svcOblig = structure('Destinataire avec service obligatoire').siret;
    expect(await codes(facts({ buyerSiret: svcOblig }))).toEqual(['CPP-SERVICE-ABSENT']);
    expect(await codes(facts({ buyerSiret: svcOblig, serviceCode: 'FACTURES_PUBLIQUES' }))).toEqual([
      'CPP-SERVICE-RESERVE',
    ]);
    expect(await codes(facts({ serviceCode: 'factures_publiques' }))).toEqual(['CPP-SERVICE-RESERVE']);
    expect(await codes(facts({ serviceCode: 'SERVICE_99' }))).toEqual(['CPP-SERVICE-INCONNU']);
    // Another structure's service code is unknown here.
    expect(
      await codes(facts({ serviceCode: services('Destinataire avec services avec et sans EJ obligatoire')[0]!.code })),
    ).toEqual(['CPP-SERVICE-INCONNU']);
    expect(await codes(facts({ serviceCode: 'SERVICE_INACTIF' }))).toEqual(['CPP-SERVICE-INACTIF']);
  });

  it("commitment: required by the structure or the service, EJ or service, must be the recipient's", async () => {
    const ejOblig = structure('Destinataire avec EJ obligatoire').siret;
    expect(await codes(facts({ buyerSiret: ejOblig }))).toEqual(['CPP-EJ-ABSENT']);
    expect(await codes(facts({ buyerSiret: structure('Destinataire Etat').siret }))).toEqual(['CPP-EJ-ABSENT']);
    expect(await codes(facts({ buyerSiret: ejOblig, commitmentNumber: 'EJ0000000000000' }))).toEqual([
      'CPP-EJ-INCONNU',
    ]);
    // Another recipient's commitment is not this one's.
    expect(await codes(facts({ buyerSiret: ejOblig, commitmentNumber: commitment('Destinataire Etat') }))).toEqual([
      'CPP-EJ-INCONNU',
    ]);
    const mixed = 'Destinataire avec services avec et sans EJ obligatoire' as const;
    const withEj = services(mixed).find((s) => s.ejRequired)!.code;
    const noEj = await checkRouting(facts({ buyerSiret: structure(mixed).siret, serviceCode: withEj }), P, dir);
    expect(noEj.map((x) => x.code)).toEqual(['CPP-EJ-ABSENT']);
    expect(noEj[0]!.detail).toContain(withEj);
    const ejOu = structure('Destinataire avec EJ ou service obligatoire').siret;
    expect(await codes(facts({ buyerSiret: ejOu }))).toEqual(['CPP-EJ-OU-SERVICE-ABSENT']);
    expect(await codes(facts({ buyerSiret: ejOu, commitmentNumber: 'EJ-INCONNU' }))).toEqual(['CPP-EJ-INCONNU']);
  });

  it('cadre de facturation: A1…A25 without A11, absent = A1', async () => {
    expect(CADRES).toHaveLength(24);
    expect(await codes(facts({ cadre: undefined }))).toEqual([]);
    expect(await codes(facts({ cadre: 'A25' }))).toEqual([]);
    const bad = await checkRouting(facts({ cadre: 'A11' }), P, dir);
    expect(bad.map((x) => [x.code, x.labelFr])).toEqual([['CPP-CADRE-INVALIDE', 'Cadre de facturation invalide']]);
    expect(bad[0]!.detail).toContain('A11');
    // The 2026 reform's BT-23 values are not Chorus Pro cadres (the live failure of spec §4.3).
    expect(await codes(facts({ cadre: 'S1' }))).toEqual(['CPP-CADRE-INVALIDE']);
    expect(await codes(facts({ cadre: 'A26' }))).toEqual(['CPP-CADRE-INVALIDE']);
  });

  it('invoice number: at most 20 characters, no duplicate for a supplier', async () => {
    expect(await codes(facts({ invoiceNumber: 'X'.repeat(20) }))).toEqual([]);
    expect(await codes(facts({ invoiceNumber: 'X'.repeat(21) }))).toEqual(['CPP-NUMERO-TROP-LONG']);
    const supplier = structure('Fournisseur Partenaire').siret;
    await createInvoice(t.db, {
      partner: P,
      supplierIdentifier: supplier,
      recipientSiret: structure('Destinataire sans paramètre').siret,
      number: 'F-DOUBLON-1',
      status: 'DEPOSEE',
    });
    expect(await codes(facts({ invoiceNumber: 'F-DOUBLON-1' }))).toEqual(['CPP-FACTURE-DOUBLON']);
    // The matelas's own invoices count as already integrated.
    expect(await codes(facts({ invoiceNumber: m.directory.invoices[0]!.number }))).toEqual(['CPP-FACTURE-DOUBLON']);
    // Same number, another supplier: not a duplicate.
    expect(
      await codes(
        facts({ invoiceNumber: 'F-DOUBLON-1', supplier: { identifier: structure('Valideur Partenaire').siret } }),
      ),
    ).toEqual([]);
  });

  it("payment means paying into the supplier's account need its IBAN", async () => {
    for (const means of ['30', '42', '58']) {
      const f = await checkRouting(facts({ paymentMeansCode: means, supplierIban: undefined }), P, dir);
      expect(f.map((x) => [x.code, x.labelFr])).toEqual([['CPP-IBAN-ABSENT', 'IBAN du fournisseur manquant']]);
    }
    for (const means of ['10', '20', '31', '48', '49', '59', '97', undefined])
      expect(await codes(facts({ paymentMeansCode: means, supplierIban: undefined }))).toEqual([]);
    expect(await codes(facts({ paymentMeansCode: '30', supplierIban: ' ' }))).toEqual(['CPP-IBAN-ABSENT']);
  });

  it('reports every problem of an invoice at once, each with its own code', async () => {
    const all = await checkRouting(
      {
        invoiceNumber: 'N'.repeat(25),
        supplier: {},
        buyerSiret: '99999999999999',
        cadre: 'A11',
        paymentMeansCode: '58',
      },
      P,
      dir,
    );
    expect(all.map((x) => x.code).sort()).toEqual([
      'CPP-CADRE-INVALIDE',
      'CPP-DEST-INCONNU',
      'CPP-FOURN-NON-AUTORISE',
      'CPP-IBAN-ABSENT',
      'CPP-NUMERO-TROP-LONG',
    ]);
    const codesDeclared = Object.values(ROUTING_RULES);
    expect(new Set(codesDeclared).size).toBe(codesDeclared.length);
    for (const f of all) expect(f).toMatchObject({ nature: 'REGLE', severity: 'fatal', invoice: 'N'.repeat(25) });
  });

  it("reads the directory once for a whole flow's invoices, with the same answers as one lookup at a time", async () => {
    const mixed = 'Destinataire avec services avec et sans EJ obligatoire' as const;
    const withEj = services(mixed).find((x) => x.ejRequired)!.code;
    const ejOblig = structure('Destinataire avec EJ obligatoire').siret;
    const ejOu = structure('Destinataire avec EJ ou service obligatoire').siret;
    // One invoice per case above, as a 500-invoice zip would bring them (values padded as a reader may leave them).
    const flow: RoutingFacts[] = [
      facts(),
      facts({ buyerSiret: structure('Destinataire avec service obligatoire').siret, serviceCode: ' SERVICE_01 ' }),
      facts({ buyerSiret: ejOblig, commitmentNumber: commitment('Destinataire avec EJ obligatoire') }),
      facts({ buyerSiret: ejOblig, commitmentNumber: commitment('Destinataire Etat') }),
      facts({ buyerSiret: ejOblig }),
      facts({ buyerSiret: structure(mixed).siret, serviceCode: withEj, commitmentNumber: commitment(mixed, withEj) }),
      facts({ buyerSiret: structure(mixed).siret, serviceCode: withEj }),
      facts({ buyerSiret: ejOu, commitmentNumber: 'EJ-INCONNU' }),
      facts({ buyerSiret: '99999999999999' }),
      facts({ buyerSiret: retiredSiret }),
      facts({ buyerSiret: structure('Destinataire 2').siret }),
      facts({ buyerSiret: ` ${structure('Destinataire Partenaire').siret}` }),
      facts({ buyerSiret: undefined }),
      facts({ supplier: {} }),
      facts({ supplier: { identifier: '10000000000009' } }),
      facts({ supplier: { identifier: structure('Destinataire Partenaire').siret } }),
      facts({ serviceCode: 'SERVICE_99' }),
      facts({ serviceCode: 'SERVICE_INACTIF' }),
      facts({ serviceCode: 'factures_publiques' }),
      facts({ invoiceNumber: 'F-DOUBLON-1' }),
      facts({ invoiceNumber: m.directory.invoices[0]!.number }),
      facts({ invoiceNumber: 'F-DOUBLON-1', supplier: { identifier: structure('Valideur Partenaire').siret } }),
      facts({ invoiceNumber: 'X'.repeat(21), cadre: 'A11', paymentMeansCode: '58', supplierIban: undefined }),
    ];
    let queries = 0;
    const counted: Queryable = {
      query: (sql, params) => {
        queries++;
        return t.db.query(sql, params);
      },
    };
    const batched = await flowDirectoryLookup(counted, P, flow);
    const one = await Promise.all(flow.map((f) => checkRouting(f, P, batched)));
    expect(queries).toBe(1);
    const each = await Promise.all(flow.map((f) => checkRouting(f, P, dir)));
    expect(one).toEqual(each);
    expect(each.flat().length).toBeGreaterThan(15);
    // A value it was not told about is still answered right (by the store).
    expect((await checkRouting(facts({ serviceCode: 'SERVICE_77' }), P, batched)).map((x) => x.code)).toEqual(
      await codes(facts({ serviceCode: 'SERVICE_77' })),
    );
    expect(queries).toBeGreaterThan(1);
  });
});
