/**
 * `npm run conformance`: the differential test of Passerelle's rules (src/rules/) against the official
 * artefacts (test/conformance/, run with Saxon-HE in one JVM). Sources: the test corpus (test/corpus/),
 * the public test invoices (test/conformance/public/, plus var/conformance-public/ when
 * scripts/conformance/fetch-public.ts has fetched the rest) and the mutants of scripts/conformance/mutate.ts.
 * Only documents that pass syntax detection and the product's XSD validation count. A document agrees when
 * both sides accept, or both reject with the same set of fatal rule ids. Exits non-zero on any disagreement
 * not listed in test/conformance/accepted-differences.tsv, and (with mutants) on any fatal rule of the CEN artefacts
 * that no mutant makes them fire and that test/conformance/unreachable-rules.tsv does not list.
 *
 *   npm run conformance [-- --no-mutants] [--only corpus|public|mutants] [--verbose]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isFatal } from '../../src/finding.ts';
import { readInvoice } from '../../src/formats/read/index.ts';
import { detectSyntax } from '../../src/formats/registry.ts';
import type { DetectedFlow } from '../../src/formats/types.ts';
import { checkInvoice } from '../../src/rules/engine.ts';
import { SchemaValidator } from '../../src/schemas/validator.ts';
import { mutants } from './mutate.ts';
import {
  EN16931_VERSION,
  FACTURX_VERSION,
  fatalRulesOf,
  oracleAvailable,
  runOracle,
  type ArtefactId,
} from './oracle.ts';

type Source = 'corpus' | 'public' | 'mutants';

export interface Doc {
  source: Source;
  /** Display name (path relative to its source, or mutant name). */
  name: string;
  bytes: Buffer;
  /** For mutants: the rule the mutation aims at. */
  target?: string;
}

const args = process.argv.slice(2);
const only = args.includes('--only') ? (args[args.indexOf('--only') + 1] as Source) : undefined;
const verbose = args.includes('--verbose');
const withMutants = !args.includes('--no-mutants');

function walk(dir: string, exts: RegExp): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p, exts));
    else if (exts.test(e.name)) out.push(p);
  }
  return out.sort();
}

function fileDocs(source: Source, root: string, sub: string[] = ['']): Doc[] {
  return sub.flatMap((s) =>
    walk(path.join(root, s), /\.(xml|pdf)$/i).map((f) => ({
      source,
      name: path.relative(root, f),
      bytes: fs.readFileSync(f),
    })),
  );
}

/** The artefacts that judge a document: MINIMUM / BASIC WL by their profile artefact, the others by EN 16931 (+ profile for Factur-X PDFs). */
export function artefactsFor(flow: DetectedFlow): ArtefactId[] {
  switch (flow.syntax) {
    case 'ubl-invoice':
    case 'ubl-creditnote':
      return ['ubl'];
    case 'cii':
    case 'facturx-pdf': {
      const p = flow.profile;
      if (p === 'MINIMUM' || p === 'BASICWL') return [p];
      if (flow.syntax === 'facturx-pdf' && p) return ['cii', p];
      return ['cii'];
    }
    default:
      return [];
  }
}

interface Judged {
  doc: Doc;
  flow?: DetectedFlow;
  excluded?: string;
  passerelle?: { fatal: string[]; ms: number };
  artefacts?: ArtefactId[];
  file?: string;
}

function readAccepted(): Map<string, string> {
  const f = path.resolve('test/conformance/accepted-differences.tsv');
  const out = new Map<string, string>();
  if (!fs.existsSync(f)) return out;
  for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const [doc, reason] = line.split('\t');
    if (doc && reason) out.set(doc, reason);
  }
  return out;
}

/**
 * The fatal rules no XSD-valid mutant can make the artefacts report, with the reason (test/conformance/
 * unreachable-rules.tsv: `<rule id>\t<kind>\t<reason and evidence>`).
 */
function readUnreachable(): Map<string, { kind: string; reason: string }> {
  const f = path.resolve('test/conformance/unreachable-rules.tsv');
  const out = new Map<string, { kind: string; reason: string }>();
  if (!fs.existsSync(f)) return out;
  for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const [id, kind, reason] = line.split('\t');
    if (id && kind && reason) out.set(id.trim(), { kind: kind.trim(), reason: reason.trim() });
  }
  return out;
}

const pct = (a: number, n: number) => (n === 0 ? '-' : `${((100 * a) / n).toFixed(1)} %`);

async function main(): Promise<number> {
  const missing = oracleAvailable();
  if (missing) {
    console.error(`conformance: ${missing}`);
    return 2;
  }
  const t0 = performance.now();
  const docs: Doc[] = [];
  // The corpus is read for --only mutants too: its valid invoices are the mutants' bases.
  if (!only || only === 'corpus' || only === 'mutants')
    docs.push(...fileDocs('corpus', path.resolve('test/corpus'), ['valid', 'invalid']));
  if (!only || only === 'public') {
    docs.push(...fileDocs('public', path.resolve('test/conformance/public')));
    const fetched = fileDocs('public', path.resolve('var/conformance-public'));
    const seen = new Set(docs.filter((d) => d.source === 'public').map((d) => d.bytes.toString('base64')));
    docs.push(...fetched.filter((d) => !seen.has(d.bytes.toString('base64'))));
  }
  const validator = new SchemaValidator(path.resolve('var/conformance-schemas'), true);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-conformance-'));
  const judged: Judged[] = [];
  let seq = 0;

  async function judge(doc: Doc): Promise<Judged> {
    const j: Judged = { doc };
    const det = await detectSyntax(doc.bytes, { fileName: path.basename(doc.name) });
    if (!det.ok) return { ...j, excluded: `syntax: ${det.findings[0]?.code}` };
    const flow = det.flow;
    j.flow = flow;
    j.artefacts = artefactsFor(flow);
    if (j.artefacts.length === 0) return { ...j, excluded: `no artefact for ${flow.syntax}` };
    for (const ref of flow.schemas) {
      const v = validator.validate(flow.xml, ref, doc.name);
      if (v.ok === 'missing-set') return { ...j, excluded: `schema set ${v.setId} missing` };
      if (v.ok === false) return { ...j, excluded: `XSD ${ref.set}: ${v.findings[0]?.detail?.slice(0, 80)}` };
    }
    const s = performance.now();
    const read = readInvoice(flow.xml, flow.syntax);
    const fatal = new Set<string>();
    for (const f of read.findings) if (isFatal(f)) fatal.add(f.code);
    for (const inv of read.invoices)
      for (const f of checkInvoice(inv, flow))
        if (isFatal(f)) fatal.add(f.code);
    j.passerelle = { fatal: [...fatal].sort(), ms: performance.now() - s };
    j.file = path.join(tmp, `${++seq}.xml`);
    fs.writeFileSync(j.file, flow.xml);
    return j;
  }

  for (const d of docs) judged.push(await judge(d));
  let mutantCount = 0;
  if (withMutants && (!only || only === 'mutants')) {
    // Bases: the corpus' valid UBL and EN 16931 CII invoices that both sides accept.
    const bases = judged.filter(
      (j) =>
        j.doc.source === 'corpus' && j.passerelle && j.passerelle.fatal.length === 0 && j.doc.name.startsWith('valid/'),
    );
    for (const m of mutants(bases.map((b) => ({ name: b.doc.name, flow: b.flow! })))) {
      judged.push(await judge({ source: 'mutants', name: m.name, bytes: m.xml, target: m.target }));
      mutantCount++;
    }
  }
  let counted = judged.filter((j) => j.file && (!only || j.doc.source === only));
  const jobs = counted.flatMap((j) => j.artefacts!.map((artefact) => ({ artefact, file: j.file! })));
  const tOracle = performance.now();
  const results = await runOracle(jobs);
  const oracleWall = performance.now() - tOracle;
  fs.rmSync(tmp, { recursive: true, force: true });

  const accepted = readAccepted();
  type Row = { docs: number; agree: number; disagree: number; accepted: number };
  const table = new Map<Source, Row>();
  const perRule = new Map<string, { mutants: number; fired: number; agree: number }>();
  const disagreements: string[] = [];
  const unlisted: string[] = [];
  const firedBy = { all: new Set<string>(), mutants: new Map<string, number>() };
  let pMs = 0;
  let sMs = 0;
  let artefactErrors = 0;
  for (const j of counted) {
    const oracleFatal = new Set<string>();
    let ms = 0;
    // A document an artefact cannot process (an XPath error on repeated elements) has no verdict to compare.
    const failed = j.artefacts!.map((a) => results.get(`${a}\t${j.file}`)!).find((r) => r.error);
    if (failed) {
      j.excluded = `artefact error: ${failed.error}`;
      artefactErrors++;
      continue;
    }
    for (const a of j.artefacts!) {
      const r = results.get(`${a}\t${j.file}`)!;
      r.fatal.forEach((id) => oracleFatal.add(id));
      ms += r.ms;
    }
    for (const id of oracleFatal) {
      firedBy.all.add(id);
      if (j.doc.source === 'mutants') firedBy.mutants.set(id, (firedBy.mutants.get(id) ?? 0) + 1);
    }
    const o = [...oracleFatal].sort();
    const p = j.passerelle!.fatal;
    pMs += j.passerelle!.ms;
    sMs += ms;
    const agree = o.length === p.length && o.every((id, i) => id === p[i]);
    const row = table.get(j.doc.source) ?? { docs: 0, agree: 0, disagree: 0, accepted: 0 };
    table.set(j.doc.source, row);
    row.docs++;
    if (j.doc.target) {
      const r = perRule.get(j.doc.target) ?? { mutants: 0, fired: 0, agree: 0 };
      perRule.set(j.doc.target, r);
      r.mutants++;
      if (oracleFatal.has(j.doc.target)) r.fired++;
      if (agree) r.agree++;
    }
    if (agree) {
      row.agree++;
      continue;
    }
    row.disagree++;
    const key = `${j.doc.source}:${j.doc.name}`;
    const onlyP = p.filter((id) => !oracleFatal.has(id));
    const onlyO = o.filter((id) => !p.includes(id));
    const line = `${key} [${j.flow!.syntax}${j.flow!.profile ? ' ' + j.flow!.profile : ''}] only Passerelle: ${onlyP.join(',') || '-'}; only artefacts: ${onlyO.join(',') || '-'}`;
    disagreements.push(line);
    if (accepted.has(key)) row.accepted++;
    else unlisted.push(line);
  }

  console.log(
    `EN 16931 conformance: Passerelle rules vs CEN artefacts ${EN16931_VERSION} and Factur-X ${FACTURX_VERSION} (Saxon-HE)\n`,
  );
  console.log('source    documents  agree  disagree  accepted  agreement');
  let total: Row = { docs: 0, agree: 0, disagree: 0, accepted: 0 };
  for (const [src, r] of table) {
    console.log(
      `${src.padEnd(9)} ${String(r.docs).padStart(9)} ${String(r.agree).padStart(6)} ${String(r.disagree).padStart(9)} ${String(r.accepted).padStart(9)}  ${pct(r.agree, r.docs).padStart(9)}`,
    );
    total = {
      docs: total.docs + r.docs,
      agree: total.agree + r.agree,
      disagree: total.disagree + r.disagree,
      accepted: total.accepted + r.accepted,
    };
  }
  console.log(
    `${'total'.padEnd(9)} ${String(total.docs).padStart(9)} ${String(total.agree).padStart(6)} ${String(total.disagree).padStart(9)} ${String(total.accepted).padStart(9)}  ${pct(total.agree, total.docs).padStart(9)}`,
  );
  counted = counted.filter((j) => !j.excluded);
  const excluded = judged.filter((j) => j.excluded);
  const reasons = new Map<string, number>();
  for (const j of excluded) {
    const r = `${j.doc.source}: ${j.excluded!.replace(/:.*/, '')}`;
    reasons.set(r, (reasons.get(r) ?? 0) + 1);
  }
  console.log(`\nnot counted (not an invoice the artefacts judge, or not XSD-valid): ${excluded.length}`);
  for (const [r, n] of [...reasons].sort()) console.log(`  ${r}: ${n}`);
  if (verbose) for (const j of excluded) console.log(`    ${j.doc.source}:${j.doc.name} — ${j.excluded}`);
  const declared = new Set([...fatalRulesOf('ubl'), ...fatalRulesOf('cii')].map((r) => r.id));
  const unreachable = readUnreachable();
  const coverageFailures: string[] = [];
  if (mutantCount) {
    // Every fatal rule of the CEN artefacts: mutants aimed at it, mutants on which the artefacts fire it (whatever
    // their aim), agreement on the aimed ones, and its state: fired by a mutant, unreachable (listed, with the
    // reason, in unreachable-rules.tsv) or NEVER (a gap of the generator: the run fails).
    console.log(
      `\nmutations per rule (${mutantCount} generated, ${perRule.size} rules aimed at): rule aimed fired-by-artefact agree state`,
    );
    const ids = [...new Set([...declared, ...perRule.keys()])].sort((a, b) => a.localeCompare(b));
    const state = { fired: 0, unreachable: 0, never: [] as string[] };
    for (const id of ids) {
      const r = perRule.get(id) ?? { mutants: 0, fired: 0, agree: 0 };
      const fired = firedBy.mutants.get(id) ?? 0;
      let st = '';
      if (declared.has(id)) {
        if (fired > 0) {
          st = 'fired';
          state.fired++;
          if (unreachable.has(id)) coverageFailures.push(`${id} is listed as unreachable but a mutant fires it`);
        } else if (unreachable.has(id)) {
          st = `unreachable (${unreachable.get(id)!.kind})`;
          state.unreachable++;
        } else {
          st = 'NEVER';
          state.never.push(id);
        }
      }
      console.log(
        `  ${id.padEnd(14)} ${String(r.mutants).padStart(4)} ${String(fired).padStart(4)} ${String(r.agree).padStart(4)}  ${st}`,
      );
    }
    for (const id of unreachable.keys())
      if (!declared.has(id))
        coverageFailures.push(`${id} is listed as unreachable but is no fatal rule of the artefacts`);
    if (state.never.length)
      coverageFailures.push(
        `${state.never.length} fatal rules neither fired by a mutant nor listed as unreachable: ${state.never.join(' ')}`,
      );
    console.log(
      `\nfatal rules of the CEN artefacts (${declared.size}): fired by a mutant ${state.fired}, unreachable ${state.unreachable} (test/conformance/unreachable-rules.tsv), never fired ${state.never.length}`,
    );
    for (const [id, u] of [...unreachable].sort(([a], [b]) => a.localeCompare(b)))
      if (declared.has(id) && !firedBy.mutants.has(id)) console.log(`  ${id.padEnd(14)} ${u.kind}: ${u.reason}`);
  }
  const never = [...declared].filter((id) => !firedBy.all.has(id)).sort();
  console.log(
    `\nfatal rules of the CEN artefacts fired by at least one document: ${declared.size - never.length} of ${declared.size} (by a mutant: ${[...declared].filter((id) => firedBy.mutants.has(id)).length})`,
  );
  if (never.length) console.log(`  fired by no document: ${never.join(' ')}`);
  console.log(
    `\ntime per invoice: Passerelle ${(pMs / counted.length).toFixed(3)} ms (read + rules), Saxon ${(sMs / counted.length).toFixed(3)} ms (transform, warm JVM; ${(oracleWall / 1000).toFixed(1)} s wall with compilation) — ${counted.length} documents, ${((performance.now() - t0) / 1000).toFixed(1)} s in all`,
  );
  if (disagreements.length) {
    console.log(`\ndisagreements (${disagreements.length}, ${unlisted.length} not in accepted-differences.tsv):`);
    for (const d of disagreements)
      console.log(`  ${accepted.has(d.slice(0, d.indexOf(' ['))) ? '(accepted) ' : ''}${d}`);
  }
  if (artefactErrors) console.log(`\n${artefactErrors} documents the artefacts could not process (not counted)`);
  if (coverageFailures.length) {
    console.log('\nmutation coverage:');
    for (const f of coverageFailures) console.log(`  ${f}`);
  }
  return unlisted.length > 0 || coverageFailures.length > 0 ? 1 : 0;
}

process.exitCode = await main();
