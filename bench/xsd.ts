/**
 * XSD validation throughput: a ~10 KB UBL invoice inline (one core) and through the worker pool
 * (1 and 2 threads), and a ~1 MB invoice built in memory by repeating the invoice lines of a corpus file.
 * Dev tool: reads its sample invoices from test/corpus.
 * Run alone: node bench/xsd.ts [schemaDir]  (without schemaDir, the sets are installed from the corpus into a temp dir)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SchemaRef } from '../src/formats/types.ts';
import { ValidationPool } from '../src/schemas/pool.ts';
import { SchemaValidator } from '../src/schemas/validator.ts';

const CORPUS = fileURLToPath(new URL('../test/corpus/', import.meta.url));
const INVOICE: SchemaRef[] = [{ set: 'ubl-2.1', entry: 'maindoc/UBL-Invoice-2.1.xsd' }];
const RUN_MS = 2000;

/** A valid UBL invoice of about `bytes`, made by repeating the invoice lines of a corpus file. */
export function bigUblInvoice(bytes: number): Buffer {
  const src = readFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example1.xml'), 'utf8');
  const first = src.indexOf('<cac:InvoiceLine>');
  const end = src.lastIndexOf('</cac:InvoiceLine>') + '</cac:InvoiceLine>'.length;
  const lines = src.slice(first, end);
  const copies = Math.max(1, Math.ceil((bytes - src.length) / lines.length));
  return Buffer.from(src.slice(0, end) + lines.repeat(copies) + src.slice(end));
}

function inlineRate(v: SchemaValidator, xml: Buffer): number {
  if (v.validateAll(xml, INVOICE).ok !== true) throw new Error('bench invoice is not valid');
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < RUN_MS) {
    v.validateAll(xml, INVOICE);
    n++;
  }
  return n / ((performance.now() - t0) / 1000);
}

/** Keeps `inFlight` validations queued on the pool for RUN_MS. */
async function poolRate(schemaDir: string, threads: number, xml: Buffer, inFlight: number): Promise<number> {
  const pool = new ValidationPool({ schemaDir, threads });
  try {
    // warm-up: every worker compiles its schema once
    await Promise.all(Array.from({ length: threads * 2 }, () => pool.validate(xml, INVOICE)));
    let n = 0;
    const t0 = performance.now();
    const lane = async () => {
      while (performance.now() - t0 < RUN_MS) {
        const r = await pool.validate(xml, INVOICE);
        if (r.ok !== true) throw new Error('bench invoice is not valid');
        n++;
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    return n / ((performance.now() - t0) / 1000);
  } finally {
    await pool.close();
  }
}

export async function benchXsd(schemaDir: string): Promise<Record<string, number>> {
  const small = readFileSync(path.join(CORPUS, 'valid/ubl/peppol-base-example.xml'));
  const big = bigUblInvoice(1024 * 1024);
  const v = new SchemaValidator(schemaDir);
  const out: Record<string, number> = {};
  try {
    out['xsd.inline.10KB/s'] = inlineRate(v, small);
    out['xsd.inline.1MB/s'] = inlineRate(v, big);
  } finally {
    v.dispose();
  }
  out['xsd.pool1.10KB/s'] = await poolRate(schemaDir, 1, small, 8);
  out['xsd.pool2.10KB/s'] = await poolRate(schemaDir, 2, small, 16);
  out['xsd.pool2.1MB/s'] = await poolRate(schemaDir, 2, big, 4);
  for (const [k, n] of Object.entries(out)) console.log(`${k.padEnd(24)} ${n.toFixed(1)} validations/s`);
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let dir = process.argv[2];
  let scratch: string | undefined;
  // Without a folder: an empty one, so the sets shipped in xsd/official/ are used.
  if (!dir) scratch = dir = mkdtempSync(path.join(os.tmpdir(), 'passerelle-bench-xsd-'));
  try {
    await benchXsd(dir);
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}
