/**
 * Every error code is declared once (the codes registry, src/codes/, or a rule table), every code the sources
 * name is declared, and the documentation shows what the registry says: docs/error-codes.md is generated from it
 * and the topic pages' tables carry the same labels.
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { CODE_FAMILIES, CODES, type Code } from '../src/codes/index.ts';
import { finding } from '../src/finding.ts';
import { EN16931_RULES } from '../src/rules/engine.ts';
import { ERROR_CODES_DOC, renderErrorCodes } from '../scripts/error-codes-doc.ts';

function files(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p, ext) : p.endsWith(ext) ? [p] : [];
  });
}

/** Quoted code-like strings of the sources outside the registry: what a call site can name. */
function codesNamedInSources(): Set<string> {
  const named = new Set<string>();
  for (const f of files('src', '.ts').filter((f) => !f.startsWith(`src${path.sep}codes${path.sep}`))) {
    for (const m of readFileSync(f, 'utf8').matchAll(
      /['"`]((?:REC|INC|FMT|XSD|SCH|SIG|CPP|CDV|RG|ZIP|SFTP)-[A-Z0-9][A-Z0-9-]*[A-Z0-9])['"`]/g,
    ))
      named.add(m[1]!);
  }
  return named;
}

describe('the codes registry', () => {
  it('declares every code the sources name, and each family once', () => {
    const named = codesNamedInSources();
    expect(named.size).toBeGreaterThan(80);
    expect([...named].filter((c) => !(c in CODES)).sort()).toEqual([]);
    // A code declared in two families would be silently overridden when they are merged.
    const perFamily = CODE_FAMILIES.flatMap((f) => Object.keys(f.codes));
    expect(perFamily.length).toBe(Object.keys(CODES).length);
    expect(new Set(perFamily).size).toBe(perFamily.length);
  });

  it('gives every code a nature, a severity and both labels; no rule id reuses a code', () => {
    for (const [code, d] of Object.entries(CODES)) {
      expect([code, /^[A-Z]+(-[A-Z0-9]+)+$/.test(code)]).toEqual([code, true]);
      expect(['RECEPTION', 'SIGNATURE', 'FORMAT', 'SCHEMA', 'REGLE']).toContain(d.nature);
      expect(['fatal', 'warning']).toContain(d.severity);
      expect(d.labelFr.length).toBeGreaterThan(5);
      expect(d.labelEn.length).toBeGreaterThan(5);
      // Both labels name the same values.
      const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect([code, names(d.labelFr)]).toEqual([code, names(d.labelEn)]);
    }
    expect(EN16931_RULES.filter((r) => r.id in CODES).map((r) => r.id)).toEqual([]);
  });

  it('makes findings from the declaration: labels, nature, severity, values filled in', () => {
    expect(finding('FMT-XML-MALFORMED', { detail: 'x', location: { line: 2 } })).toEqual({
      nature: 'FORMAT',
      code: 'FMT-XML-MALFORMED',
      severity: 'fatal',
      labelFr: "Le fichier XML n'est pas bien formé.",
      labelEn: 'The XML file is not well-formed.',
      detail: 'x',
      location: { line: 2 },
    });
    const big = finding('REC-TAILLE-MAX', { params: { maxKo: 30000 } });
    expect([big.labelFr, big.labelEn]).toEqual([
      'La taille du flux dépasse la taille maximale autorisée (30000 Ko)',
      'The flow exceeds the maximum size (30000 Ko)',
    ]);
    const link = finding('REC-FICHIER-SPECIAL', { params: { kind: { fr: 'lien symbolique', en: 'symbolic link' } } });
    expect([link.labelFr, link.labelEn]).toEqual([
      "Le dépôt n'est pas un fichier ordinaire (lien symbolique) : il n'a pas été lu",
      'The deposit is not a regular file (symbolic link): it was not read',
    ]);
    expect(finding('CPP-ROUTAGE-NON-VERIFIE').severity).toBe('warning');
    expect(finding('SIG-BAD-SIGNATURE', { severity: 'warning' }).severity).toBe('warning');
    const rule = EN16931_RULES.find((r) => r.id === 'BR-CO-10')!;
    expect(finding(rule, { invoice: 'F1' })).toEqual({
      nature: 'REGLE',
      code: 'BR-CO-10',
      severity: rule.severity,
      labelFr: rule.labelFr,
      labelEn: rule.labelEn,
      invoice: 'F1',
    });
  });

  it('does not compile an undeclared code or a label value left out (checked by tsc)', () => {
    // @ts-expect-error: not a declared code
    expect(() => finding('FMT-NOT-DECLARED')).toThrow('FMT-NOT-DECLARED is not a declared code');
    // @ts-expect-error: the label names {maxKo}
    expect(finding('REC-TAILLE-MAX').labelFr).toContain('{maxKo}');
    // @ts-expect-error: this label names no value
    expect(finding('FMT-EMPTY', { params: { x: 1 } }).labelFr).toBe(CODES['FMT-EMPTY'].labelFr);
  });
});

describe('the documentation', () => {
  it(`${ERROR_CODES_DOC} is the registry's (run npm run docs:codes)`, async () => {
    const current = readFileSync(ERROR_CODES_DOC, 'utf8');
    expect(await renderErrorCodes(current)).toBe(current);
  });

  it('documents every code declared in the sources and every rule', () => {
    const docs = files('docs', '.md')
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const declared = new Set<string>([...codesNamedInSources(), ...Object.keys(CODES)]);
    for (const r of EN16931_RULES) declared.add(r.id);
    expect(declared.size).toBeGreaterThan(100);
    const missing = [...declared].filter((code) => !docs.includes(code)).sort();
    expect(missing).toEqual([]);
  });

  it("shows the registry's labels wherever a topic page's table lists a code", () => {
    const wrong: string[] = [];
    let rows = 0;
    for (const f of files('docs', '.md').filter((f) => f !== path.normalize(ERROR_CODES_DOC))) {
      for (const line of readFileSync(f, 'utf8').split('\n')) {
        const m = /^\|\s*`?([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+)`?\s*\|/.exec(line);
        if (!m || !(m[1]! in CODES)) continue;
        rows++;
        const d = CODES[m[1] as Code];
        if (!line.includes(d.labelFr) || !line.includes(d.labelEn)) wrong.push(`${f}: ${m[1]}`);
      }
    }
    expect(rows).toBeGreaterThan(100);
    expect(wrong).toEqual([]);
  });
});
