/**
 * Read + EN 16931 rules timings: a ~10 KB corpus invoice, and a ~1 MB invoice of ~1,000 lines built in
 * memory by repeating the lines of a corpus invoice; and detection + reading of the 1 MB one, with the tree
 * detection kept and without. Dev script: reads test/corpus.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { readInvoice, readParsed } from '../src/formats/read/index.ts';
import { takeTree } from '../src/formats/read/kept.ts';
import { detectSyntax, ruleScope } from '../src/formats/registry.ts';
import { checkInvoice } from '../src/rules/engine.ts';

const corpus = path.resolve('test/corpus');

/** Sorted timings of `runs` calls of fn, in ms. */
function timings(runs: number, fn: () => void): number[] {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    fn();
    t.push(performance.now() - s);
  }
  return t.sort((a, b) => a - b);
}

/** Median of `runs` timings of fn, in ms. */
function median(runs: number, fn: () => void): number {
  const t = timings(runs, fn);
  return t[Math.floor(t.length / 2)]!;
}

/** Repeats the invoice lines until the document reaches `bytes`, keeping BR-CO-10 consistent is not needed for timing. */
function bigInvoice(xml: string, bytes: number): Buffer {
  const lines = /<cac:InvoiceLine>[\s\S]*<\/cac:InvoiceLine>/.exec(xml)![0];
  const copies = Math.ceil((bytes - xml.length) / lines.length);
  const idx = xml.lastIndexOf('</cac:InvoiceLine>') + '</cac:InvoiceLine>'.length;
  return Buffer.from(xml.slice(0, idx) + lines.repeat(copies) + xml.slice(idx));
}

export async function benchRules(): Promise<Record<string, number>> {
  const small = fs.readFileSync(path.join(corpus, 'valid/ubl/peppol-base-example.xml'));
  const big = bigInvoice(
    fs.readFileSync(path.join(corpus, 'valid/ubl/cen-ubl-tc434-example1.xml'), 'utf8'),
    1024 * 1024,
  );
  const ctx = ruleScope('ubl-invoice');
  const smallInv = readInvoice(small, 'ubl-invoice').invoices[0]!;
  const bigInv = readInvoice(big, 'ubl-invoice').invoices[0]!;
  for (let i = 0; i < 200; i++) checkInvoice(readInvoice(small, 'ubl-invoice').invoices[0]!, ctx); // warm-up
  for (let i = 0; i < 5; i++) checkInvoice(readInvoice(big, 'ubl-invoice').invoices[0]!, ctx);
  const out: Record<string, number> = {
    'small.bytes': small.length,
    'small.read_ms': median(300, () => readInvoice(small, 'ubl-invoice')),
    'small.rules_ms': median(300, () => checkInvoice(smallInv, ctx)),
    'big.bytes': big.length,
    'big.lines': bigInv.lines.length,
    'big.read_ms': median(15, () => readInvoice(big, 'ubl-invoice')),
    // The machine is shared: the best of many runs is the figure that compares across runs.
    'big.read_best_ms': timings(60, () => readInvoice(big, 'ubl-invoice'))[0]!,
    'big.rules_ms': median(15, () => checkInvoice(bigInv, ctx)),
  };
  // One flow's pure work in SYNTAXE and REGLE (no rules): detection keeping the tree, then the reader on it
  // (one parse per flow); and detection then a reader that parses again (a missed tree, and the path before).
  const detectThenRead = async (keepTrees: boolean): Promise<number> => {
    const t: number[] = [];
    for (let i = 0; i < 15; i++) {
      const s = performance.now();
      const d = await detectSyntax(big, { keepTrees });
      if (!d.ok) throw new Error('bench input rejected');
      const kept = d.flow.tree === undefined ? undefined : takeTree(d.flow.tree, big);
      if (kept) readParsed(kept, 'ubl-invoice');
      else readInvoice(big, 'ubl-invoice');
      t.push(performance.now() - s);
    }
    return t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!;
  };
  out['big.detect_read_ms'] = await detectThenRead(true);
  out['big.detect_reparse_ms'] = await detectThenRead(false);
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < 1000) {
    checkInvoice(readInvoice(small, 'ubl-invoice').invoices[0]!, ctx);
    n++;
  }
  out['small.read_rules_per_s'] = Math.round(n / ((performance.now() - start) / 1000));
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchRules();
  for (const [k, v] of Object.entries(r))
    console.log(`${k.padEnd(26)} ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : v}`);
}
