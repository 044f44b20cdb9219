/** The readers: UBL, CII and CPP Facture mixte corpus files into the invoice model, with locations. */
import { describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { readInvoice } from '../src/formats/read/index.ts';

const corpus = path.resolve('../shared/corpus');
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

  it('reports malformed XML as a FORMAT finding with a line', () => {
    const { invoices, findings } = readInvoice(Buffer.from('<Invoice>\n<a></b></Invoice>'), 'ubl-invoice');
    expect(invoices).toEqual([]);
    expect(findings[0]?.code).toBe('FMT-XML-MALFORMED');
    expect(findings[0]?.location?.line).toBe(2);
  });
});
