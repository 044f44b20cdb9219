/**
 * The Factur-X 1.09.2 profile artefacts' code-list assertions (FX-SCH-A-nnnnnn, numbered per profile), from the
 * table generated out of the artefacts (codelists.ts): the guideline ID (BT-24), the scheme identifiers, unit,
 * currency, country and category codes, date formats… Each assertion is one rule with the artefact's id; all are
 * evaluated in one walk of the document, cached per invoice. They bind every CII whose guideline ID names a Factur-X
 * profile, bare or in a PDF (src/formats/cii.ts).
 */
import type { Invoice, Loc } from '../../formats/invoice.ts';
import type { XNode } from '../../formats/read/tree.ts';
import type { FacturXProfile } from '../../formats/types.ts';
import { facturxRuleSet } from '../sets.ts';
import type { Rule, RuleContext, Violation } from '../types.ts';
import { FX_CHECKS, FX_LISTS, FX_STRUCTURE } from './codelists.ts';

interface Step {
  name: string;
  pred?: (n: XNode, root: XNode) => boolean;
}
interface Check {
  id: string;
  steps: Step[];
  attr?: string;
  /** A code-list assertion's list, or a structure assertion's test on the context element. */
  list?: ReadonlySet<string>;
  test?: (n: XNode, root: XNode) => boolean;
}

/** Steps of a relative path with their predicates (split on '/' outside brackets). */
function splitSteps(p: string): Step[] | undefined {
  const out: Step[] = [];
  for (const s of p.split(/\/(?![^[]*\])/)) {
    if (s === '') continue;
    const m = /^([^[]+)(?:\[(.*)\])?$/.exec(s)!;
    const step: Step = { name: m[1]!.replace(/^[a-z]+:/, '') };
    if (m[2] !== undefined) {
      const pr = predicate(m[2]);
      if (!pr) return undefined;
      step.pred = pr;
    }
    out.push(step);
  }
  return out;
}

/** The structure tests the artefacts use: count(path) = n, <= n, >= n, and @attr. */
function structureTest(test: string): ((n: XNode, root: XNode) => boolean) | undefined {
  const a = /^@(\w+)$/.exec(test);
  if (a) return (n) => n.attrs[a[1]!] !== undefined;
  const m = /^count\(([^()]*)\)(=|<=|>=)(\d+)$/.exec(test);
  if (!m) return undefined;
  const steps = splitSteps(m[1]!);
  if (!steps) return undefined;
  const [op, k] = [m[2]!, Number(m[3])];
  return (n, root) => {
    let cur = [n];
    for (const s of steps)
      cur =
        s.name === '..'
          ? cur.flatMap((c) => (c.parent ? [c.parent] : []))
          : cur.flatMap((c) => c.children.filter((x) => x.name === s.name && (!s.pred || s.pred(x, root))));
    return op === '=' ? cur.length === k : op === '<=' ? cur.length <= k : cur.length >= k;
  };
}

/** Nodes along a relative path of qualified names (prefixes ignored). */
function along(n: XNode | undefined, p: string): XNode[] {
  let cur = n ? [n] : [];
  for (const raw of p.split('/')) {
    if (raw === '') continue;
    const name = raw.replace(/^[a-z]+:/, '');
    cur =
      name === '..'
        ? cur.flatMap((c) => (c.parent ? [c.parent] : []))
        : cur.flatMap((c) => c.children.filter((k) => k.name === name));
  }
  return cur;
}
const strValue = (n: XNode) => n.raw ?? n.text;

/** The predicate forms the artefacts use: [path="v"], [path/@a="v"], [@a="v"], [not (@a)], [@a=../../path], [@a=/abs/path]. */
function predicate(src: string): ((n: XNode, root: XNode) => boolean) | undefined {
  let m = /^not \(@(\w+)\)$/.exec(src);
  if (m) {
    const a = m[1]!;
    return (n) => n.attrs[a] === undefined;
  }
  m = /^@(\w+)="([^"]*)"$/.exec(src);
  if (m) {
    const [a, v] = [m[1]!, m[2]!];
    return (n) => n.attrs[a] === v;
  }
  m = /^@(\w+)=(\/[\w:/]+|(?:\.\.\/)+[\w:/]+)$/.exec(src);
  if (m) {
    const [a, p] = [m[1]!, m[2]!];
    return (n, root) => {
      const targets = p.startsWith('/') ? along(root, p.split('/').slice(2).join('/')) : along(n, p);
      return targets.some((t) => strValue(t) === n.attrs[a]);
    };
  }
  m = /^([\w:/]+)\/@(\w+)="([^"]*)"$/.exec(src);
  if (m) {
    const [p, a, v] = [m[1]!, m[2]!, m[3]!];
    return (n) => along(n, p).some((t) => t.attrs[a] === v);
  }
  m = /^([\w:/]+)="([^"]*)"$/.exec(src);
  if (m) {
    const [p, v] = [m[1]!, m[2]!];
    return (n) => along(n, p).some((t) => strValue(t) === v);
  }
  return undefined;
}

const LISTS = FX_LISTS.map((l) => new Set(l));

function compile(profile: FacturXProfile): Map<string, Check[]> {
  const byPath = new Map<string, Check[]>();
  const add = (c: Check) => {
    const key = c.steps.map((s) => s.name).join('/');
    const at = byPath.get(key);
    if (at) at.push(c);
    else byPath.set(key, [c]);
  };
  // A predicate or test form not handled here leaves its check out (none in 1.09.2: the generator counts them).
  for (const [id, ctx, select, list] of FX_CHECKS[profile]) {
    const steps = splitSteps(ctx);
    if (!steps) continue;
    const c: Check = { id, steps, list: LISTS[list]! };
    if (select !== '.') c.attr = select.replace(/^@/, '');
    add(c);
  }
  for (const [id, ctx, test] of FX_STRUCTURE[profile]) {
    const steps = splitSteps(ctx);
    const t = structureTest(test);
    if (steps && t) add({ id, steps, test: t });
  }
  return byPath;
}

const COMPILED = new Map<FacturXProfile, Map<string, Check[]>>();
const RESULTS = new WeakMap<XNode, Map<string, Violation[]>>();

function loc(n: XNode): Loc {
  return {
    get xpath() {
      return n.xpath;
    },
    get line() {
      return n.line;
    },
  };
}

/** All code-list violations of one document for one profile, by FX id (one walk). */
function evaluate(root: XNode, profile: FacturXProfile): Map<string, Violation[]> {
  let done = RESULTS.get(root);
  if (done) return done;
  let byPath = COMPILED.get(profile);
  if (!byPath) {
    byPath = compile(profile);
    COMPILED.set(profile, byPath);
  }
  done = new Map();
  const chain: XNode[] = [];
  const walk = (n: XNode, p: string) => {
    chain.push(n);
    const checks = byPath.get(p);
    if (checks) {
      for (const c of checks) {
        if (!c.steps.every((s, i) => !s.pred || s.pred(chain[i]!, root))) continue;
        if (c.test) {
          if (!c.test(n, root)) {
            const out = done.get(c.id) ?? [];
            out.push({ detail: `${n.qname}`, loc: loc(n) });
            done.set(c.id, out);
          }
          continue;
        }
        const v = c.attr === undefined ? (n.children.length ? undefined : strValue(n)) : n.attrs[c.attr];
        // The artefacts: string-length($v) = 0 or the value is in the list (as written, untrimmed).
        if (v === undefined || v === '' || c.list!.has(v)) continue;
        const out = done.get(c.id) ?? [];
        out.push({ detail: `${c.attr ? '@' + c.attr : n.qname} = '${v}'`, loc: loc(n) });
        done.set(c.id, out);
      }
    }
    for (const k of n.children) walk(k, `${p}/${k.name}`);
    chain.pop();
  };
  walk(root, root.name);
  RESULTS.set(root, done);
  return done;
}

/** Whether a document answers to its Factur-X profile artefact. */
function boundToProfile(ctx: RuleContext, profile: FacturXProfile): boolean {
  return ctx.rules.includes(facturxRuleSet(profile));
}

export const facturxRules: Rule[] = (Object.keys(FX_CHECKS) as FacturXProfile[]).flatMap((profile) =>
  [...new Set([...FX_CHECKS[profile], ...FX_STRUCTURE[profile]].map(([id]) => id))].map((id): Rule => ({
    id,
    terms: [],
    severity: 'fatal',
    labelFr: `Valeur non admise par la liste de codes Factur-X ${profile} (${id})`,
    labelEn: `Value not allowed by the Factur-X ${profile} code list (${id})`,
    inScope: (ctx: RuleContext) => boundToProfile(ctx, profile),
    appliesTo: (_ctx: RuleContext, inv: Invoice) => inv.binding?.root !== undefined,
    check: (inv: Invoice) => evaluate(inv.binding!.root!, profile).get(id) ?? [],
  })),
);
