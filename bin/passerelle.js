#!/usr/bin/env node
// In a checkout of the repository (src/ present) this runs the TypeScript sources with Node's type stripping
// (on by default from Node 22.18; scripts/check-node.js stops older ones with a message).
// Installed from the npm package there is no src/: Node refuses type stripping under node_modules, so the
// package ships the JavaScript built at pack time in dist/ (scripts/build.ts) and this runs that.
import '../scripts/check-node.js';

// The daemon on Linux (glibc): a freed buffer of a few Mo must go back to the system. glibc's dynamic mmap
// threshold rises to the size of the first large buffer freed, after which the 30 Mo of every large flow (the
// read file, the database's copy, the driver's message) stay in the process's heap once freed: ~100 Mo of RSS
// that lingers under the next stage's peak. A fixed threshold keeps such buffers mmapped (returned on free);
// it is read at process start, hence the process re-executes itself once (same PID) with it set.
if (
  process.platform === 'linux' &&
  process.argv.includes('start') &&
  process.env.MALLOC_MMAP_THRESHOLD_ === undefined &&
  typeof process.execve === 'function'
) {
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    ...process.env,
    MALLOC_MMAP_THRESHOLD_: String(1024 * 1024),
  });
}
import { existsSync } from 'node:fs';

const sources = new URL('../src/cli.ts', import.meta.url);
const built = new URL('../dist/cli.js', import.meta.url);
const { main } = await import((existsSync(sources) ? sources : built).href);
await main(process.argv);
