/**
 * Builds the JavaScript that the npm package runs (`npm pack` runs it through `prepack`): Node refuses type
 * stripping under node_modules, so an installed passerelle runs dist/, not src/. Compiles src/ with
 * tsconfig.build.json (relative `.ts` imports rewritten to `.js`), then copies every non-TypeScript file of
 * src/ (SQL migrations, schema manifests, …) to the same place under dist/, since the code loads them relative
 * to its own file.
 * Run: node scripts/build.ts
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const src = path.join(repo, 'src');
const dist = path.join(repo, 'dist');

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', path.join(repo, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) {
  console.error('build: tsc failed');
  process.exit(r.status ?? 1);
}

let assets = 0;
for (const e of readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!e.isFile() || e.name.endsWith('.ts')) continue;
  const from = path.join(e.parentPath, e.name);
  cpSync(from, path.join(dist, path.relative(src, from)));
  assets++;
}
console.log(`build: dist/ written (${assets} asset files copied from src/)`);
