import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { XmlDocument, XsdValidator } from 'libxml2-wasm';
import { xmlRegisterFsInputProviders } from 'libxml2-wasm/lib/nodejs.mjs';
import { StoreDirectoryLookup } from '../src/platform/directory-lookup.ts';
import { generateMatelas } from '../src/platform/matelas.ts';
import { fictitiousIban, frenchVatNumber, writeQualificationKit, type KitManifest } from '../src/platform/samples.ts';
import { checkRouting, type RoutingFacts } from '../src/rules/chorus/routing.ts';
import { seedDirectory } from '../src/store/directory.ts';
import { addPartner, openTestDb, type TestDb } from './platform-db.ts';

const XSD = path.resolve('xsd/official/ubl-2.1/maindoc/UBL-Invoice-2.1.xsd');
const matelas = generateMatelas({
  seed: 'kit',
  partner: 'KIT001',
  set: 1,
  accountId: '7',
  now: new Date('2026-11-29T08:00:00Z'),
});

let t: TestDb;
let folder: string;
let manifest: KitManifest;
let validator: XsdValidator;

beforeAll(async () => {
  xmlRegisterFsInputProviders();
  const xsdDoc = XmlDocument.fromString(await readFile(XSD, 'utf8'), { url: XSD });
  validator = XsdValidator.fromDoc(xsdDoc);
  xsdDoc.dispose();
  folder = await mkdtemp(path.join(os.tmpdir(), 'kit-'));
  manifest = await writeQualificationKit(matelas.directory, folder);
  t = await openTestDb('pglite');
  await addPartner(t.db, 'KIT001');
  await seedDirectory(t.db, 'KIT001', 1, matelas.directory);
});
afterAll(async () => {
  validator?.dispose();
  await t?.dispose();
  if (folder) await rm(folder, { recursive: true, force: true });
});

const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: false, parseTagValue: false });
type Node = Record<string, unknown>;
const get = (o: unknown, ...p: string[]): unknown => p.reduce<unknown>((x, k) => (x as Node | undefined)?.[k], o);
const text = (v: unknown): string | undefined =>
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- parsed XML: a text node or a scalar
  v === undefined ? undefined : typeof v === 'object' ? String((v as Node)['#text']) : String(v);

/** The routing facts as a UBL reader would take them (spec §4.3 places). */
function factsOf(xml: string): { facts: RoutingFacts; inv: Node } {
  const inv = parser.parse(xml).Invoice as Node;
  const facts: RoutingFacts = {
    invoiceNumber: text(inv.ID)!,
    supplier: {
      identifier: text(get(inv, 'AccountingSupplierParty', 'Party', 'PartyLegalEntity', 'CompanyID')),
      typeIdentifiant: '1',
    },
    buyerSiret: text(get(inv, 'AccountingCustomerParty', 'Party', 'PartyLegalEntity', 'CompanyID')),
    serviceCode: text(inv.BuyerReference),
    commitmentNumber: text(get(inv, 'OrderReference', 'ID')),
    cadre: text(inv.ProfileID),
    paymentMeansCode: text(get(inv, 'PaymentMeans', 'PaymentMeansCode')),
    supplierIban: text(get(inv, 'PaymentMeans', 'PayeeFinancialAccount', 'ID')),
  };
  return { facts, inv };
}

describe('qualification kit', () => {
  it('writes one file per case and a manifest covering every kind of recipient and routing rule', async () => {
    const files = (await readdir(folder)).sort();
    expect(files).toContain('manifest.json');
    expect(files.filter((f) => f.endsWith('.xml'))).toHaveLength(manifest.invoices.length);
    const onDisk = JSON.parse(await readFile(path.join(folder, 'manifest.json'), 'utf8')) as KitManifest;
    expect(onDisk).toEqual(manifest);
    const kinds = new Set(
      manifest.invoices
        .filter((i) => i.expected === 'integree')
        .map((i) => i.recipientKind)
        .filter(Boolean),
    );
    expect(kinds.size).toBe(10);
    const codes = new Set(manifest.invoices.flatMap((i) => i.codes));
    // Every routing rule but CPP-DEST-INACTIF (the matelas has no inactive structure).
    expect([...codes].sort()).toEqual([
      'CPP-CADRE-INVALIDE',
      'CPP-DEST-ABSENT',
      'CPP-DEST-INCONNU',
      'CPP-EJ-ABSENT',
      'CPP-EJ-INCONNU',
      'CPP-EJ-OU-SERVICE-ABSENT',
      'CPP-FACTURE-DOUBLON',
      'CPP-FOURN-NON-AUTORISE',
      'CPP-IBAN-ABSENT',
      'CPP-NUMERO-TROP-LONG',
      'CPP-SERVICE-ABSENT',
      'CPP-SERVICE-INACTIF',
      'CPP-SERVICE-INCONNU',
      'CPP-SERVICE-RESERVE',
    ]);
    expect(new Set(manifest.invoices.map((i) => i.invoiceNumber)).size).toBe(manifest.invoices.length);
  });

  it('is valid against the UBL 2.1 XSD', async () => {
    for (const i of manifest.invoices) {
      const doc = XmlDocument.fromString(await readFile(path.join(folder, i.fileName), 'utf8'));
      try {
        expect(() => validator.validate(doc)).not.toThrow();
      } finally {
        doc.dispose();
      }
    }
    // The validator does refuse: the same invoice with BuyerReference moved after the parties.
    const first = await readFile(
      path.join(
        folder,
        manifest.invoices.find((i) => i.recipientKind === 'Destinataire avec service obligatoire')!.fileName,
      ),
      'utf8',
    );
    const ref = / {2}<cbc:BuyerReference>.*<\/cbc:BuyerReference>\n/.exec(first)![0];
    const moved = first.replace(ref, '').replace('</Invoice>', ref + '</Invoice>');
    const bad = XmlDocument.fromString(moved);
    try {
      expect(() => validator.validate(bad)).toThrow();
    } finally {
      bad.dispose();
    }
  });

  it('keeps the EN 16931 totals and VAT arithmetic (BR-CO-10/13/15/16, BR-S-08/09) and BR-61', async () => {
    for (const i of manifest.invoices) {
      const { inv } = factsOf(await readFile(path.join(folder, i.fileName), 'utf8'));
      const cents = (v: unknown) => Math.round(Number(text(v)) * 100);
      const line = cents(get(inv, 'InvoiceLine', 'LineExtensionAmount'));
      const totals = get(inv, 'LegalMonetaryTotal') as Node;
      const vat = cents(get(inv, 'TaxTotal', 'TaxAmount'));
      expect(cents(totals.LineExtensionAmount)).toBe(line);
      expect(cents(totals.TaxExclusiveAmount)).toBe(line);
      expect(cents(get(inv, 'TaxTotal', 'TaxSubtotal', 'TaxableAmount'))).toBe(line);
      expect(vat).toBe(Math.round(line * 0.2));
      expect(cents(totals.TaxInclusiveAmount)).toBe(line + vat);
      expect(cents(totals.PayableAmount)).toBe(line + vat);
      const means = text(get(inv, 'PaymentMeans', 'PaymentMeansCode'));
      if (means === '30' || means === '58')
        expect(text(get(inv, 'PaymentMeans', 'PayeeFinancialAccount', 'ID'))).toBeDefined();
    }
    expect(frenchVatNumber('73282932000074')).toBe('FR44732829320');
    // ISO 13616: the IBAN's mod-97 over the rearranged digits is 1.
    const iban = fictitiousIban(123456);
    const digits = (iban.slice(4) + iban.slice(0, 4)).replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
    expect(BigInt(digits) % 97n).toBe(1n);
  });

  it('gets exactly the outcome its manifest states from the routing rules', async () => {
    const dir = new StoreDirectoryLookup(t.db);
    for (const i of manifest.invoices) {
      const { facts } = factsOf(await readFile(path.join(folder, i.fileName), 'utf8'));
      const found = (await checkRouting(facts, 'KIT001', dir)).map((f) => f.code);
      expect({ file: i.fileName, codes: found }).toEqual({ file: i.fileName, codes: i.codes });
    }
  });
});
