/**
 * `npm run conformance`: the differential test of Passerelle's rules (src/rules/) against the official
 * artefacts (test/conformance/, run with Saxon-HE in one JVM). Sources: the test corpus (test/corpus/),
 * the public test invoices (test/conformance/public/, plus var/conformance-public/ when
 * scripts/conformance/fetch-public.ts has fetched the rest), a synthetic EXTENDED base (rich-extended.ts, judged like
 * the corpus) and the mutants of scripts/conformance/mutate.ts, mutate-more.ts and mutate-facturx.ts.
 * Only documents that pass syntax detection and the product's XSD validation count. A document agrees when
 * both sides accept, or both reject with the same set of fatal rule ids. Exits non-zero on any disagreement
 * not listed in test/conformance/accepted-differences.tsv, and (with mutants) on any fatal rule of the CEN artefacts
 * that no mutant makes them fire and that test/conformance/unreachable-rules.tsv does not list. Known gaps
 * (test/conformance/known-gaps.tsv: rules Passerelle does not implement yet, or no mutant reaches yet) are printed
 * under their own heading and do not fail the run: a mutant disagreement whose every differing rule id is a known
 * gap, and a never-fired rule listed there. Listing a rule that is no longer a gap fails, as does a mutant agreement
 * under 99 %.
 *
 *   npm run conformance [-- --no-mutants] [--only corpus|public|mutants] [--verbose] [--propose-gaps]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isFatal } from '../../src/finding.ts';
import { ciiValidationSet } from '../../src/formats/cii.ts';
import { readInvoice } from '../../src/formats/read/index.ts';
import { detectSyntax } from '../../src/formats/registry.ts';
import type { DetectedFlow } from '../../src/formats/types.ts';
import { checkInvoice } from '../../src/rules/engine.ts';
import { facturxExtendedRules } from '../../src/rules/facturx/extended.ts';
import { facturxRuleSet } from '../../src/rules/sets.ts';
import { SchemaValidator } from '../../src/schemas/validator.ts';
import { auditUnreachable } from './audit-unreachable.ts';
import { facturxMutants } from './mutate-facturx.ts';
import { mutants } from './mutate.ts';
import { richExtended } from './rich-extended.ts';
import {
  EN16931_VERSION,
  FACTURX_VERSION,
  fatalRulesOf,
  oracleAvailable,
  startOracle,
  type ArtefactId,
} from './oracle.ts';

/** `synthetic`: a base built at run time for the mutants (rich-extended.ts), judged like the corpus (zero tolerance). */
type Source = 'corpus' | 'public' | 'synthetic' | 'mutants';

export interface Doc {
  source: Source;
  /** Display name (path relative to its source, or mutant name). */
  name: string;
  bytes: Buffer;
  /** For mutants: the rule the mutation aims at. */
  target?: string;
  /** A mutant of the XML of a Factur-X PDF: judged as the XML of a PDF (its validation set), not as a bare CII. */
  embedded?: boolean;
}

const args = process.argv.slice(2);
const only = args.includes('--only') ? (args[args.indexOf('--only') + 1] as Source) : undefined;
const verbose = args.includes('--verbose');
const withMutants = !args.includes('--no-mutants');
/** Print, for each never-fired profile rule whose every aimed mutant the XSD rejects, a line for unreachable-rules.tsv. */
const proposeUnreachable = args.includes('--propose-unreachable');
/** Print the lines of known-gaps.tsv that would make the current run pass (its disagreements and never-fired rules). */
const proposeGaps = args.includes('--propose-gaps');
/** The least share of mutants on which Passerelle and the artefacts must agree (known gaps included as disagreements). */
const MIN_MUTANT_AGREEMENT = 0.99;
const PROFILES = ['MINIMUM', 'BASICWL', 'BASIC', 'EN16931', 'EXTENDED'] as const;

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

/**
 * The artefacts that judge a document, as its validation set binds them (src/formats/cii.ts): a CII (bare or in a
 * PDF) with a Factur-X profile token by its profile artefact, and BASIC and up by the CEN CII artefact too; MINIMUM
 * and BASIC WL by their profile artefact only; a CII without a token by the CEN CII artefact.
 */
export function artefactsFor(flow: DetectedFlow): ArtefactId[] {
  switch (flow.syntax) {
    case 'ubl-invoice':
    case 'ubl-creditnote':
      return ['ubl'];
    case 'cii':
    case 'facturx-pdf': {
      const p = flow.profile;
      const bound = p !== undefined && flow.rules.includes(facturxRuleSet(p));
      if (bound && (p === 'MINIMUM' || p === 'BASICWL')) return [p];
      return bound ? ['cii', p] : ['cii'];
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

/** The rows of a tab-separated file of test/conformance/ (no comment nor blank line; none when it is absent). */
function readTsv(name: string): string[][] {
  const f = path.resolve('test/conformance', name);
  if (!fs.existsSync(f)) return [];
  return fs
    .readFileSync(f, 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('#') && line.trim() !== '')
    .map((line) => line.split('\t').map((c) => c.trim()));
}

function readAccepted(): Map<string, string> {
  const out = new Map<string, string>();
  for (const [doc, reason] of readTsv('accepted-differences.tsv')) if (doc && reason) out.set(doc, reason);
  return out;
}

/**
 * The fatal rules no XSD-valid mutant can make an artefact report, with the reason (test/conformance/
 * unreachable-rules.tsv: `<artefact>\t<rule id>\t<kind>\t<reason and evidence>`, artefact `cen` for the CEN
 * artefacts, else the Factur-X profile), keyed `<artefact>:<rule id>`.
 */
function readUnreachable(): Map<string, { kind: string; reason: string }> {
  const out = new Map<string, { kind: string; reason: string }>();
  for (const [artefact, id, kind, reason] of readTsv('unreachable-rules.tsv'))
    if (artefact && id && kind && reason) out.set(`${artefact}:${id}`, { kind, reason });
  return out;
}

/**
 * The known gaps, not done yet (test/conformance/known-gaps.tsv: `<artefact>\t<rule id>\t<reason>`, artefact `cen`
 * or a Factur-X profile as in unreachable-rules.tsv), keyed `<artefact>:<rule id>`.
 */
function readKnownGaps(): Map<string, string> {
  const out = new Map<string, string>();
  for (const [artefact, id, reason] of readTsv('known-gaps.tsv'))
    if (artefact && id && reason) out.set(`${artefact}:${id}`, reason);
  return out;
}

/** The artefact column of unreachable-rules.tsv and known-gaps.tsv: `cen` for the CEN UBL and CII artefacts. */
const gapArtefact = (a: ArtefactId) => (a === 'cii' || a === 'ubl' ? 'cen' : a);

/** A mutant's target: `<profile>:<id>` aims at a Factur-X profile artefact's rule, a bare id at the CEN artefacts'. */
function targetOf(target: string): { artefact: ArtefactId | undefined; id: string } {
  const at = target.indexOf(':');
  return at < 0
    ? { artefact: undefined, id: target }
    : { artefact: target.slice(0, at) as ArtefactId, id: target.slice(at + 1) };
}

/**
 * Coverage of each Factur-X profile artefact's own fatal rules (those the CEN artefacts do not have: FX-SCH-A-*,
 * BR-FXEXT-*, the CII-SR ids it numbers itself): fired by the profile artefact on a mutant, listed as unreachable
 * for that profile, or never fired (a failure). Prints one line per profile and returns the failures.
 */
function profileCoverage(
  cen: Set<string>,
  perRule: Map<string, { mutants: number; fired: number; agree: number }>,
  fired: Map<ArtefactId, Map<string, number>>,
  unreachable: Map<string, { kind: string; reason: string }>,
  excluded: Map<string, string[]>,
  gaps: Map<string, string>,
  neverFired: { gaps: Set<string>; others: Set<string> },
): string[] {
  const failures: string[] = [];
  console.log(
    '\nFactur-X profile artefacts, their own fatal rules: profile rules fired unreachable never-fired (mutants aimed, agree)',
  );
  for (const p of PROFILES) {
    const own = fatalRulesOf(p)
      .map((r) => r.id)
      .filter((id) => !cen.has(id));
    const f = fired.get(p) ?? new Map<string, number>();
    const never: string[] = [];
    let nFired = 0;
    let nUnreachable = 0;
    let aimed = 0;
    let agree = 0;
    for (const id of own) {
      const r = perRule.get(`${p}:${id}`);
      aimed += r?.mutants ?? 0;
      agree += r?.agree ?? 0;
      const listed = unreachable.get(`${p}:${id}`);
      if (f.has(id)) {
        nFired++;
        if (listed) failures.push(`${p} ${id} is listed as unreachable but a mutant fires it`);
      } else if (listed) nUnreachable++;
      else if (gaps.has(`${p}:${id}`)) neverFired.gaps.add(`${p}:${id}`);
      else {
        never.push(id);
        neverFired.others.add(`${p}:${id}`);
      }
    }
    for (const key of unreachable.keys())
      if (key.startsWith(`${p}:`) && !own.includes(key.slice(p.length + 1)))
        failures.push(`${key} is listed as unreachable but is no own fatal rule of the ${p} artefact`);
    console.log(
      `  ${p.padEnd(9)} ${String(own.length).padStart(5)} ${String(nFired).padStart(5)} ${String(nUnreachable).padStart(11)} ${String(never.length).padStart(11)}  (${aimed}, ${agree})${own.some((id) => neverFired.gaps.has(`${p}:${id}`)) ? ` — never fired, known gaps: ${own.filter((id) => neverFired.gaps.has(`${p}:${id}`)).length}` : ''}`,
    );
    if (never.length) {
      failures.push(
        `${p}: ${never.length} own fatal rules neither fired by a mutant nor listed as unreachable: ${never.join(' ')}`,
      );
      for (const id of never) {
        const why = excluded.get(`${p}:${id}`);
        if (verbose || proposeUnreachable)
          console.log(`    ${p} ${id}: ${why ? why.join(' | ') : 'no mutant: the edit applies to no base'}`);
        if (proposeUnreachable && why?.every((w) => / — (XSD|unbound)/.test(w)))
          console.log(
            `PROPOSE\t${p}\t${id}\t${why.every((w) => / — unbound/.test(w)) ? 'unbound' : 'xsd'}\t${why.join(' | ')}`,
          );
      }
    }
  }
  return failures;
}

/** An XSD message with the CII namespaces written as their usual prefixes. */
const shortNames = (s: string) =>
  s
    .replace(/\{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100\}/g, 'ram:')
    .replace(/\{urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100\}/g, 'udt:')
    .replace(/\{urn:un:unece:uncefact:data:standard:QualifiedDataType:100\}/g, 'qdt:')
    .replace(/\{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100\}/g, 'rsm:')
    .replace(/\s+/g, ' ');

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
  // The JVM compiles the artefacts and transforms each document as soon as it is prepared, while the next ones are.
  const oracle = startOracle();
  const judged: Judged[] = [];
  let seq = 0;

  async function judge(doc: Doc): Promise<Judged> {
    const j: Judged = { doc };
    const det = await detectSyntax(doc.bytes, { fileName: path.basename(doc.name) });
    if (!det.ok) return { ...j, excluded: `syntax: ${det.findings[0]?.code}` };
    let flow = det.flow;
    if (doc.embedded && flow.syntax === 'cii') {
      const guideline = /GuidelineSpecifiedDocumentContextParameter>\s*<[\w:]*ID>([^<]*)</.exec(
        flow.xml.toString('utf8'),
      )?.[1];
      const set = ciiValidationSet(guideline, false);
      flow = {
        ...flow,
        syntax: 'facturx-pdf',
        validation: { id: set.id, version: set.version },
        schemas: [...set.schemas],
        rules: set.rules,
        ...(set.profile ? { profile: set.profile } : {}),
      };
      if (!set.profile) delete flow.profile;
    }
    j.flow = flow;
    const aimed = doc.target ? targetOf(doc.target).artefact : undefined;
    // A mutant aimed at a profile artefact that no longer names that profile (its guideline ID edited) is no
    // document of that profile: the artefact is chosen from the guideline ID.
    if (aimed && !artefactsFor(flow).includes(aimed))
      return { ...j, excluded: `unbound: no longer a ${aimed} document (validation set ${flow.validation.id})` };
    j.artefacts = artefactsFor(flow);
    if (j.artefacts.length === 0) return { ...j, excluded: `no artefact for ${flow.syntax}` };
    for (const ref of flow.schemas) {
      const v = validator.validate(flow.xml, ref, doc.name);
      if (v.ok === 'missing-set') return { ...j, excluded: `schema set ${v.setId} missing` };
      if (v.ok === false)
        return { ...j, excluded: `XSD ${ref.set}: ${shortNames(v.findings[0]?.detail ?? '').slice(0, 240)}` };
    }
    const s = performance.now();
    const read = readInvoice(flow.xml, flow.syntax);
    const fatal = new Set<string>();
    for (const f of read.findings) if (isFatal(f)) fatal.add(f.code);
    for (const inv of read.invoices) for (const f of checkInvoice(inv, flow)) if (isFatal(f)) fatal.add(f.code);
    j.passerelle = { fatal: [...fatal].sort(), ms: performance.now() - s };
    j.file = path.join(tmp, `${++seq}.xml`);
    fs.writeFileSync(j.file, flow.xml);
    if (!only || doc.source === only || (only === 'mutants' && doc.source === 'synthetic'))
      oracle.submit(j.artefacts.map((artefact) => ({ artefact, file: j.file! })));
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
    // The synthetic EXTENDED base: the corpus' valid EXTENDED CII with the optional elements no base holds.
    const extended = judged.find(
      (j) =>
        j.doc.source === 'corpus' &&
        j.doc.name.startsWith('valid/') &&
        j.flow?.syntax === 'cii' &&
        j.flow.profile === 'EXTENDED' &&
        j.passerelle?.fatal.length === 0,
    );
    const rich = extended && richExtended(extended.flow!.xml.toString('utf8'));
    if (rich) {
      const name = extended.doc.name.replace(/^valid\//, '').replace(/\.xml$/, '+rich-extended.xml');
      judged.push(await judge({ source: 'synthetic', name, bytes: Buffer.from(rich) }));
    }
    // Bases of the Factur-X profile mutants: the corpus' and public set's invoices bound to a profile artefact that
    // Passerelle accepts (the run's agreement on them says the artefacts accept them too), and the synthetic base.
    const fxBases = judged.filter(
      (j) =>
        (j.doc.source === 'public' || j.doc.source === 'synthetic' || j.doc.name.startsWith('valid/')) &&
        j.passerelle?.fatal.length === 0 &&
        j.flow?.profile !== undefined &&
        j.flow.rules.includes(facturxRuleSet(j.flow.profile)),
    );
    for (const m of facturxMutants(
      fxBases.map((b) => ({
        name: `${b.doc.source}:${b.doc.name}`,
        flow: b.flow!,
        synthetic: b.doc.source === 'synthetic',
      })),
    )) {
      const doc: Doc = { source: 'mutants', name: m.name, bytes: m.xml, target: m.target, embedded: m.embedded };
      judged.push(await judge(doc));
      mutantCount++;
    }
  }
  let counted = judged.filter(
    (j) => j.file && (!only || j.doc.source === only || (only === 'mutants' && j.doc.source === 'synthetic')),
  );
  const tOracle = performance.now();
  const results = await oracle.finish();
  const oracleWall = performance.now() - tOracle;
  fs.rmSync(tmp, { recursive: true, force: true });

  const accepted = readAccepted();
  const gaps = readKnownGaps();
  /** Per known gap (`<artefact>:<rule id>`): the mutant disagreements it explains. */
  const gapDisagreements = new Map<string, number>();
  /** Fatal rules no mutant makes their artefact fire, known gaps or not (`<artefact>:<rule id>`). */
  const neverFired = { gaps: new Set<string>(), others: new Set<string>() };
  /** Disagreements to list in known-gaps.tsv with --propose-gaps: `<artefact>:<rule id>`. */
  const proposedGaps = new Set<string>();
  let gapOnly = 0;
  type Row = { docs: number; agree: number; disagree: number; accepted: number };
  const table = new Map<Source, Row>();
  const perRule = new Map<string, { mutants: number; fired: number; agree: number }>();
  const disagreements: string[] = [];
  const unlisted: string[] = [];
  const firedBy = { all: new Set<string>(), mutants: new Map<string, number>() };
  /** Per Factur-X profile artefact: the ids it fires on mutants (its own report, not merged with the CEN one). */
  const firedByProfile = new Map<ArtefactId, Map<string, number>>();
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
      const cen = a === 'cii' || a === 'ubl';
      for (const id of r.fatal) {
        if (cen) firedBy.all.add(id);
        if (j.doc.source !== 'mutants') continue;
        const m = cen ? firedBy.mutants : (firedByProfile.get(a) ?? new Map<string, number>());
        if (!cen) firedByProfile.set(a, m);
        m.set(id, (m.get(id) ?? 0) + 1);
      }
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
      const t = targetOf(j.doc.target);
      if (t.artefact ? results.get(`${t.artefact}\t${j.file}`)?.fatal.includes(t.id) : oracleFatal.has(t.id)) r.fired++;
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
    // A mutant disagreement whose every differing rule id is a known gap of one of the artefacts judging it.
    const gapOf = (id: string) =>
      j
        .artefacts!.filter((a) => !onlyO.includes(id) || results.get(`${a}\t${j.file}`)!.fatal.includes(id))
        .map((a) => `${gapArtefact(a)}:${id}`)
        .find((g) => gaps.has(g));
    const differing = [...onlyP, ...onlyO];
    const known = j.doc.source === 'mutants' && !accepted.has(key) ? differing.map(gapOf) : [];
    if (known.length && known.every((k) => k !== undefined)) {
      gapOnly++;
      for (const k of new Set(known)) gapDisagreements.set(k, (gapDisagreements.get(k) ?? 0) + 1);
      disagreements.push(`(known gap) ${line}`);
      continue;
    }
    if (proposeGaps && j.doc.source === 'mutants')
      for (const id of differing) {
        const a = j.artefacts!.find((x) => results.get(`${x}\t${j.file}`)?.fatal.includes(id)) ?? j.artefacts!.at(-1)!;
        proposedGaps.add(`${gapArtefact(a)}:${id}`);
      }
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
  /** Why the mutants aimed at a Factur-X profile rule were not counted (the evidence of its unreachability). */
  const fxExcluded = new Map<string, string[]>();
  for (const j of counted)
    if (j.doc.target && targetOf(j.doc.target).artefact) {
      const l = fxExcluded.get(j.doc.target) ?? [];
      l.push(`${j.doc.name.slice(j.doc.name.indexOf(' (') + 2, -1)} — counted, not fired`);
      fxExcluded.set(j.doc.target, l);
    }
  for (const j of excluded)
    if (j.doc.target && targetOf(j.doc.target).artefact) {
      const l = fxExcluded.get(j.doc.target) ?? [];
      l.push(
        `${j.doc.name.slice(j.doc.name.indexOf(' (') + 2, -1)} on ${j.doc.name.slice(0, j.doc.name.indexOf(' '))} — ${j.excluded}`,
      );
      fxExcluded.set(j.doc.target, l);
    }
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
    const ids = [...new Set([...declared, ...[...perRule.keys()].filter((t) => !targetOf(t).artefact)])].sort((a, b) =>
      a.localeCompare(b),
    );
    const state = { fired: 0, unreachable: 0, never: [] as string[] };
    for (const id of ids) {
      const r = perRule.get(id) ?? { mutants: 0, fired: 0, agree: 0 };
      const fired = firedBy.mutants.get(id) ?? 0;
      let st = '';
      if (declared.has(id)) {
        if (fired > 0) {
          st = 'fired';
          state.fired++;
          if (unreachable.has(`cen:${id}`))
            coverageFailures.push(`${id} is listed as unreachable but a mutant fires it`);
        } else if (unreachable.has(`cen:${id}`)) {
          st = `unreachable (${unreachable.get(`cen:${id}`)!.kind})`;
          state.unreachable++;
        } else if (gaps.has(`cen:${id}`)) {
          st = 'never fired: known gap';
          neverFired.gaps.add(`cen:${id}`);
        } else {
          st = 'NEVER';
          state.never.push(id);
          neverFired.others.add(`cen:${id}`);
        }
      }
      console.log(
        `  ${id.padEnd(14)} ${String(r.mutants).padStart(4)} ${String(fired).padStart(4)} ${String(r.agree).padStart(4)}  ${st}`,
      );
    }
    for (const key of unreachable.keys())
      if (key.startsWith('cen:') && !declared.has(key.slice(4)))
        coverageFailures.push(`${key.slice(4)} is listed as unreachable but is no fatal rule of the CEN artefacts`);
    if (state.never.length)
      coverageFailures.push(
        `${state.never.length} fatal rules neither fired by a mutant nor listed as unreachable: ${state.never.join(' ')}`,
      );
    console.log(
      `\nfatal rules of the CEN artefacts (${declared.size}): fired by a mutant ${state.fired}, unreachable ${state.unreachable} (test/conformance/unreachable-rules.tsv), never fired ${state.never.length}`,
    );
    for (const [key, u] of [...unreachable].sort(([a], [b]) => a.localeCompare(b))) {
      const id = key.slice(4);
      if (key.startsWith('cen:') && declared.has(id) && !firedBy.mutants.has(id))
        console.log(`  ${id.padEnd(14)} ${u.kind}: ${u.reason}`);
    }
    coverageFailures.push(
      ...profileCoverage(declared, perRule, firedByProfile, unreachable, fxExcluded, gaps, neverFired),
    );
    // An `xsd` line of a profile rule must be what the XSDs declare (its evidence may come from a mutant whose created
    // context was incomplete): audit-unreachable.ts.
    const audit = auditUnreachable();
    console.log(
      `unreachable-rules.tsv, xsd lines of the profile rules: ${audit.checked} assertions checked against the XSD declarations, ${audit.unsupported.length} unsupported`,
    );
    for (const l of audit.unsupported)
      coverageFailures.push(`unreachable-rules.tsv claims xsd, the XSD declarations do not support it: ${l}`);
  }
  const never = [...declared].filter((id) => !firedBy.all.has(id)).sort();
  console.log(
    `\nfatal rules of the CEN artefacts fired by at least one document: ${declared.size - never.length} of ${declared.size} (by a mutant: ${[...declared].filter((id) => firedBy.mutants.has(id)).length})`,
  );
  if (never.length) console.log(`  fired by no document: ${never.join(' ')}`);
  console.log(
    `\ntime per invoice: Passerelle ${(pMs / counted.length).toFixed(3)} ms (read + rules), Saxon ${(sMs / counted.length).toFixed(3)} ms (transform, warm JVM; ${(oracleWall / 1000).toFixed(1)} s more wall after the last document was prepared) — ${counted.length} documents, ${((performance.now() - t0) / 1000).toFixed(1)} s in all`,
  );
  if (disagreements.length) {
    console.log(`\ndisagreements (${disagreements.length}, ${unlisted.length} not in accepted-differences.tsv):`);
    for (const d of disagreements)
      console.log(`  ${accepted.has(d.slice(0, d.indexOf(' ['))) ? '(accepted) ' : ''}${d}`);
  }
  const mutantRow = table.get('mutants');
  if (mutantRow && mutantRow.agree < MIN_MUTANT_AGREEMENT * mutantRow.docs)
    coverageFailures.push(
      `agreement on mutants ${pct(mutantRow.agree, mutantRow.docs)} is under ${MIN_MUTANT_AGREEMENT * 100} % (known gaps count as disagreements)`,
    );
  if (gaps.size) {
    // Known gaps: what is not done yet, with what it costs in this run. An entry that explains nothing any more
    // (its rule agrees and is fired) fails the run, so that the list only shrinks as rules are implemented.
    console.log(
      `\nKNOWN GAPS (not done; test/conformance/known-gaps.tsv): ${gaps.size} rules, ${gapOnly} mutant disagreements due only to them, ${neverFired.gaps.size} rules never fired by a mutant`,
    );
    const byArtefact = new Map<string, number>();
    for (const g of gaps.keys())
      byArtefact.set(g.slice(0, g.indexOf(':')), (byArtefact.get(g.slice(0, g.indexOf(':'))) ?? 0) + 1);
    console.log(`  per artefact: ${[...byArtefact].map(([a, n]) => `${a} ${n}`).join(', ')}`);
    for (const [g, reason] of gaps) {
      const n = gapDisagreements.get(g) ?? 0;
      const what = [n ? `${n} disagreements` : '', neverFired.gaps.has(g) ? 'never fired' : ''].filter(Boolean);
      if (verbose || n) console.log(`  ${g.padEnd(28)} ${(what.join(', ') || '-').padEnd(28)} ${reason}`);
      if (mutantCount && !only && !n && !neverFired.gaps.has(g))
        coverageFailures.push(`${g} is listed in known-gaps.tsv but is no longer a gap: remove it`);
    }
    if (!verbose) console.log(`  (the never-fired ones: --verbose)`);
  }
  if (proposeGaps) {
    console.log('\nproposed known-gaps.tsv lines:');
    for (const g of [...proposedGaps].sort())
      console.log(`GAP\t${g.replace(':', '\t')}\tnot implemented yet: a mutant disagreement (issue 11)`);
    for (const g of [...neverFired.others].sort()) {
      if (proposedGaps.has(g)) continue;
      const why = fxExcluded.get(g);
      const id = g.slice(g.indexOf(':') + 1);
      const implemented = !id.startsWith('BR-FXEXT-') || facturxExtendedRules.some((r) => r.id === id);
      const reason = why
        ? `mutant built, ${why[0]!.replace(/\s+/g, ' ').slice(0, 140)}`
        : 'no base has the context: mutant not built yet';
      console.log(`GAP\t${g.replace(':', '\t')}\t${implemented ? '' : 'not implemented yet; '}${reason} (issue 11)`);
    }
  }
  if (artefactErrors) console.log(`\n${artefactErrors} documents the artefacts could not process (not counted)`);
  if (coverageFailures.length) {
    console.log('\nmutation coverage:');
    for (const f of coverageFailures) console.log(`  ${f}`);
  }
  return unlisted.length > 0 || coverageFailures.length > 0 ? 1 : 0;
}

process.exitCode = await main();
