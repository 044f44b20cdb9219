/**
 * Writes the rules tables of docs/en16931-rules.md from the artefacts and the engine: every fatal rule of the CEN
 * EN 16931 artefacts (UBL and CII) with its state in Passerelle, and the Factur-X code-list assertions per profile.
 *
 *   node scripts/conformance/rules-doc.ts && npx prettier --write docs/en16931-rules.md
 */
import fs from 'node:fs';
import path from 'node:path';
import { EN16931_RULES, RULES_CONFORMANCE } from '../../src/rules/engine.ts';
import { FX_CHECKS, FX_STRUCTURE } from '../../src/rules/facturx/codelists.ts';
import { facturxExtendedRules } from '../../src/rules/facturx/extended.ts';
import type { FacturXProfile } from '../../src/formats/types.ts';
import { fatalRulesOf } from './oracle.ts';

const DOC = path.resolve('docs/en16931-rules.md');
const START = '## Fatal rules of the CEN artefacts';
const END = '## Code lists';

/**
 * The fatal rules no XSD-valid document can make the artefacts report (test/conformance/unreachable-rules.tsv, the
 * list the conformance run checks its mutation coverage against): kind and reason.
 */
const LISTED = fs
  .readFileSync(path.resolve('test/conformance/unreachable-rules.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '' && !l.startsWith('#'))
  .map((l) => l.split('\t'))
  .map(([artefact, id, kind, reason]) => ({ artefact: artefact!, id: id!, kind: kind!, reason: reason! }));
const UNREACHABLE = new Map(LISTED.filter((u) => u.artefact === 'cen').map((u) => [u.id, u] as const));
/** Kinds of unreachable rules with nothing to implement: the assertion cannot fail, or no element reaches it. */
const NOTHING_TO_DO = new Set(['never-fails', 'shadowed']);
const KIND_TEXT: Record<string, string> = {
  'never-fails': 'the assertion cannot fail in this version',
  shadowed: 'never reached: a higher-priority rule of the same pattern takes its context',
  xsd: 'unreachable on an XSD-valid document (the XSD forbids it)',
  unbound: 'only an edit of the guideline ID fails it, and the document is then no longer of the profile',
  'artefact-error': 'the artefact cannot report it (another of its assertions raises an XPath error first)',
};

const ubl = new Map(fatalRulesOf('ubl').map((r) => [r.id, r.text]));
const cii = new Map(fatalRulesOf('cii').map((r) => [r.id, r.text]));
const ids = [...new Set([...ubl.keys(), ...cii.keys()])].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
const rules = new Map(EN16931_RULES.map((r) => [r.id, r]));
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
let implemented = 0;
const rows = ids.map((id) => {
  const r = rules.get(id);
  let state: string;
  const u = UNREACHABLE.get(id);
  if (r) {
    state = `implemented; ${u ? KIND_TEXT[u.kind]! : 'fired by a mutant'}`;
    implemented++;
  } else if (u && NOTHING_TO_DO.has(u.kind)) state = `nothing to implement (${KIND_TEXT[u.kind]!})`;
  else state = '**not implemented**';
  const text = (ubl.get(id) ?? cii.get(id) ?? '').replace(/^\[[^\]]+\]-?/, '');
  return `| ${id} | ${ubl.has(id) ? 'fatal' : '-'} | ${cii.has(id) ? 'fatal' : '-'} | ${state} | ${cell(r?.labelFr ?? text)} |`;
});

const fx = Object.entries(FX_CHECKS)
  .map(([p, checks]) => `| ${p} | ${checks.length} | ${new Set(checks.map(([id]) => id)).size} |`)
  .join('\n');

// Every FX-SCH-A id the engine can emit, grouped by what it checks (a partner looks an id up here).
const byLabel = new Map<string, Set<string>>();
for (const r of EN16931_RULES.filter((x) => x.id.startsWith('FX-SCH-'))) {
  const label = r.labelFr.replace(` (${r.id})`, '');
  if (!byLabel.has(label)) byLabel.set(label, new Set());
  byLabel.get(label)!.add(r.id);
}
const fxIds = [...byLabel]
  .sort(([a], [b]) => a.localeCompare(b, 'fr'))
  .map(([label, set]) => `- ${label}: ${[...set].sort().join(', ')}`)
  .join('\n');

// The Factur-X profile artefacts' own fatal rules (not in the CEN artefacts), per profile: implemented by Passerelle
// (the generated tables, or a rule of its own), listed as unreachable, and the rest, which mutants fire.
const cenIds = new Set(ids);
/** The EXTENDED artefact's own business rules Passerelle implements (src/rules/facturx/extended.ts). */
const fxExtended = facturxExtendedRules.map((r) => `| ${r.id} | ${r.labelFr} | ${r.labelEn} |`).join('\n');

const fxCoverage = (['MINIMUM', 'BASICWL', 'BASIC', 'EN16931', 'EXTENDED'] as FacturXProfile[])
  .map((p) => {
    const own = fatalRulesOf(p)
      .map((r) => r.id)
      .filter((id) => !cenIds.has(id));
    const tables = new Set([...FX_CHECKS[p], ...FX_STRUCTURE[p]].map(([id]) => id));
    const impl = own.filter((id) => tables.has(id) || (!id.startsWith('FX-SCH-') && rules.has(id))).length;
    const unreachable = LISTED.filter((u) => u.artefact === p);
    const kinds = [...new Set(unreachable.map((u) => u.kind))]
      .map((k) => `${k} ${unreachable.filter((u) => u.kind === k).length}`)
      .join(', ');
    return `| ${p} | ${own.length} | ${impl} | ${unreachable.length}${kinds ? ` (${kinds})` : ''} | ${own.length - unreachable.length} |`;
  })
  .join('\n');

const section = `${START} ${RULES_CONFORMANCE.en16931} (${ids.length} ids)

Every assertion flagged \`fatal\` in \`test/conformance/en16931-${RULES_CONFORMANCE.en16931}/\` (UBL and CII), generated by
\`node scripts/conformance/rules-doc.ts\`: ${implemented} implemented, ${[...UNREACHABLE.values()].filter((u) => NOTHING_TO_DO.has(u.kind)).length} that cannot fail in this version.
"fired by a mutant": \`npm run conformance\` generates at least one XSD-valid mutant on which the artefact reports the
rule (and Passerelle agrees); the run fails otherwise, unless the rule is listed, with its reason and evidence, in
\`test/conformance/unreachable-rules.tsv\` (${UNREACHABLE.size} rules: the XSD forbids what they look for, the assertion
cannot fail, no element reaches it, or another assertion of the artefact raises an XPath error on every document that
would fail it).
The label is Passerelle's (French) where implemented, the artefact's message otherwise. A rule fatal in one syntax only
is applied to that syntax only; how each is checked (context, presence or emptiness, rounding, arithmetic) follows the
artefact of the syntax, and \`npm run conformance\` holds them to it.

| rule | UBL | CII | Passerelle | label |
| --- | --- | --- | --- | --- |
${rows.join('\n')}

Also applied: the Factur-X ${RULES_CONFORMANCE.facturx} profile artefacts' CII-SR-463 to CII-SR-473 (fatal there; CII-SR-465
and CII-SR-466 are warnings in the CEN artefacts) to a CII of the BASIC WL to EXTENDED profiles, bare or in a PDF, and
the EXTENDED artefact's BR-CO-25 (dropped from the CEN artefacts in 1.3.16) to a CII of the EXTENDED profile.

## Factur-X ${RULES_CONFORMANCE.facturx} code lists (FX-SCH-A ids)

\`src/rules/facturx/codelists.ts\` is generated from the profile artefacts (\`node scripts/conformance/gen-facturx.ts\`):
each code-list assertion (guideline ID, scheme identifiers, unit, currency, country and category codes, date formats…)
and each structure assertion ("element must occur at most / exactly once", a required attribute) with its id, which the
artefacts number per profile. They bind every CII whose guideline ID names a Factur-X profile, bare or in a PDF (most
structure assertions repeat what the profile XSD checks in the SCHEMA stage).

| profile | assertions | ids |
| --- | --- | --- |
${fx}

Mutation coverage of each profile artefact's own fatal rules (the ids the CEN artefacts do not have: FX-SCH-A-\\*,
BR-FXEXT-\\*, the CII-SR ids a profile numbers itself, BR-CO-25 in EXTENDED). \`npm run conformance\` builds, from the
artefact's assertion tables, one mutant per assertion on a base of the profile (the corpus' and public set's CII XML of
that profile, and for EXTENDED a synthetic base holding the optional elements no real base has,
\`scripts/conformance/rich-extended.ts\`) and fails when a rule is neither fired by the profile artefact on a counted
(XSD-valid) mutant nor listed in \`test/conformance/unreachable-rules.tsv\` for that profile (mostly kind \`xsd\`: the
profile XSD, or CII D16B, already enforces the cardinality or presence the assertion checks, and rejects the mutant;
the XSD's message, or the XSD declaration named, is the evidence).
The EXTENDED artefact's own business rules BR-FXEXT-\\* are all implemented (src/rules/facturx/extended.ts) and
fired by a mutant:

| rule | libellé | label |
| --- | --- | --- |
${fxExtended}

Every own fatal rule of each profile artefact is fired by a mutant or listed as unreachable; \`test/conformance/known-gaps.tsv\`
(the rules not done yet) is empty. \`npm run conformance -- --propose-unreachable\` lists, for a rule no mutant fires,
what became of the mutants aimed at it.

| profile | own fatal rules | implemented | unreachable (listed) | fired by a mutant |
| --- | --- | --- | --- | --- |
${fxCoverage}

Every FX-SCH-A id Passerelle may report, by what it checks:

${fxIds}

`;

const doc = fs.readFileSync(DOC, 'utf8');
const a = doc.indexOf(START);
const b = doc.indexOf(END);
if (a < 0 || b < 0) throw new Error(`${DOC}: markers '${START}' and '${END}' not found`);
fs.writeFileSync(DOC, doc.slice(0, a) + section + doc.slice(b));
console.log(`${ids.length} fatal ids, ${implemented} implemented`);
