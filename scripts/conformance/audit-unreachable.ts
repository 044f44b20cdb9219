/**
 * Checks test/conformance/unreachable-rules.tsv's `xsd` lines of the Factur-X profile rules against what the XSDs
 * declare (the profile's Factur-X XSD and CII D16B, both of which a counted document passes). An `xsd` line's evidence
 * is the XSD's message on the mutant aimed at the rule; when the generator had to create the context, that message
 * may be about the created context, not about the rule (issue 11 found 82 such lines). A line is supported when the
 * declarations make the assertion unfailable: its context absent from an XSD, or never selected (a predicate on an
 * attribute the XSD fixes to another value, or comparing with an element the XSD does not declare there);
 * `count(p)<=n` with p's maxOccurs <= n; `count(p)=1` with p exactly once (present when the context selects on it);
 * `count(p)>=1` with minOccurs >= 1; `@a` required, or tested on the element the context selected by it (at most
 * once); a code list on an attribute the XSD does not declare or fixes. `npm run conformance` fails on an unsupported
 * line; run alone, this prints them:
 *
 *   node scripts/conformance/audit-unreachable.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FacturXProfile } from '../../src/formats/types.ts';
import { FX_CHECKS, FX_STRUCTURE } from '../../src/rules/facturx/codelists.ts';

interface Child {
  name: string;
  type: string;
  min: number;
  max: number;
}
interface Type {
  children: Child[];
  /** Attribute name → `use` (optional, required) and `fixed` value. */
  attrs: Map<string, { use: string; fixed?: string }>;
}
interface Schema {
  types: Map<string, Type>;
  globals: Map<string, string>;
}

const XSD = path.resolve(import.meta.dirname, '../../xsd/official');
const attr = (tag: string, a: string) => new RegExp(`\\s${a}="([^"]*)"`).exec(tag)?.[1];
const local = (qname: string) => qname.slice(qname.indexOf(':') + 1);

/** The complex types of a set of XSD files (element children with occurrences, attributes), anonymous ones named. */
function readSchema(files: string[]): Schema {
  const schema: Schema = { types: new Map(), globals: new Map() };
  for (const f of files) {
    const x = fs.readFileSync(f, 'utf8');
    // Tags in document order, with the depth of complexType nesting, to attribute each element to its type.
    const re = /<(\/?)(?:xsd?:)(complexType|element|attribute)\b([^>]*?)(\/?)>/g;
    const stack: { name: string; type: Type }[] = [];
    /** The element whose anonymous complexType opens next (name of the type it gets). */
    let pending: string | undefined;
    for (let m = re.exec(x); m; m = re.exec(x)) {
      const [, close, kind, rest, selfClose] = m as unknown as [string, string, string, string, string];
      if (kind === 'complexType') {
        if (close) stack.pop();
        else {
          const name = attr(rest, 'name') ?? `#anon:${pending ?? '?'}`;
          const type: Type = { children: [], attrs: new Map() };
          schema.types.set(name, type);
          if (!selfClose) stack.push({ name, type });
        }
        continue;
      }
      if (close) continue;
      const top = stack[stack.length - 1];
      if (kind === 'attribute') {
        const name = attr(rest, 'name');
        if (top && name) top.type.attrs.set(name, { use: attr(rest, 'use') ?? 'optional', fixed: attr(rest, 'fixed') });
        continue;
      }
      const name = attr(rest, 'name') ?? local(attr(rest, 'ref') ?? '');
      const typeAttr = attr(rest, 'type');
      const type = typeAttr ? local(typeAttr) : `#anon:${name}`;
      if (!typeAttr && !selfClose) pending = name;
      if (!top) {
        schema.globals.set(name, type);
        continue;
      }
      const max = attr(rest, 'maxOccurs');
      top.type.children.push({
        name,
        type,
        min: Number(attr(rest, 'minOccurs') ?? '1'),
        max: max === 'unbounded' ? Infinity : Number(max ?? '1'),
      });
    }
  }
  // A referenced element without a type of its own takes the global declaration's.
  for (const t of schema.types.values())
    for (const c of t.children)
      if (!schema.types.has(c.type) && schema.globals.has(c.name)) c.type = schema.globals.get(c.name)!;
  return schema;
}

const xsdFiles = (dir: string) =>
  fs
    .readdirSync(path.join(XSD, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.xsd'))
    .map((f) => path.join(XSD, dir, f));

/** The steps of an artefact path (local names) with their predicate as written. */
const stepsOf = (p: string) =>
  p
    .split(/\/(?![^[]*\])/)
    .filter((s) => s !== '')
    .map((s) => /^(?:[a-z]+:)?([^[]+)(?:\[(.*)\])?$/.exec(s)!)
    .map((m) => ({ name: m[1]!, pred: m[2] }));

/** The type of the element at a path from the root, or the first step no declaration has. */
function typeAt(s: Schema, names: string[]): { type?: string; missing?: string } {
  let type: string | undefined = s.globals.get(names[0]!);
  if (!type) return { missing: names[0] };
  for (const n of names.slice(1)) {
    const c: Child | undefined = s.types.get(type)?.children.find((k) => k.name === n);
    if (!c) return { missing: n };
    type = c.type;
  }
  return { type };
}

/** Why the XSDs make the assertion unfailable, or undefined when they do not say so. */
function supported(schemas: [string, Schema][], context: string, test: string, code: boolean): string | undefined {
  const names = stepsOf(context).map((s) => s.name);
  const types: string[] = [];
  for (const [label, s] of schemas) {
    const t = typeAt(s, names);
    if (!t.type) return `context absent from ${label} (${t.missing})`;
    types.push(t.type);
  }
  const declared = (i: number) => schemas[i]![1].types.get(types[i]!);
  const steps = stepsOf(context);
  // A predicate on an attribute value the XSD fixes to another value, or comparing with an element the XSD does not
  // declare where the predicate looks (`[@currencyID=../../ram:TaxCurrencyCode]` in MINIMUM): nothing is selected.
  for (let k = 0; k < steps.length; k++) {
    const pred = steps[k]!.pred;
    if (!pred) continue;
    const why = emptyPredicate(schemas, names.slice(0, k + 1), pred);
    if (why) return `context never selected: ${why}`;
  }
  if (code) {
    if (test === '.') return undefined;
    const a = test.replace(/^@/, '');
    for (let i = 0; i < schemas.length; i++) {
      const d = declared(i)?.attrs.get(a);
      if (!d) return `attribute ${a} not declared in ${schemas[i]![0]}`;
      if (d.fixed !== undefined) return `attribute ${a} fixed to "${d.fixed}" in ${schemas[i]![0]}`;
    }
    return undefined;
  }
  const at = /^@(\w+)$/.exec(test);
  if (at) {
    for (let i = 0; i < schemas.length; i++)
      if (declared(i)?.attrs.get(at[1]!)?.use === 'required') return `attribute ${at[1]} required in ${schemas[i]![0]}`;
    // `X[ram:E/@a="v"]/E`, test @a: with E at most once, the E tested is the one the context selected by its @a.
    const parent = steps[steps.length - 2];
    const last = names[names.length - 1]!;
    if (parent?.pred && new RegExp(`^(?:[a-z]+:)?${last}/@${at[1]}=`).test(parent.pred))
      for (let i = 0; i < schemas.length; i++) {
        const up = typeAt(schemas[i]![1], names.slice(0, -1)).type;
        const e = up ? schemas[i]![1].types.get(up)?.children.find((k) => k.name === last) : undefined;
        if (e && e.max <= 1)
          return `${last} at most once in ${schemas[i]![0]}, and the context selects it by its @${at[1]}`;
      }
    return undefined;
  }
  const m = /^count\((.*)\)(<=|=|>=)(\d+)$/.exec(test);
  if (!m) return undefined;
  const countedSteps = stepsOf(m[1]!);
  const counted = countedSteps.map((s) => s.name);
  const n = Number(m[3]);
  for (let k = 0; k < countedSteps.length; k++) {
    const pred = countedSteps[k]!.pred;
    const why = pred && emptyPredicate(schemas, [...names, ...counted.slice(0, k + 1)], pred);
    if (why) return `nothing counted: ${why}`;
  }
  // The context selects on the counted element (`X[ram:TypeCode="50"]`, count(ram:TypeCode)…): it is present.
  const own = steps[steps.length - 1]!.pred;
  const selects =
    counted.length === 1 && own !== undefined && new RegExp(`^(?:[a-z]+:)?${counted[0]}(?:=|/)`).test(own);
  let min = selects ? 1 : 0;
  let max = Infinity;
  for (let i = 0; i < schemas.length; i++) {
    let type = types[i];
    let c: Child | undefined;
    for (const step of counted) {
      c = type ? schemas[i]![1].types.get(type)?.children.find((k) => k.name === step) : undefined;
      type = c?.type;
    }
    if (!c) return `${counted.join('/')} not declared there in ${schemas[i]![0]}`;
    min = Math.max(min, c.min);
    max = Math.min(max, c.max);
  }
  if (m[2] === '<=' && max <= n) return `at most ${max}`;
  if (m[2] === '>=' && min >= n) return `at least ${min}`;
  if (m[2] === '=' && min === n && max === n) return `exactly ${n}`;
  return undefined;
}

/**
 * Why a predicate on the element at `at` (local names from the root) selects nothing on an XSD-valid document: an
 * attribute compared with a value other than the one the XSD fixes, or compared with an element (`../../ram:X`) the
 * XSD does not declare there. Undefined otherwise.
 */
function emptyPredicate(schemas: [string, Schema][], at: string[], pred: string): string | undefined {
  const fixed = /^@(\w+)="([^"]*)"$/.exec(pred);
  const ref = /^@\w+=((?:\.\.\/)+)(?:[a-z]+:)?(\w+)$/.exec(pred);
  for (const [label, s] of schemas) {
    if (fixed) {
      const t = typeAt(s, at).type;
      const d = t ? s.types.get(t)?.attrs.get(fixed[1]!) : undefined;
      if (d?.fixed !== undefined && d.fixed !== fixed[2]) return `@${fixed[1]} fixed to "${d.fixed}" in ${label}`;
    }
    if (ref) {
      const up = at.slice(0, at.length - ref[1]!.length / 3);
      const t = typeAt(s, up).type;
      if (t && !s.types.get(t)?.children.some((k) => k.name === ref[2]))
        return `no ${ref[2]} under ${up.at(-1)} in ${label}`;
    }
  }
  return undefined;
}

const PROFILE_DIR: Record<FacturXProfile, string> = {
  MINIMUM: 'minimum',
  BASICWL: 'basicwl',
  BASIC: 'basic',
  EN16931: 'en16931',
  EXTENDED: 'extended',
};

/**
 * The `xsd`-kind profile lines of test/conformance/unreachable-rules.tsv (or of `rows`, its lines split at tabs) whose
 * claim the XSD declarations do not support (artefact, rule id, assertion, context), and how many assertions were
 * checked.
 */
export function auditUnreachable(rows?: string[][]): { checked: number; unsupported: string[] } {
  const d16b = readSchema(xsdFiles('cii-d16b'));
  const profiles = new Map(
    Object.entries(PROFILE_DIR).map(([p, dir]) => [p, readSchema(xsdFiles(`facturx-1.0.9/${dir}`))] as const),
  );
  const lines =
    rows ??
    fs
      .readFileSync(path.resolve(import.meta.dirname, '../../test/conformance/unreachable-rules.tsv'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'))
      .map((l) => l.split('\t'));
  let checked = 0;
  const unsupported: string[] = [];
  for (const [artefact, id, kind] of lines) {
    const p = artefact as FacturXProfile;
    if (kind !== 'xsd' || !profiles.has(p) || !id?.startsWith('FX-SCH-')) continue;
    const schemas: [string, Schema][] = [
      [`facturx-1.0.9/${PROFILE_DIR[p]}`, profiles.get(p)!],
      ['cii-d16b', d16b],
    ];
    const asserts = [
      ...FX_STRUCTURE[p].filter(([i]) => i === id).map(([, c, t]) => [c, t, false] as const),
      ...FX_CHECKS[p].filter(([i]) => i === id).map(([, c, s]) => [c, s, true] as const),
    ];
    for (const [context, test, code] of asserts) {
      checked++;
      if (!supported(schemas, context, test, code))
        unsupported.push(`${p}\t${id}\t${code ? `code list on ${test}` : test}\t${context}`);
    }
  }
  return { checked, unsupported };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const { checked, unsupported } = auditUnreachable();
  for (const l of unsupported) console.log(l);
  console.log(
    `\n${checked} assertions of xsd-kind profile lines checked; ${unsupported.length} not supported by the XSD declarations`,
  );
  process.exitCode = unsupported.length ? 1 : 0;
}
