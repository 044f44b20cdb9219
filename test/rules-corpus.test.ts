/**
 * The EN 16931 rules against the test corpus: every `invalid-rules` file yields at least the rule ids
 * expected.tsv names (those we implement), every `valid` file (UBL, CII, CPP, Factur-X PDF) yields no fatal
 * finding. Factur-X PDFs go through syntax detection, which extracts the embedded XML and its profile.
 */
import { describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import type { FacturXProfile, SyntaxId } from '../src/formats/types.ts';
import { readInvoice } from '../src/formats/read/index.ts';
import { detectSyntax, ruleScope } from '../src/formats/registry.ts';
import { checkInvoice, EN16931_RULES } from '../src/rules/engine.ts';

const corpus = path.resolve('test/corpus');
const rows = fs
  .readFileSync(path.join(corpus, 'expected.tsv'), 'utf8')
  .split('\n')
  .slice(1)
  .filter(Boolean)
  .map((l) => {
    const [file, syntax, expected, reason] = l.split('\t');
    return { file: file!, syntax: syntax!, expected: expected!, reason: reason ?? '' };
  });

/** The profile from the guideline ID (BT-24), as syntax detection hands it over. */
function profileOf(guideline: string | undefined): FacturXProfile | undefined {
  const g = (guideline ?? '').toLowerCase();
  if (g.includes('minimum')) return 'MINIMUM';
  if (g.includes('basicwl')) return 'BASICWL';
  if (g.includes('extended')) return 'EXTENDED';
  if (g.includes('basic')) return 'BASIC';
  if (g.includes('factur-x') || g.includes('zugferd')) return 'EN16931';
  return undefined;
}

function run(file: string, syntax: SyntaxId) {
  const { invoices, findings } = readInvoice(fs.readFileSync(path.join(corpus, file)), syntax);
  expect(findings).toEqual([]);
  expect(invoices.length).toBeGreaterThan(0);
  return invoices.flatMap((inv) => {
    const profile = syntax === 'cii' ? profileOf(inv.specificationId?.value) : undefined;
    return checkInvoice(inv, ruleScope(syntax, profile));
  });
}

/** EN 16931 ids named in the reason column (BR-*, UBL-SR-*); FX-SCH-* and CII-DT-* are other schematrons. */
function expectedIds(reason: string): string[] {
  return [...reason.matchAll(/\b(BR-[A-Z]*-?\d+|BR-\d+|UBL-SR-\d+)\b/g)].map((m) => m[1]!);
}

const implemented = new Set(EN16931_RULES.map((r) => r.id));

/** For a Factur-X PDF: every id the reason names (EN 16931, CII-DT, FX-SCH) that the engine implements. */
function expectedPdfIds(reason: string): string[] {
  const named = [...reason.matchAll(/\b(BR-[A-Z]*-?\d+|BR-\d+|CII-DT-\d+|FX-SCH-A-\d+)\b/g)].map((m) => m[1]!);
  return [...new Set(named)].filter((id) => implemented.has(id));
}

/** A Factur-X PDF: detection extracts the XML and the profile; then read and check as the REGLE stage does. */
async function runPdf(file: string) {
  const detected = await detectSyntax(fs.readFileSync(path.join(corpus, file)), { fileName: path.basename(file) });
  if (!detected.ok) throw new Error(`${file}: ${detected.findings.map((f) => f.code).join(', ')}`);
  const { syntax, xml } = detected.flow;
  expect(syntax).toBe('facturx-pdf');
  const { invoices, findings } = readInvoice(xml, syntax);
  expect(findings).toEqual([]);
  expect(invoices).toHaveLength(1);
  return checkInvoice(invoices[0]!, detected.flow);
}

const xmlSyntaxes = new Set(['ubl-invoice', 'ubl-creditnote', 'cii', 'cpp-facture-mixte']);

describe('EN 16931 rules on the corpus', () => {
  const valid = rows.filter((r) => r.expected === 'valid' && xmlSyntaxes.has(r.syntax));
  it.each(valid.map((r) => [r.file, r.syntax]))('valid %s (%s) has no fatal finding', (file, syntax) => {
    const fatal = run(file, syntax as SyntaxId).filter((f) => f.severity === 'fatal');
    expect(fatal.map((f) => `${f.code} ${f.detail} @${f.location?.xpath}`)).toEqual([]);
  });

  const invalid = rows.filter((r) => r.expected === 'invalid-rules' && xmlSyntaxes.has(r.syntax));
  it.each(invalid.map((r) => [r.file, r.syntax, r.reason]))(
    'invalid %s (%s) fires the named rules',
    (file, syntax, reason) => {
      const ids = expectedIds(reason);
      expect(ids.length).toBeGreaterThan(0);
      const codes = new Set(run(file, syntax as SyntaxId).map((f) => f.code));
      expect(ids.filter((id) => !codes.has(id))).toEqual([]);
    },
  );

  const validPdf = rows.filter((r) => r.expected === 'valid' && r.syntax === 'facturx-pdf');
  it.each(validPdf.map((r) => [r.file]))('valid Factur-X %s has no fatal finding', async (file) => {
    const fatal = (await runPdf(file)).filter((f) => f.severity === 'fatal');
    expect(fatal.map((f) => `${f.code} ${f.detail} @${f.location?.xpath}`)).toEqual([]);
  });

  const invalidPdf = rows.filter((r) => r.expected === 'invalid-rules' && r.syntax === 'facturx-pdf');
  it.each(invalidPdf.map((r) => [r.file, r.reason]))(
    'invalid Factur-X %s fires the named rules',
    async (file, reason) => {
      const ids = expectedPdfIds(reason);
      expect(ids.length).toBeGreaterThan(0);
      const findings = await runPdf(file);
      expect(findings.some((f) => f.severity === 'fatal')).toBe(true);
      const codes = new Set(findings.map((f) => f.code));
      expect(ids.filter((id) => !codes.has(id))).toEqual([]);
    },
  );

  it('every finding points at a line and an XPath', () => {
    const findings = run('invalid/ubl/mustang-BT-128.ubl.xml', 'ubl-invoice');
    const co10 = findings.find((f) => f.code === 'BR-CO-10');
    expect(co10?.location?.line).toBeGreaterThan(0);
    expect(co10?.location?.xpath).toMatch(/LegalMonetaryTotal\/cbc:LineExtensionAmount$/);
    expect(co10?.nature).toBe('REGLE');
  });
});
