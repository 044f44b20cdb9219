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
});
