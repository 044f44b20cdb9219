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
    /** The valid invoice with `from` replaced, once, in its header settlement (or its lines, `where` 'lines'). */
    const edit = (from: string, to: string, where: 'header' | 'lines' = 'header') => {
      const [a, b] = where === 'header' ? [header, valid.length] : [0, header];
      const part = valid.slice(a, b);
      expect(part.split(from)).toHaveLength(2);
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
