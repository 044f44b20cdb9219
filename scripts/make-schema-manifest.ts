/**
 * Dev script: writes src/schemas/manifests/<setId>.json (path, SHA-256, size of every file of a set)
 * from the copies shipped in xsd/official/ (provenance in xsd/official/README.md). An operator's install
 * of a set is checked against these manifests.
 * Run: node scripts/make-schema-manifest.ts [officialXsdDir]
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const officialXsd = path.resolve(process.argv[2] ?? path.join(repo, 'xsd/official'));

const SETS = ['ubl-2.1', 'cii-d16b', 'facturx-1.0.9', 'cii-d22b', 'cdar-d22b'];

function walk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(dir, r));
    else if (e.isFile()) out.push(r);
  }
  return out;
}

for (const setId of SETS) {
  const root = path.join(officialXsd, setId);
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
