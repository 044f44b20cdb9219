/**
 * Syntax detection throughput (detections per second), on corpus files read from test/corpus:
 * a ~10 KB UBL invoice, a ~1 MB UBL built in memory by repeating its lines, the largest corpus XML
 * (CPP Facture mixte with a base64 PDF) and the largest corpus file (a Factur-X PDF).
 * Dev script only: the product never reads the test corpus.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { detectSyntax } from '../src/formats/registry.ts';

const CORPUS = path.resolve(import.meta.dirname, '../test/corpus');

function corpusFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(xml|pdf)$/i.test(e.name)) out.push(p);
    }
  };
  for (const d of ['valid', 'invalid']) walk(path.join(CORPUS, d));
  return out;
}

/** Repeat the invoice lines until the document reaches `size` bytes (still a well-formed UBL invoice). */
function inflateUbl(xml: string, size: number): Buffer {
  const start = xml.indexOf('<cac:InvoiceLine>');
  const end = xml.lastIndexOf('</cac:InvoiceLine>') + '</cac:InvoiceLine>'.length;
  const lines = xml.slice(start, end);
  const copies = Math.max(1, Math.ceil((size - xml.length) / lines.length));
  return Buffer.from(xml.slice(0, end) + lines.repeat(copies) + xml.slice(end));
}

async function rate(bytes: Buffer, minMs = 1500): Promise<number> {
  for (let i = 0; i < 300; i++) await detectSyntax(bytes); // warm-up (JIT)
  let n = 0;
  const t0 = performance.now();
  let elapsed: number;
  do {
    for (let i = 0; i < 10; i++) {
      const r = await detectSyntax(bytes);
      if (!r.ok) throw new Error(`bench input rejected: ${r.findings[0]?.code}`);
    }
    n += 10;
    elapsed = performance.now() - t0;
  } while (elapsed < minMs);
  return Math.round((n * 1000) / elapsed);
}

export async function benchDetect(): Promise<Record<string, number>> {
  const files = corpusFiles();
  const ubl = files
    .filter(
      (f) =>
        f.includes(`${path.sep}valid${path.sep}ubl${path.sep}`) &&
        readFileSync(f, 'utf8').includes('<cac:InvoiceLine>'),
    )
    .map((f) => ({ f, size: statSync(f).size }))
    .sort((a, b) => Math.abs(a.size - 10_000) - Math.abs(b.size - 10_000))[0];
  if (!ubl) throw new Error(`no UBL file in ${CORPUS}`);
  const ubl10k = readFileSync(ubl.f);
  const ubl1m = inflateUbl(ubl10k.toString('utf8'), 1_000_000);
  const bySize = files.map((f) => ({ f, size: statSync(f).size })).sort((a, b) => b.size - a.size);
  const biggest = bySize[0];
  const biggestXml = bySize.find((x) => x.f.endsWith('.xml'));
  const out: Record<string, number> = {};
  out[`detect UBL ${(ubl10k.length / 1024).toFixed(1)} KB /s`] = await rate(ubl10k);
  out[`detect UBL ${(ubl1m.length / 1048576).toFixed(1)} MB (lines repeated) /s`] = await rate(ubl1m);
  if (biggestXml) {
    out[`detect ${path.basename(biggestXml.f)} ${(biggestXml.size / 1024).toFixed(0)} KB /s`] = await rate(
      readFileSync(biggestXml.f),
    );
  }
  if (biggest && biggest !== biggestXml) {
    out[`detect ${path.basename(biggest.f)} ${(biggest.size / 1024).toFixed(0)} KB /s`] = await rate(
      readFileSync(biggest.f),
    );
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [k, v] of Object.entries(await benchDetect())) console.log(`${k.padEnd(70)} ${v}`);
}
