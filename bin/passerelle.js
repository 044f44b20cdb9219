#!/usr/bin/env node
// In a checkout of the repository (src/ present) this runs the TypeScript sources with Node's type stripping
// (on by default from Node 22.18; scripts/check-node.js stops older ones with a message).
// Installed from the npm package there is no src/: Node refuses type stripping under node_modules, so the
// package ships the JavaScript built at pack time in dist/ (scripts/build.ts) and this runs that.
import '../scripts/check-node.js';
import { existsSync } from 'node:fs';

const sources = new URL('../src/cli.ts', import.meta.url);
const built = new URL('../dist/cli.js', import.meta.url);
const { main } = await import((existsSync(sources) ? sources : built).href);
await main(process.argv);
