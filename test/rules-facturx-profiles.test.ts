/**
 * Factur-X profile binding of a bare CII (issue 11 item 4): MINIMUM and BASIC WL judged by their profile artefact's
 * rules only, BASIC and up by the CEN CII rules and their profile's; the EXTENDED artefact's own rules. Each case
 * edits a valid corpus invoice of the profile and checks the findings of the whole chain (detection → rules).
 */
import { describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { isFatal } from '../src/finding.ts';
import { readInvoice } from '../src/formats/read/index.ts';
import { detectSyntax } from '../src/formats/registry.ts';
import { checkInvoice } from '../src/rules/engine.ts';

const corpus = (name: string) => fs.readFileSync(path.resolve('test/corpus/valid/cii', name), 'utf8');

/** The fatal rule ids of a CII document, judged as its detected validation set says, and that set's rule sets. */
async function judge(xml: string): Promise<{ rules: readonly string[]; fatal: string[] }> {
  const det = await detectSyntax(Buffer.from(xml), { fileName: 'x.xml' });
  if (!det.ok) throw new Error(`not detected: ${det.findings[0]?.code}`);
  const read = readInvoice(det.flow.xml, det.flow.syntax);
  const fatal = read.invoices.flatMap((inv) =>
    checkInvoice(inv, det.flow)
      .filter(isFatal)
      .map((f) => f.code),
  );
  return { rules: det.flow.rules, fatal: [...new Set(fatal)].sort() };
}

describe('Factur-X profiles of a bare CII', () => {
  it('binds BASIC and EXTENDED to the CEN CII rules and their profile artefact, MINIMUM and BASIC WL to theirs only', async () => {
    expect((await judge(corpus('akretion-factur-x-basic.xml'))).rules).toEqual(
      expect.arrayContaining(['en16931-cii', 'facturx-basic']),
    );
    expect((await judge(corpus('akretion-factur-x-extended.xml'))).rules).toEqual(
      expect.arrayContaining(['en16931-cii', 'facturx-extended']),
    );
    const wl = await judge(corpus('akretion-factur-x-basicwl.xml'));
    expect(wl.rules).toContain('facturx-basicwl');
    expect(wl.rules).not.toContain('en16931-cii');
  });

  it('BASIC WL: a bad country code is the profile artefact code-list id, not BR-CL-14', async () => {
    const xml = corpus('akretion-factur-x-basicwl.xml').replace(
      '<ram:CountryID>FR</ram:CountryID>',
      '<ram:CountryID>XX</ram:CountryID>',
    );
    const { fatal } = await judge(xml);
    expect(fatal).not.toContain('BR-CL-14');
    expect(fatal.some((id) => id.startsWith('FX-SCH-A-'))).toBe(true);
  });

  it('EXTENDED: BR-CO-25 when the amount due is positive without due date nor payment terms', async () => {
    const valid = corpus('akretion-factur-x-extended.xml');
    expect((await judge(valid)).fatal).toEqual([]);
    const xml = valid
      .replace(/<ram:Description>PAIEMENT 30 JOURS NET<\/ram:Description>/, '')
      .replace(/<ram:DueDateDateTime>[\s\S]*?<\/ram:DueDateDateTime>/, '');
    expect((await judge(xml)).fatal).toContain('BR-CO-25');
  });

  it('EXTENDED: BR-FXEXT-03 on a buyer tax registration that is no VAT identifier, not on the seller', async () => {
    const valid = corpus('akretion-factur-x-extended.xml');
    const buyer = valid.replace(
      '<ram:ID schemeID="VA">FR 05 987 654 321</ram:ID>  <!-- BT-48',
      '<ram:ID schemeID="FC">FR 05 987 654 321</ram:ID>  <!-- BT-48',
    );
    expect(buyer).not.toBe(valid);
    expect((await judge(buyer)).fatal).toContain('BR-FXEXT-03');
    const seller = valid.replace(
      '<ram:ID schemeID="VA">FR11123456782</ram:ID>',
      '<ram:ID schemeID="FC">FR11123456782</ram:ID>',
    );
    expect((await judge(seller)).fatal).not.toContain('BR-FXEXT-03');
  });

  describe("EXTENDED: the artefact's own VAT and total rules (BR-FXEXT-*)", () => {
    const valid = corpus('akretion-factur-x-extended.xml');
    const header = valid.indexOf('<ram:ApplicableHeaderTradeSettlement>');
    /** The valid invoice with `from` replaced, its first occurrence, in its header settlement (or lines: 'lines'). */
    const edit = (from: string, to: string, where: 'header' | 'lines' = 'header') => {
      const [a, b] = where === 'header' ? [header, valid.length] : [0, header];
      const part = valid.slice(a, b);
      expect(part).toContain(from);
      return valid.slice(0, a) + part.replace(from, to) + valid.slice(b);
    };

    it('BR-FXEXT-S08b and S-09b on a category S taxable amount that is not the sum of its lines and charges', async () => {
      const { fatal } = await judge(
        edit('<ram:BasisAmount>27.00</ram:BasisAmount>', '<ram:BasisAmount>37.00</ram:BasisAmount>'),
      );
      expect(fatal).toEqual(expect.arrayContaining(['BR-FXEXT-S08b', 'BR-FXEXT-S-09b']));
      expect(fatal).not.toContain('BR-FXEXT-E-08b');
    });

    it('BR-FXEXT-S-09b alone on a category S tax amount off its rate, BR-FXEXT-S08b then holds', async () => {
      const { fatal } = await judge(
        edit('<ram:CalculatedAmount>2.70</ram:CalculatedAmount>', '<ram:CalculatedAmount>2.90</ram:CalculatedAmount>'),
      );
      expect(fatal).toContain('BR-FXEXT-S-09b');
      expect(fatal).not.toContain('BR-FXEXT-S08b');
    });

    it('BR-FXEXT-E-08b on a category E taxable amount off its lines, within the tolerance not', async () => {
      expect(
        (await judge(edit('<ram:BasisAmount>60.00</ram:BasisAmount>', '<ram:BasisAmount>61.00</ram:BasisAmount>')))
          .fatal,
      ).toContain('BR-FXEXT-E-08b');
      // One E line: 0.01 of tolerance.
      expect(
        (await judge(edit('<ram:BasisAmount>60.00</ram:BasisAmount>', '<ram:BasisAmount>60.01</ram:BasisAmount>')))
          .fatal,
      ).not.toContain('BR-FXEXT-E-08b');
    });

    it('BR-FXEXT-E-01 on an E breakdown without E line, Z-01 on a Z line without Z breakdown', async () => {
      const { fatal } = await judge(
        edit('<ram:CategoryCode>E</ram:CategoryCode>', '<ram:CategoryCode>Z</ram:CategoryCode>', 'lines'),
      );
      expect(fatal).toEqual(expect.arrayContaining(['BR-FXEXT-E-01', 'BR-FXEXT-Z-01']));
    });

    it('BR-FXEXT-CO-04 on a detail line without VAT category code', async () => {
      const { fatal } = await judge(edit('<ram:CategoryCode>E</ram:CategoryCode>', '', 'lines'));
      expect(fatal).toContain('BR-FXEXT-CO-04');
    });

    it('BR-FXEXT-CO-10, CO-13 and CO-15 on the header totals', async () => {
      expect(
        (
          await judge(
            edit(
              '<ram:LineTotalAmount>95.00</ram:LineTotalAmount>',
              '<ram:LineTotalAmount>96.00</ram:LineTotalAmount>',
            ),
          )
        ).fatal,
      ).toContain('BR-FXEXT-CO-10');
      const basis = (
        await judge(
          edit(
            '<ram:TaxBasisTotalAmount>100.00</ram:TaxBasisTotalAmount>',
            '<ram:TaxBasisTotalAmount>101.00</ram:TaxBasisTotalAmount>',
          ),
        )
      ).fatal;
      expect(basis).toEqual(expect.arrayContaining(['BR-FXEXT-CO-13', 'BR-FXEXT-CO-15']));
      const grand = (
        await judge(
          edit(
            '<ram:GrandTotalAmount>104.90</ram:GrandTotalAmount>',
            '<ram:GrandTotalAmount>105.90</ram:GrandTotalAmount>',
          ),
        )
      ).fatal;
      expect(grand).toContain('BR-FXEXT-CO-15');
      expect(grand).not.toContain('BR-FXEXT-CO-13');
      // BT-110 in another currency than the invoice's: the artefact finds no VAT total to add.
      expect(
        (await judge(edit('<ram:TaxTotalAmount currencyID="EUR">', '<ram:TaxTotalAmount currencyID="USD">'))).fatal,
      ).toContain('BR-FXEXT-CO-15');
    });

    it('BR-FXEXT-CO-11, CO-12 and CO-16 on the allowance, charge and due totals', async () => {
      const cases: [string, string, string][] = [
        ['<ram:AllowanceTotalAmount>9.00<', '<ram:AllowanceTotalAmount>10.00<', 'BR-FXEXT-CO-11'],
        ['<ram:ChargeTotalAmount>14.00<', '<ram:ChargeTotalAmount>15.00<', 'BR-FXEXT-CO-12'],
        ['<ram:DuePayableAmount>104.90<', '<ram:DuePayableAmount>105.90<', 'BR-FXEXT-CO-16'],
      ];
      for (const [from, to, id] of cases) expect((await judge(edit(from, to))).fatal).toContain(id);
      // BT-115 = BT-112 − BT-113 + BT-114: a prepaid amount without its due amount lowered breaks it.
      expect((await judge(edit('<ram:TotalPrepaidAmount>0.00<', '<ram:TotalPrepaidAmount>4.90<'))).fatal).toContain(
        'BR-FXEXT-CO-16',
      );
    });

    it('BR-FXEXT-01 and 02 on a note with a subject but no content, on the document and on a line', async () => {
      const doc = valid.replace(/<ram:Content>FOURNISSEUR F SARL[^<]*<\/ram:Content>/, '');
      expect(doc).not.toBe(valid);
      expect((await judge(doc)).fatal).toContain('BR-FXEXT-01');
      const line = edit('<ram:Content>DONT 0,50 EUR de DEEE</ram:Content>', '', 'lines');
      const fatal = (await judge(line)).fatal;
      expect(fatal).toContain('BR-FXEXT-02');
      expect(fatal).not.toContain('BR-FXEXT-01');
    });

    it('BR-FXEXT-06 and 11 on a parent line without status, and on one that is no line', async () => {
      const withParent = (id: string, status = '') =>
        valid.replace(
          /(<ram:AssociatedDocumentLineDocument>\s*<ram:LineID>1<\/ram:LineID>)/,
          `$1<ram:ParentLineID>${id}</ram:ParentLineID>${status}`,
        );
      const noStatus = (await judge(withParent('2'))).fatal;
      expect(noStatus).toContain('BR-FXEXT-06');
      expect(noStatus).not.toContain('BR-FXEXT-11');
      const unknown = (await judge(withParent('X99', '<ram:LineStatusReasonCode>DETAIL</ram:LineStatusReasonCode>')))
        .fatal;
      expect(unknown).toContain('BR-FXEXT-11');
      expect(unknown).not.toContain('BR-FXEXT-06');
    });

    it('BR-FXEXT-BR-22, 23, 24 and 26 on a detail line without quantity, unit, net amount or net price', async () => {
      expect(
        (await judge(edit('<ram:BilledQuantity unitCode="C62">1.0000</ram:BilledQuantity>', '', 'lines'))).fatal,
      ).toContain('BR-FXEXT-BR-22');
      expect(
        (await judge(edit('<ram:BilledQuantity unitCode="C62">1.0000<', '<ram:BilledQuantity>1.0000<', 'lines'))).fatal,
      ).toContain('BR-FXEXT-BR-23');
      expect((await judge(edit('<ram:LineTotalAmount>60.00</ram:LineTotalAmount>', '', 'lines'))).fatal).toContain(
        'BR-FXEXT-BR-24',
      );
      const noPrice = valid.replace(/<ram:NetPriceProductTradePrice>[\s\S]*?<\/ram:NetPriceProductTradePrice>/, '');
      expect(noPrice).not.toBe(valid);
      expect((await judge(noPrice)).fatal).toContain('BR-FXEXT-BR-26');
    });

    it('BR-FXEXT-BR-44 on a line charge without reason, BR-FXEXT-BR-54-1/2 on an item attribute', async () => {
      const charge = valid.replace(
        /(<udt:Indicator>true<\/udt:Indicator>[\s\S]*?)<ram:Reason>[^<]*<\/ram:Reason>/,
        '$1',
      );
      expect(charge).not.toBe(valid);
      expect((await judge(charge)).fatal).toContain('BR-FXEXT-BR-44');
      expect((await judge(edit('<ram:Description>CATEGORIE</ram:Description>', '', 'lines'))).fatal).toContain(
        'BR-FXEXT-BR-54-1',
      );
      const both = edit(
        '<ram:Value>JOUR 8H-20H</ram:Value>',
        '<ram:Value>JOUR 8H-20H</ram:Value><ram:ValueMeasure unitCode="HUR">12</ram:ValueMeasure>',
        'lines',
      );
      expect((await judge(both)).fatal).toContain('BR-FXEXT-BR-54-2');
      const measure = edit(
        '<ram:Value>JOUR 8H-20H</ram:Value>',
        '<ram:ValueMeasure unitCode="HUR">12</ram:ValueMeasure>',
        'lines',
      );
      expect((await judge(measure)).fatal).not.toContain('BR-FXEXT-BR-54-2');
    });

    it('BR-FXEXT-08 and 12 on line groups, BR-FXEXT-CII-DT-097a on a date of format 205', async () => {
      // Line 1 a GROUP line (net amount 60.00), line 2 its child.
      const grouped = (child: string, childTotal?: string) => {
        let x = valid.replace(
          /(<ram:AssociatedDocumentLineDocument>\s*<ram:LineID>1<\/ram:LineID>)/,
          '$1<ram:LineStatusReasonCode>GROUP</ram:LineStatusReasonCode>',
        );
        x = x.replace(
          /(<ram:AssociatedDocumentLineDocument>\s*<ram:LineID>2<\/ram:LineID>)/,
          `$1<ram:ParentLineID>1</ram:ParentLineID><ram:LineStatusReasonCode>${child}</ram:LineStatusReasonCode>`,
        );
        expect(x).toContain('<ram:ParentLineID>1<');
        return childTotal === undefined
          ? x
          : x.replace(/(<ram:ParentLineID>1<[\s\S]*?<ram:LineTotalAmount>)[^<]*/, `$1${childTotal}`);
      };
      expect((await judge(grouped('DETAIL'))).fatal).toContain('BR-FXEXT-08');
      expect((await judge(grouped('DETAIL', '60.00'))).fatal).not.toContain('BR-FXEXT-08');
      const groupChild = grouped('GROUP').replace(
        /(<ram:ParentLineID>1<[\s\S]*?)<ram:LineTotalAmount>[^<]*<\/ram:LineTotalAmount>/,
        '$1',
      );
      expect((await judge(groupChild)).fatal).toContain('BR-FXEXT-12');
      const date = valid.replace(/(<udt:DateTimeString format=")102(">)/, '$1205$2');
      expect(date).not.toBe(valid);
      expect((await judge(date)).fatal).toContain('BR-FXEXT-CII-DT-097a');
      const dateTime = valid.replace(/(<udt:DateTimeString format=")102(">)(\d{8})/, '$1205$2$31200');
      expect((await judge(dateTime)).fatal).not.toContain('BR-FXEXT-CII-DT-097a');
    });

    it('none of them on a BASIC invoice edited the same way', async () => {
      const basic = corpus('akretion-factur-x-basic.xml');
      const at = basic.indexOf('<ram:SpecifiedTradeSettlementHeaderMonetarySummation>');
      expect(at).toBeGreaterThan(0);
      const xml =
        basic.slice(0, at) +
        basic.slice(at).replace(/<ram:GrandTotalAmount>([^<]*)</, '<ram:GrandTotalAmount>999999.99<');
      expect((await judge(xml)).fatal.filter((id) => id.startsWith('BR-FXEXT-'))).toEqual([]);
    });
  });
});
