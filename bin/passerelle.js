#!/usr/bin/env node
// Runs the TypeScript sources directly with Node's type stripping (on by default from Node 22.18;
// on 22.12–22.17 the flag is added by re-running this script with it).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(`passerelle needs Node.js >= 22.12 (this is ${process.versions.node})`);
  process.exit(1);
}
if (!process.features.typescript) {
  const r = spawnSync(process.execPath, ['--experimental-strip-types', '--no-warnings', ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}
const { main } = await import(fileURLToPath(new URL('../src/cli.ts', import.meta.url)));
await main(process.argv);
