/**
 * The repository stands alone: no source, test, bench or script names the development folder beside the
 * checkout (`..` then `/shared`; a fresh clone has none). Only the provenance READMEs of test/corpus and
 * test/conformance may cite where their files came from.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

// Built so that this file does not name it itself.
const SHARED = ['..', 'shared'].join('/');
const ROOTS = ['src', 'test', 'bench', 'scripts'];
const ALLOWED = new Set(['test/corpus/README.md', 'test/conformance/README.md']);

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative('.', path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}

describe('a fresh clone stands alone', () => {
  it(`no file under ${ROOTS.join('/, ')}/ names ${SHARED}`, () => {
    const files = ROOTS.flatMap(filesUnder);
    expect(files.length).toBeGreaterThan(100);
    const offenders = files
      .filter((f) => !ALLOWED.has(f))
      .flatMap((f) =>
        readFileSync(f, 'latin1')
          .split('\n')
          .flatMap((line, i) => (line.includes(SHARED) ? [`${f}:${i + 1}: ${line.trim().slice(0, 120)}`] : [])),
      );
    expect(offenders).toEqual([]);
  });
});
