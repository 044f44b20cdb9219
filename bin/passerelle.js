#!/usr/bin/env node
// In a checkout of the repository (src/ present) this runs the TypeScript sources with Node's type stripping
// (on by default from Node 22.18; on 22.12–22.17 the flag is added by re-running this script with it).
// Installed from the npm package there is no src/: Node refuses type stripping under node_modules, so the
// package ships the JavaScript built at pack time in dist/ (scripts/build.ts) and this runs that.
import '../scripts/check-node.js';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const sources = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const built = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const entry = existsSync(sources) ? sources : built;

if (entry === sources && !process.features.typescript) {
  const r = spawnSync(process.execPath, ['--experimental-strip-types', '--no-warnings', ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}
const { main } = await import(pathToFileURL(entry).href);
await main(process.argv);
