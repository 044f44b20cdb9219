/** The readers: UBL, CII and CPP Facture mixte corpus files into the invoice model, with locations. */
import { describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { readInvoice } from '../src/formats/read/index.ts';

const corpus = path.resolve('test/corpus');
const read = (f: string, s: Parameters<typeof readInvoice>[1]) => readInvoice(fs.readFileSync(path.join(corpus, f)), s);

describe('readInvoice', () => {
  it('reads a UBL invoice with terms and locations', () => {
    const { invoices, findings } = read('valid/ubl/cen-ubl-tc434-example1.xml', 'ubl-invoice');
    expect(findings).toEqual([]);
    const inv = invoices[0]!;
    expect(inv.number?.value).toBe('12115118');
    expect(inv.currency?.value).toBe('EUR');
    expect(inv.lines.length).toBeGreaterThan(1);
    expect(inv.lines[1]!.loc.xpath).toBe('/Invoice/cac:InvoiceLine[2]');
    expect(inv.totals?.payable?.loc.line).toBeGreaterThan(1);
    expect(inv.seller?.vatId?.value).toMatch(/^NL/);
    expect(inv.vatBreakdown.length).toBeGreaterThan(0);
  });

  it('reads a UBL credit note', () => {
    const inv = read('valid/ubl/cen-ubl-tc434-creditnote1.xml', 'ubl-creditnote').invoices[0]!;
    expect(inv.creditNote).toBe(true);
    expect(inv.typeCode?.value).toBe('381');
    expect(inv.lines.length).toBeGreaterThan(0);
  });

  it('reads a CII invoice, amounts kept as written', () => {
    const inv = read('valid/cii/cen-CII_example1.xml', 'cii').invoices[0]!;
    expect(inv.syntax).toBe('cii');
    expect(inv.totals?.taxInclusive?.value).toMatch(/^\d+\.\d{2}$/);
    expect(inv.lines[0]!.vat.code?.value).toBeTruthy();
    expect(inv.lines[0]!.netAmount?.loc.xpath).toContain('ram:LineTotalAmount');
  });

  it('reads the CPP Facture mixte header terms', () => {
    const { invoices } = read('valid/cpp/pastell-Facture-IN_DP_E2_CPP_FACTURE_MIN.xml', 'cpp-facture-mixte');
    expect(invoices).toHaveLength(1);
    const inv = invoices[0]!;
    expect(inv.number?.value).toBe('FAC19-2512');
    expect(inv.seller?.legalId?.value).toBe('00000000000727');
    expect(inv.totals?.taxInclusive?.value).toBe('873.99');
    expect(inv.vatBreakdown[0]!.category.rate?.value).toBe('5.5');
    expect(inv.orderRef?.value).toBe('3004564');
  });

  it('reads the CPP cadre (BT-23), payment means code and the supplier IBAN with their locations', () => {
    const file = 'valid/cpp/pastell-Facture-IN_DP_E2_CPP_FACTURE_MIN.xml';
    const base = read(file, 'cpp-facture-mixte').invoices[0]!;
    expect(base.processId?.value).toBe('A1');
    expect(base.processId?.loc.xpath).toMatch(/DonneesFacture\/Cadre$/);
    expect(base.paymentMeans[0]!.code?.value).toBe('01');
    expect(base.paymentMeans[0]!.accounts).toEqual([]);
    // The corpus deposit carries no ReferenceBancaire: add one, as the pivot model places it.
    const xml = fs
      .readFileSync(path.join(corpus, file), 'utf8')
      .replace(
        '<CodePays>FR</CodePays>\n\t\t\t</Fournisseur>',
        '<CodePays>FR</CodePays>\n<ReferenceBancaire Type="IBAN"><Compte>FR7630006000011234567890189</Compte>' +
          '<RaisonSocialeEncaisseur>OST</RaisonSocialeEncaisseur></ReferenceBancaire>\n\t\t\t</Fournisseur>',
      );
    expect(xml).toContain('ReferenceBancaire');
    const inv = readInvoice(Buffer.from(xml), 'cpp-facture-mixte').invoices[0]!;
    const account = inv.paymentMeans[0]!.accounts[0]!;
    expect(account.id?.value).toBe('FR7630006000011234567890189');
    expect(account.name?.value).toBe('OST');
    expect(account.id?.loc.xpath).toMatch(/Fournisseur\/ReferenceBancaire\/Compte$/);
    expect(account.id?.loc.line).toBeGreaterThan(30);
    const rib = readInvoice(Buffer.from(xml.replace('Type="IBAN"', 'Type="RIB"')), 'cpp-facture-mixte');
    expect(rib.invoices[0]!.paymentMeans[0]!.accounts).toEqual([]);
  });

  it('keeps CII amounts written with a currencyID other than TaxTotalAmount (CII-DT-031)', () => {
    const inv = read('valid/cii/cen-CII_example1.xml', 'cii').invoices[0]!;
    expect(inv.binding?.ciiAmountCurrencies).toBeUndefined();
    const xml = fs
      .readFileSync(path.join(corpus, 'valid/cii/cen-CII_example1.xml'), 'utf8')
      .replace('<ram:LineTotalAmount>', '<ram:LineTotalAmount currencyID="EUR">');
    const bad = readInvoice(Buffer.from(xml), 'cii').invoices[0]!;
    expect(bad.binding?.ciiAmountCurrencies?.[0]?.loc.xpath).toMatch(/LineTotalAmount$/);
  });

  it('decodes entities and CDATA, skips comments and processing instructions', () => {
    const xml =
      '<?xml version="1.0"?>\n<!-- c --><Invoice xmlns:cbc="u"><cbc:ID a="x&amp;y">A&lt;B &#233;</cbc:ID>' +
      '<cbc:Note><![CDATA[<b>]]> fin</cbc:Note><?pi x?></Invoice>';
    const inv = readInvoice(Buffer.from(xml), 'ubl-invoice').invoices[0]!;
    expect(inv.number?.value).toBe('A<B é');
    expect(inv.number?.attrs).toEqual({ a: 'x&y' });
    expect(inv.notes[0]!.text?.value).toBe('<b> fin');
    expect(inv.number?.loc.line).toBe(2);
  });

  it.each([
    ['<Invoice><a></Invoice>', 1],
    ['<Invoice>\n<a x=1></a></Invoice>', 2],
    ['<Invoice>\n\n<a>&bogus;</a></Invoice>', 3],
    ['<Invoice></Invoice><Invoice/>', 1],
    ['<Invoice>\n<a>', 2],
    ['text<Invoice/>', 1],
  ])('rejects malformed XML %j at line %d', (xml, line) => {
    const { invoices, findings } = readInvoice(Buffer.from(xml), 'ubl-invoice');
    expect(invoices).toEqual([]);
    expect(findings[0]?.code).toBe('FMT-XML-MALFORMED');
    expect(findings[0]?.location?.line).toBe(line);
  });

  it('reports malformed XML as a FORMAT finding with a line', () => {
    const { invoices, findings } = readInvoice(Buffer.from('<Invoice>\n<a></b></Invoice>'), 'ubl-invoice');
    expect(invoices).toEqual([]);
    expect(findings[0]?.code).toBe('FMT-XML-MALFORMED');
    expect(findings[0]?.location?.line).toBe(2);
  });
});
