/** Every error code the code base can emit is documented (docs/*.md), so a partner can look it up. */
import { expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { EN16931_RULES } from '../src/rules/engine.ts';

function files(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p, ext) : p.endsWith(ext) ? [p] : [];
  });
}

it('documents every code declared in the sources', () => {
  const docs = files('docs', '.md')
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const declared = new Set<string>();
  for (const f of files('src', '.ts')) {
    for (const m of readFileSync(f, 'utf8').matchAll(
      /['"`]((?:REC|INC|FMT|XSD|SIG|CPP|CDV|ZIP)-[A-Z0-9][A-Z0-9-]*[A-Z0-9])['"`]/g,
    ))
      declared.add(m[1]!);
  }
  for (const r of EN16931_RULES) declared.add(r.id);
  expect(declared.size).toBeGreaterThan(100);
  const missing = [...declared].filter((code) => !docs.includes(code)).sort();
  expect(missing).toEqual([]);
});
