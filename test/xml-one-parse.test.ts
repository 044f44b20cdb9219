/**
 * One parse per flow (src/formats/xml.ts): detection builds the element tree the readers use, and accepts a
 * document on the tree only when saxes, the reference for well-formedness, would accept it too. Held here
 * against saxes itself: every corpus XML and hostile input, and thousands of damaged copies of real invoices
 * (a fixed seed), give the same root, position and probe texts by both paths, and the tree path never
 * accepts what saxes refuses.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { decodeXml } from '../src/formats/decode.ts';
import { saxesScan, scanText, scanXml } from '../src/formats/xml.ts';
import type { Probe, XmlName, XmlScanResult } from '../src/formats/xml.ts';
import { DEFAULT_LIMITS } from '../src/formats/limits.ts';
import { SYNTAXES } from '../src/formats/registry.ts';
import * as hostile from './helpers/hostile.ts';

const CORPUS = path.resolve('test/corpus');

const probesFor = (r: XmlName): readonly Probe[] =>
  SYNTAXES.flatMap((s) => (s.kind === 'xml' && s.root.local === r.local && s.root.uri === r.uri ? [s] : []))[0]
    ?.probes ?? [];

function corpusXml(): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.xml')) out.push(p);
    }
  };
  walk(CORPUS);
  return out;
}

/** The scan without its tree, to compare with saxes' (which builds none). */
function withoutTree(r: XmlScanResult): unknown {
  if (!r.ok) return r;
  const { tree: _tree, ...scan } = r.scan;
  return { ok: true, scan };
}

const text = (b: Buffer): string => {
  const d = decodeXml(b);
  if (!d.ok) throw new Error(d.problem.message);
  return d.text;
};

describe('detection on the tree answers as saxes does', () => {
  it('every corpus XML and hostile input: same result, and real invoices go through the tree', () => {
    const inputs: [string, Buffer][] = corpusXml().map((f) => [f, readFileSync(f)]);
    for (const [k, v] of Object.entries(hostile)) if (Buffer.isBuffer(v)) inputs.push([k, v]);
    let onTree = 0;
    for (const [, bytes] of inputs) {
      const d = decodeXml(bytes);
      if (!d.ok) continue;
      const r = scanText(d.text, d.encoding, probesFor);
      if (r.ok && r.scan.tree) onTree++;
      expect(withoutTree(r)).toEqual(saxesScan(d.text, d.encoding, probesFor, DEFAULT_LIMITS));
      // No tree wanted (a document too large for its tree to be kept): the same answer, no tree built.
      const treeless = scanText(d.text, d.encoding, probesFor, DEFAULT_LIMITS, { tree: false });
      expect(treeless).toEqual(withoutTree(r));
      expect(treeless.ok && treeless.scan.tree).toBeFalsy();
    }
    expect(onTree).toBeGreaterThan(40);
    for (const f of [
      'valid/ubl/cen-ubl-tc434-example1.xml',
      'valid/cpp/pastell-Facture-IN_DP_E2_CPP_FACTURE_MIN.xml',
    ]) {
      const r = scanXml(readFileSync(path.join(CORPUS, f)), probesFor);
      expect(r.ok && r.scan.tree?.qname).toBeTruthy();
    }
  });

  it('damaged invoices: whatever the tree path accepts, saxes accepts with the same root and probes', () => {
    const files = ['valid/ubl/cen-ubl-tc434-example1.xml', 'valid/cpp/pastell-Facture-IN_DP_E2_CPP_FACTURE_MIN.xml'];
    const cii = readdirSync(path.join(CORPUS, 'valid/cii')).find((f) => f.endsWith('.xml'));
    if (cii) files.push(`valid/cii/${cii}`);
    const pieces = ['<', '>', '&', '"', "'", ':', '=', '/', '!', '?', '-', ' ', '\n', 'x', 'é', '\u0001', ';', '#'];
    pieces.push('<!--', '-->', 'xmlns:a="u"', 'xmlns="v"', '&#1;', '&#x41;', '<?pi x?>', '<![CDATA[', ']]>');
    pieces.push('<!DOCTYPE a>', '\r', 'xml:lang="fr"', 'a:', 'cbc:', ' a="1"', '<b/>', '</b>');
    let seed = 42;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    let accepted = 0;
    for (const f of files) {
      const original = text(readFileSync(path.join(CORPUS, f)));
      for (let k = 0; k < 700; k++) {
        let t = original;
        for (let e = 1 + rnd(2); e > 0; e--) {
          // Half the damage in the prolog and root start tag, where namespaces and declarations are read.
          const i = rnd(k % 2 ? t.length : Math.min(t.length, 2000));
          const op = rnd(3);
          if (op === 0) t = t.slice(0, i) + t.slice(i + 1 + rnd(3));
          else t = t.slice(0, i) + pieces[rnd(pieces.length)]! + t.slice(i + (op === 2 ? 1 : 0));
        }
        const r = scanText(t, 'utf-8', probesFor);
        if (!r.ok || !r.scan.tree) continue;
        accepted++;
        expect(withoutTree(r)).toEqual(saxesScan(t, 'utf-8', probesFor, DEFAULT_LIMITS));
      }
    }
    expect(accepted).toBeGreaterThan(200);
  });

  it('a namespace declared below the root: read on the tree when no name depends on it, else saxes decides', () => {
    const ns = 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2';
    const harmless = `<Invoice xmlns="${ns}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><ID xmlns:xs="http://www.w3.org/2001/XMLSchema" xsi:type="xs:string">1</ID></Invoice>`;
    const r = scanText(harmless, 'utf-8', probesFor);
    expect(r.ok && r.scan.tree).toBeTruthy();
    const rebound = `<Invoice xmlns="${ns}"><x:ID xmlns:x="urn:other">1</x:ID></Invoice>`;
    const s = scanText(rebound, 'utf-8', probesFor);
    // saxes' answer (the namespace of x:ID is urn:other), with the tree, since it finds the document well-formed.
    expect(withoutTree(s)).toEqual(saxesScan(rebound, 'utf-8', probesFor, DEFAULT_LIMITS));
    expect(s.ok && s.scan.tree?.children[0]?.name).toBe('ID');
  });

  it('at the depth limit, self-closing elements included, saxes decides', () => {
    const limits = { ...DEFAULT_LIMITS, xmlMaxDepth: 3 };
    const within = '<a><b><c/></b></a>';
    const past = '<a><b><c><d/></c></b></a>';
    expect(withoutTree(scanText(within, 'utf-8', undefined, limits))).toEqual(
      saxesScan(within, 'utf-8', undefined, limits),
    );
    const r = scanText(past, 'utf-8', undefined, limits);
    expect(r.ok ? undefined : r.problem.kind).toBe('too-deep');
    expect(r).toEqual(saxesScan(past, 'utf-8', undefined, limits));
  });
});
