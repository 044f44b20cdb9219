/**
 * The CEN unit test sets (VEFA testSet) in test/corpus/rule-unit/, then our own test sets for
 * other rule families (test/rules-sets/*.xml, same format): for every `<test>`, the named rule fires
 * (`<error>`) or does not (`<success>`).
 */
import { describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import type { SyntaxId } from '../src/formats/types.ts';
import { readTree } from '../src/formats/read/index.ts';
import { ruleScope } from '../src/formats/registry.ts';
import { parseTree } from '../src/formats/read/tree.ts';
import { checkInvoice } from '../src/rules/engine.ts';

interface UnitCase {
  set: string;
  n: number;
  rule: string;
  expect: 'success' | 'error';
  fragment: string;
}

/** Splits a testSet into its tests: the expected outcome and the invoice fragment (the root element). */
function cases(file: string): UnitCase[] {
  const xml = fs.readFileSync(file, 'utf8');
  const out: UnitCase[] = [];
  let n = 0;
  for (const m of xml.matchAll(/<test>([\s\S]*?)<\/test>/g)) {
    n++;
    const body = m[1]!;
    const a = /<(success|error)>\s*([^<\s]+)\s*<\/\1>/.exec(body);
    const root = /<((?:\w+:)?(?:Invoice|CreditNote|CrossIndustryInvoice))[\s>][\s\S]*<\/\1>/.exec(body);
    if (!a || !root) throw new Error(`${file}: test ${n} has no assert or no invoice`);
    out.push({ set: path.basename(file), n, rule: a[2]!, expect: a[1] as 'success' | 'error', fragment: root[0] });
  }
  return out;
}

function fires(c: UnitCase): boolean {
  const root = parseTree(c.fragment);
  const syntax: SyntaxId =
    root.name === 'CrossIndustryInvoice' ? 'cii' : root.name === 'CreditNote' ? 'ubl-creditnote' : 'ubl-invoice';
  return readTree(root, syntax).some((inv) => checkInvoice(inv, ruleScope(syntax)).some((f) => f.code === c.rule));
}

function runSets(dir: string) {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .map((f) => path.join(dir, f));
  const all = files.flatMap(cases);
  expect(all.length).toBeGreaterThan(0);
  it.each(all.map((c) => [c.set, c.n, c.rule, c.expect, c]))('%s #%d: %s → %s', (_s, _n, _r, _e, c) => {
    expect(fires(c as UnitCase)).toBe((c as UnitCase).expect === 'error');
  });
}

describe('CEN unit test sets (UBL)', () => runSets(path.resolve('test/corpus/rule-unit/ubl')));
describe('CEN unit test sets (CII)', () => runSets(path.resolve('test/corpus/rule-unit/cii')));
describe('our test sets', () => runSets(path.resolve('test/rules-sets')));
