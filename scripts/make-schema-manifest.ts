/**
 * Dev script: writes src/schemas/manifests/<setId>.json (path, SHA-256, size of every file of a set)
 * from the reference copies in ../shared/corpus/xsd. Hashes only: no XSD is copied into the repo.
 * Run: node scripts/make-schema-manifest.ts [corpusXsdDir]
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const corpusXsd = path.resolve(process.argv[2] ?? path.join(repo, '../shared/corpus/xsd'));

/** Reference copy of each official set (the folder that is the set root). */
const REFERENCES: Record<string, string> = {
  'ubl-2.1': 'ubl-2.1',
  'cii-d16b': 'cii-d16b/uncoupled-clm',
  'facturx-1.0.9': 'facturx-1.0.9',
};

function walk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(dir, r));
    else if (e.isFile()) out.push(r);
  }
  return out;
}

for (const [setId, ref] of Object.entries(REFERENCES)) {
  const root = path.join(corpusXsd, ref);
  const files = walk(root)
    .sort()
    .map((p) => {
      const bytes = readFileSync(path.join(root, p));
      return { path: p, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
    });
  const out = path.join(repo, 'src/schemas/manifests', `${setId}.json`);
  writeFileSync(out, JSON.stringify(files, null, 2) + '\n');
  console.log(`${setId}: ${files.length} files -> ${path.relative(repo, out)}`);
}
