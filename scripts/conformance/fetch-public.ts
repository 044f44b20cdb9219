/**
 * Gathers public test invoices for `npm run conformance` (dev only; needs git and the network, or local mirrors).
 * Each source is a public repository at a fixed commit; its invoice files (XML, and PDF for Factur-X) are copied to
 * var/conformance-public/ (not committed). With --commit, the files whose licence allows redistribution and that are
 * small go to test/conformance/public/ (what CI checks), with their provenance in its README.md.
 *
 *   node scripts/conformance/fetch-public.ts [--mirrors DIR] [--commit]
 *
 * --mirrors DIR: bare mirrors as DIR/<owner>+<name>/repo (else each repository is cloned bare into var/).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

interface Source {
  repo: string;
  commit: string;
  licence: string;
  /** Redistributable with attribution (the licence allows it). */
  redistribute: boolean;
  include: RegExp;
  exclude?: RegExp;
}

export const SOURCES: Source[] = [
  {
    repo: 'ConnectingEurope/eInvoicing-EN16931',
    commit: 'b6c9e06a59812fb1a83585da40923b3678a649ad',
    licence: 'EUPL-1.2',
    redistribute: true,
    include: /^(ubl\/examples|cii\/examples|test\/testfiles)\/[^/]+\.xml$/,
  },
  {
    repo: 'itplr-kosit/xrechnung-testsuite',
    commit: '5528afafa9968eb67840da3ced0caf15f8d90a7a',
    licence: 'Apache-2.0',
    redistribute: true,
    include: /^src\/test\/(business-cases|technical-cases)\/.+\.xml$/,
  },
  {
    repo: 'ZUGFeRD/corpus',
    commit: '47b61beb29b7de98c3c91cdb3657415c0ede783b',
    licence: 'Apache-2.0',
    redistribute: true,
    include: /^(XML-Rechnung\/(UBL|CII|FX)\/.+\.xml|ZUGFeRDv2\/(correct|fail)\/.+\.(pdf|xml))$/i,
  },
  {
    repo: 'ZUGFeRD/mustangproject',
    commit: '096db40a9806b0b5202028509dff3563efe7fc8c',
    licence: 'Apache-2.0',
    redistribute: true,
    include: /^(library|validator)\/src\/test\/resources\/.+\.(xml|pdf)$/i,
    exclude: /\/(xslt|schematron|stylesheets|migration)\//,
  },
  {
    repo: 'OpenPEPPOL/peppol-bis-invoice-3',
    commit: '78d7f7dfa223f39f8ebd8d35c127f2690e646322',
    // No licence file in the repository: fetched for local runs, never committed.
    licence: 'none stated',
    redistribute: false,
    include: /^rules\/examples\/.+\.xml$/,
  },
];

/** Committed files stay small: the committed set is a few MB in all. */
const MAX_COMMITTED_BYTES = 40 * 1024;

function git(dir: string, args: string[]): Buffer {
  return execFileSync('git', ['--git-dir', dir, ...args], { maxBuffer: 256 * 1024 * 1024 });
}

function mirrorOf(s: Source, mirrors: string | undefined): string {
  if (mirrors) return path.join(mirrors, s.repo.replace('/', '+'), 'repo');
  const dir = path.resolve('var/conformance-mirrors', s.repo.replace('/', '+'));
  if (!fs.existsSync(dir))
    execFileSync('git', ['clone', '--bare', '--filter=blob:none', `https://github.com/${s.repo}.git`, dir], {
      stdio: 'inherit',
    });
  return dir;
}

/** An invoice the conformance run can judge: UBL Invoice/CreditNote, CII, or a PDF. */
function looksLikeInvoice(name: string, bytes: Buffer): boolean {
  if (/\.pdf$/i.test(name)) return bytes.subarray(0, 5).toString('latin1') === '%PDF-';
  const head = bytes.subarray(0, 4096).toString('utf8');
  return /<([\w-]+:)?(Invoice|CreditNote|CrossIndustryInvoice)[\s>]/.test(head) && !/<testSet/.test(head);
}

function main(): void {
  const args = process.argv.slice(2);
  const mirrors = args.includes('--mirrors') ? args[args.indexOf('--mirrors') + 1] : undefined;
  const commit = args.includes('--commit');
  const outAll = path.resolve('var/conformance-public');
  const outCommitted = path.resolve('test/conformance/public');
  const rows: string[] = [];
  for (const s of SOURCES) {
    const dir = mirrorOf(s, mirrors);
    const files = git(dir, ['ls-tree', '-r', '--name-only', s.commit])
      .toString('utf8')
      .split('\n')
      .filter((f) => s.include.test(f) && !(s.exclude?.test(f) ?? false));
    let n = 0;
    let kept = 0;
    for (const f of files) {
      const bytes = git(dir, ['show', `${s.commit}:${f}`]);
      if (!looksLikeInvoice(f, bytes)) continue;
      n++;
      const rel = path.join(s.repo.replace('/', '+'), f);
      fs.mkdirSync(path.dirname(path.join(outAll, rel)), { recursive: true });
      fs.writeFileSync(path.join(outAll, rel), bytes);
      if (commit && s.redistribute && bytes.length <= MAX_COMMITTED_BYTES) {
        fs.mkdirSync(path.dirname(path.join(outCommitted, rel)), { recursive: true });
        fs.writeFileSync(path.join(outCommitted, rel), bytes);
        kept++;
      }
    }
    rows.push(
      `| ${s.repo} | \`${s.commit}\` | \`${s.include.source.replace(/\|/g, '\\|')}\` | ${s.licence} | ${n} | ${commit ? kept : '-'} |`,
    );
    console.log(`${s.repo}: ${n} invoices fetched${commit ? `, ${kept} committed` : ''}`);
  }
  if (commit) {
    fs.writeFileSync(
      path.join(outCommitted, 'README.md'),
      `# Public test invoices (conformance run)

Gathered by \`node scripts/conformance/fetch-public.ts --commit\` from public repositories at fixed commits; each
file keeps its repository's path under \`<owner>+<name>/\`. Only files whose licence allows redistribution and of at
most ${MAX_COMMITTED_BYTES / 1024} KB are committed here (what CI checks); the script fetches the rest into
\`var/conformance-public/\` for local runs. The files are unchanged and remain under their authors' licences
(EUPL-1.2 for the CEN examples, Apache-2.0 for the KoSIT test suite, the ZUGFeRD corpus and Mustang's samples).

| repository | commit | paths | licence | invoices | committed |
| --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`,
    );
  }
}

main();
