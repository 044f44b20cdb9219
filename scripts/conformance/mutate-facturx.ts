/**
 * Mutations aimed at the Factur-X 1.09.2 profile artefacts' own assertions, generated from the artefacts: the
 * tables scripts/conformance/gen-facturx.ts extracts from each profile's XSLT (src/rules/facturx/codelists.ts:
 * every code-list assertion and every structure assertion, with its context and test). For each assertion of a
 * profile, one mutant of the richest base of that profile that has the context (or, when none has it, of the
 * richest base with the missing elements created):
 *   count(p)<=n       → p repeated n+1 times (a copy of an existing p, or of one found elsewhere in the base)
 *   count(p)=1        → p removed when present, else repeated
 *   count(p)>=1       → every p removed
 *   @a                → the attribute removed
 *   code list         → the value (text or attribute) set to a code no list has
 * Mutants named `<profile>:<id>` as their target (ids are numbered per profile).
 */
import type { DetectedFlow, FacturXProfile } from '../../src/formats/types.ts';
import { FX_CHECKS, FX_FATAL_IDS, FX_STRUCTURE } from '../../src/rules/facturx/codelists.ts';
import type { Mutant } from './mutate.ts';
import { put, scan, select, setAttr, splice, type El } from './xml-edit.ts';

const NS: Record<string, string> = {
  rsm: 'urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100',
  ram: 'urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100',
  udt: 'urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100',
  qdt: 'urn:un:unece:uncefact:data:standard:QualifiedDataType:100',
};
const AGREEMENT = ['CrossIndustryInvoice', 'SupplyChainTradeTransaction', 'ApplicableHeaderTradeAgreement'];
const SETTLEMENT = ['CrossIndustryInvoice', 'SupplyChainTradeTransaction', 'ApplicableHeaderTradeSettlement'];
const RSM_CHILDREN = new Set(['ExchangedDocumentContext', 'ExchangedDocument', 'SupplyChainTradeTransaction']);
/** A code no Factur-X list has (and an attribute value none allows). */
const BAD_CODE = 'XX9';

/** The namespace prefix CII gives an element (by its name and its parent's). */
function prefixOf(local: string, parent: string): string {
  if (RSM_CHILDREN.has(local)) return 'rsm';
  if (local === 'DateTimeString') return parent.startsWith('Formatted') ? 'qdt' : 'udt';
  if (local === 'Indicator' || local === 'DateString') return 'udt';
  return 'ram';
}

/** Local-name steps of an artefact path (prefixes and predicates dropped). */
const localSteps = (p: string) => stepsOf(p).map((s) => s.name);

interface PStep {
  name: string;
  pred?: string;
}
/** Steps of an artefact path with their predicate as written. */
function stepsOf(p: string): PStep[] {
  return p
    .split(/\/(?![^[]*\])/)
    .filter((s) => s !== '')
    .map((s) => {
      const m = /^(?:[a-z]+:)?([^[]+)(?:\[(.*)\])?$/.exec(s)!;
      return m[2] !== undefined ? { name: m[1]!, pred: m[2] } : { name: m[1]! };
    });
}

const attrOf = (xml: string, e: El, a: string) =>
  new RegExp(`\\s${a}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`)
    .exec(xml.slice(e.start, e.openEnd))
    ?.slice(1)
    .find((v) => v !== undefined);
const textOfEl = (xml: string, e: El) => xml.slice(e.openEnd, e.closeStart).trim();
const rel = (e: El, p: string): El[] => {
  let cur = [e];
  for (const step of localSteps(p))
    cur = step === '..' ? cur.flatMap((c) => (c.parent ? [c.parent] : [])) : select_(cur, step);
  return cur;
};
const select_ = (els: El[], step: string) => els.flatMap((c) => c.children.filter((k) => k.local === step));

/** Whether an element satisfies one of the predicate forms the artefacts use (an unknown form: yes). */
function satisfies(xml: string, root: El, e: El, pred: string): boolean {
  let m = /^not \(@(\w+)\)$/.exec(pred);
  if (m) return attrOf(xml, e, m[1]!) === undefined;
  m = /^@(\w+)="([^"]*)"$/.exec(pred);
  if (m) return attrOf(xml, e, m[1]!) === m[2];
  m = /^@(\w+)=(\/[\w:/]+|(?:\.\.\/)+[\w:/]+)$/.exec(pred);
  if (m) {
    const v = attrOf(xml, e, m[1]!);
    const targets = m[2]!.startsWith('/') ? select(root, localSteps(m[2]!).join('/')) : rel(e, m[2]!);
    return targets.some((t) => textOfEl(xml, t) === v);
  }
  m = /^([\w:/]+)\/@(\w+)="([^"]*)"$/.exec(pred);
  if (m) {
    const [p, a, v] = [m[1]!, m[2]!, m[3]!];
    return rel(e, p).some((t) => attrOf(xml, t, a) === v);
  }
  m = /^([\w:/]+)="([^"]*)"$/.exec(pred);
  if (m) {
    const [p, v] = [m[1]!, m[2]!];
    return rel(e, p).some((t) => textOfEl(xml, t) === v);
  }
  return true;
}

/** Elements along a path of steps with predicates, from the document. */
function selectP(xml: string, root: El, steps: PStep[]): El[] {
  let cur = [root];
  for (const s of steps) cur = select_(cur, s.name).filter((e) => !s.pred || satisfies(xml, root, e, s.pred));
  return cur;
}

/** A copy of an element rewritten to satisfy a predicate `path/@a="v"` or `path="v"` (other forms: as is). */
function satisfied(copy: string, pred: string | undefined): string {
  if (!pred) return copy;
  const root = scan(copy);
  const top = root.children[0];
  if (!top) return copy;
  let m = /^([\w:/]+)\/@(\w+)="([^"]*)"$/.exec(pred);
  if (m) {
    const t = rel(top, m[1]!)[0];
    if (!t) return copy;
    const tag = copy.slice(t.start, t.openEnd);
    const re = new RegExp(`\\s${m[2]}\\s*=\\s*("[^"]*"|'[^']*')`);
    const nt = re.test(tag)
      ? tag.replace(re, ` ${m[2]}="${m[3]}"`)
      : tag.replace(/\s*(\/?)>$/, ` ${m[2]}="${m[3]}"$1>`);
    return splice(copy, t.start, t.openEnd, nt);
  }
  m = /^([\w:/]+)="([^"]*)"$/.exec(pred);
  if (m) {
    const t = rel(top, m[1]!)[0];
    return t && t.closeStart > t.openEnd ? splice(copy, t.openEnd, t.closeStart, m[2]!) : copy;
  }
  return copy;
}

/** `<a><b>…</b></a>` for the steps, each element declaring its namespace, the innermost holding `inner`. */
function chain(steps: string[], parent: string, inner: string): string {
  if (steps.length === 0) return inner;
  const [head, ...rest] = steps as [string, ...string[]];
  const pre = prefixOf(head, parent);
  return `<${pre}:${head} xmlns:${pre}="${NS[pre]}">${chain(rest, head, inner) || '1'}</${pre}:${head}>`;
}

/** The base with every step of `steps` created under the deepest one present (XSD order), or undefined. */
function ensure(xml: string, steps: string[], inner = ''): string | undefined {
  const root = scan(xml);
  for (let k = steps.length; k >= 1; k--) {
    if (select(root, steps.slice(0, k).join('/')).length === 0) continue;
    if (k === steps.length) return xml;
    return put(xml, steps.slice(0, k).join('/'), steps[k]!, chain(steps.slice(k), steps[k - 1]!, inner));
  }
  return undefined;
}

/** A copy of the first element named `local` anywhere in the document (its text as written). */
function copyOf(xml: string, root: El, local: string): string | undefined {
  const e = select(root, `**`).find((x) => x.local === local);
  return e && xml.slice(e.start, e.end);
}

type Edit = (xml: string) => string | undefined;

const names = (steps: PStep[]) => steps.map((s) => s.name);

/** The first context element (predicates honoured), in the base or, when none, in the base with it created. */
function context(xml: string, ctx: PStep[], inner = ''): { xml: string; el: El } | undefined {
  const found = selectP(xml, scan(xml), ctx)[0];
  if (found) return { xml, el: found };
  const x = ensure(xml, names(ctx), inner);
  const el = x && selectP(x, scan(x), ctx)[0];
  return x && el ? { xml: x, el } : undefined;
}

/** The edit that makes one structure assertion fail, with its label. */
function structureEdit(ctx: PStep[], test: string): [string, Edit] | undefined {
  const attr = /^@(\w+)$/.exec(test);
  if (attr)
    return [
      `@${attr[1]} removed`,
      (xml) => {
        const c = context(xml, ctx);
        if (!c) return undefined;
        const tag = c.xml.slice(c.el.start, c.el.openEnd);
        const t = tag.replace(new RegExp(`\\s${attr[1]}\\s*=\\s*("[^"]*"|'[^']*')`), '');
        // An element created without the attribute (no base has the context) already fails the test.
        if (t === tag) return c.xml !== xml ? c.xml : undefined;
        return splice(c.xml, c.el.start, c.el.openEnd, t);
      },
    ];
  const m = /^count\(([^()]*)\)(=|<=|>=)(\d+)$/.exec(test);
  if (!m) return undefined;
  const path = stepsOf(m[1]!);
  if (path.some((s) => s.name === '..')) return undefined;
  const [op, n] = [m[2]!, Number(m[3])];
  /** The counted elements under the context element. */
  const counted = (x: string, el: El) => {
    let cur = [el];
    for (const s of path) cur = select_(cur, s.name).filter((e) => !s.pred || satisfies(x, scan(x), e, s.pred));
    return cur;
  };
  const removeAll: Edit = (xml) => {
    const c = context(xml, ctx);
    if (!c) return undefined;
    let out = c.xml;
    for (const e of counted(c.xml, c.el).sort((a, b) => b.start - a.start)) out = splice(out, e.start, e.end, '');
    return out;
  };
  const repeat =
    (times: number): Edit =>
    (xml) => {
      // The counted element's parent under the context (created when absent), then copies of it up to `times`.
      const c = context(xml, ctx);
      if (!c) return undefined;
      const have = counted(c.xml, c.el);
      const last = path[path.length - 1]!;
      const parentSteps = [...ctx, ...path.slice(0, -1)];
      const x = path.length > 1 ? ensure(c.xml, names(parentSteps)) : c.xml;
      if (!x) return undefined;
      const root = scan(x);
      const parentPath = names(parentSteps).join('/');
      const same = have[0] ? undefined : select(root, `${parentPath}/${last.name}`)[0];
      const copy = have[0]
        ? c.xml.slice(have[0].start, have[0].end)
        : satisfied(
            same
              ? x.slice(same.start, same.end)
              : (copyOf(x, root, last.name) ?? chain([last.name], parentSteps[parentSteps.length - 1]!.name, '')),
            last.pred,
          );
      let out: string | undefined = x;
      for (let i = have.length; i < times && out !== undefined; i++)
        out = have[0] ? splice(out, have[0].end, have[0].end, copy) : put(out, parentPath, last.name, copy);
      return out;
    };
  if (op === '>=') return ['removed', removeAll];
  if (op === '<=') return [`repeated ${n + 1} times`, repeat(n + 1)];
  // The context selects on the counted element (`X[ram:TypeCode="130"]`, count(ram:TypeCode)=1): removing it would
  // unselect the context, so only a repeat can fail the assertion.
  const pred = ctx[ctx.length - 1]?.pred ?? '';
  if (path.length === 1 && new RegExp(`^(?:[a-z]+:)?${path[0]!.name}(?:/|=)`).test(pred))
    return [`repeated ${n + 1} times (the context selects on it)`, repeat(n + 1)];
  return [
    'removed, or repeated when absent',
    (xml) => {
      const out = removeAll(xml);
      const c = context(xml, ctx);
      return out !== undefined && c && out !== c.xml ? out : repeat(n + 1)(xml);
    },
  ];
}

/** The edit that puts a code no list has at a code-list assertion's context. */
function codeEdit(ctx: PStep[], select_: string): [string, Edit] {
  if (select_ === '.')
    return [
      `code ${BAD_CODE}`,
      (xml) => {
        const c = context(xml, ctx, BAD_CODE);
        if (!c || c.el.children.length) return undefined;
        const { xml: x, el: e } = c;
        if (e.closeStart === e.openEnd)
          return splice(x, e.start, e.end, `${x.slice(e.start, e.end - 2)}>${BAD_CODE}</${e.qname}>`);
        return splice(x, e.openEnd, e.closeStart, BAD_CODE);
      },
    ];
  const a = select_.replace(/^@/, '');
  return [
    `@${a}="${BAD_CODE}"`,
    (xml) => {
      const c = context(xml, ctx);
      if (!c) return undefined;
      const tag = c.xml.slice(c.el.start, c.el.openEnd);
      const re = new RegExp(`\\s${a}\\s*=\\s*("[^"]*"|'[^']*')`);
      const t = re.test(tag)
        ? tag.replace(re, ` ${a}="${BAD_CODE}"`)
        : tag.replace(/\s*(\/?)>$/, ` ${a}="${BAD_CODE}"$1>`);
      // A context selecting on the attribute's equality with another element (`[@currencyID=../../ram:
      // InvoiceCurrencyCode]`): that element gets the same code, so that the context still selects the element.
      const ref = new RegExp(`^@${a}=((?:\\.\\./)+[\\w:/]+)$`).exec(ctx[ctx.length - 1]?.pred ?? '')?.[1];
      const edits: [number, number, string][] = [[c.el.start, c.el.openEnd, t]];
      for (const r of ref ? rel(c.el, ref) : [])
        if (r.children.length === 0 && r.closeStart > r.openEnd) edits.push([r.openEnd, r.closeStart, BAD_CODE]);
      let out = c.xml;
      for (const [from, to, text] of edits.sort((x, y) => y[0] - x[0])) out = splice(out, from, to, text);
      return out;
    },
  ];
}

/** Every assertion of a profile artefact with the edit that makes it fail. */

const LINES = ['CrossIndustryInvoice', 'SupplyChainTradeTransaction', 'IncludedSupplyChainTradeLineItem'];
const SUMMATION = [...SETTLEMENT, 'SpecifiedTradeSettlementHeaderMonetarySummation'];

/** The xml with the first element at `path` that `which` accepts replaced by `f` of it (undefined: no such element). */
function rewrite(
  xml: string,
  path: string,
  f: (e: El) => string | undefined,
  which: (e: El) => boolean = () => true,
): string | undefined {
  const e = select(scan(xml), path).find(which);
  if (!e) return undefined;
  const v = f(e);
  return v === undefined ? undefined : splice(xml, e.start, e.end, v);
}

/** An element's outer XML without its children named in `names`. */
function without(xml: string, e: El, ...names: string[]): string | undefined {
  const drop = e.children.filter((k) => names.includes(k.local)).sort((a, b) => b.start - a.start);
  if (!drop.length) return undefined;
  let out = xml.slice(e.start, e.end);
  for (const k of drop) out = splice(out, k.start - e.start, k.end - e.start, '');
  return out;
}

/** A leaf's outer XML with its decimal value plus one. */
function plusOne(xml: string, e: El): string | undefined {
  const v = textOfEl(xml, e);
  if (!/^-?\d+(\.\d+)?$/.test(v)) return undefined;
  const digits = v.split('.')[1]?.length ?? 0;
  return `${xml.slice(e.start, e.openEnd)}${(Number(v) + 1).toFixed(digits)}${xml.slice(e.closeStart, e.end)}`;
}

const childText = (xml: string, e: El, local: string) =>
  e.children.filter((k) => k.local === local).map((k) => textOfEl(xml, k));
/** A tax element (`ram:ApplicableTradeTax`…) of category `code`. */
const ofCategory = (xml: string, code: string) => (e: El) => childText(xml, e, 'CategoryCode').includes(code);
/** An allowance/charge whose indicator is `flag`. */
const indicated = (xml: string, flag: string) => (e: El) =>
  e.children.some((c) => c.local === 'ChargeIndicator' && childText(xml, c, 'Indicator').includes(flag));

/** In the header VAT breakdown of category `code`, `leaf` plus one. */
const breakdownPlusOne = (code: string, leaf: string) => (xml: string) =>
  rewrite(
    xml,
    `${SETTLEMENT.join('/')}/ApplicableTradeTax`,
    (b) => {
      const k = b.children.find((c) => c.local === leaf);
      const v = k && plusOne(xml, k);
      return k && v !== undefined
        ? splice(xml.slice(b.start, b.end), k.start - b.start, k.end - b.start, v)
        : undefined;
    },
    ofCategory(xml, code),
  );

/** Every header VAT breakdown of category `from` recategorised `to`. */
function recategorise(xml: string, from: string, to: string): string | undefined {
  const els = select(scan(xml), `${SETTLEMENT.join('/')}/ApplicableTradeTax/CategoryCode`)
    .filter((c) => textOfEl(xml, c) === from)
    .sort((a, b) => b.start - a.start);
  let out = xml;
  for (const c of els) out = splice(out, c.openEnd, c.closeStart, to);
  return els.length ? out : undefined;
}

/**
 * Mutants aimed at the EXTENDED artefact's own business rules (BR-FXEXT-*), which its assertion tables do not give:
 * one edit each of what the rule checks, on the first EXTENDED base where it applies.
 */
function extendedAims(): { id: string; ctx: string[]; label: string; edit: Edit }[] {
  const ram = `xmlns:ram="${NS['ram']}"`;
  const header = SETTLEMENT.join('/');
  const lines = LINES.join('/');
  const sum = SUMMATION.join('/');
  const out: { id: string; ctx: string[]; label: string; edit: Edit }[] = [
    {
      id: 'BR-FXEXT-S08b',
      ctx: SETTLEMENT,
      label: 'S breakdown taxable amount + 1',
      edit: breakdownPlusOne('S', 'BasisAmount'),
    },
    {
      id: 'BR-FXEXT-S-09b',
      ctx: SETTLEMENT,
      label: 'S breakdown tax amount + 1',
      edit: breakdownPlusOne('S', 'CalculatedAmount'),
    },
    {
      id: 'BR-FXEXT-E-08b',
      ctx: SETTLEMENT,
      label: 'E breakdown taxable amount + 1',
      edit: breakdownPlusOne('E', 'BasisAmount'),
    },
    {
      id: 'BR-FXEXT-IC-08b',
      ctx: SETTLEMENT,
      label: 'K breakdown taxable amount + 1',
      edit: breakdownPlusOne('K', 'BasisAmount'),
    },
    {
      id: 'BR-FXEXT-S-01',
      ctx: SETTLEMENT,
      label: 'S breakdowns recategorised AE',
      edit: (x) => recategorise(x, 'S', 'AE'),
    },
    {
      id: 'BR-FXEXT-E-01',
      ctx: LINES,
      label: 'the E line recategorised Z',
      edit: (x) =>
        rewrite(
          x,
          `${lines}/SpecifiedLineTradeSettlement/ApplicableTradeTax/CategoryCode`,
          (c) =>
            textOfEl(x, c) === 'E' ? `${x.slice(c.start, c.openEnd)}Z${x.slice(c.closeStart, c.end)}` : undefined,
          (c) => textOfEl(x, c) === 'E',
        ),
    },
    {
      id: 'BR-FXEXT-CO-04',
      ctx: LINES,
      label: 'line VAT without category code',
      edit: (x) =>
        rewrite(x, `${lines}/SpecifiedLineTradeSettlement/ApplicableTradeTax`, (t) => without(x, t, 'CategoryCode')),
    },
    ...(
      [
        ['BR-FXEXT-CO-10', 'LineTotalAmount'],
        ['BR-FXEXT-CO-11', 'AllowanceTotalAmount'],
        ['BR-FXEXT-CO-12', 'ChargeTotalAmount'],
        ['BR-FXEXT-CO-13', 'TaxBasisTotalAmount'],
        ['BR-FXEXT-CO-15', 'GrandTotalAmount'],
        ['BR-FXEXT-CO-16', 'DuePayableAmount'],
      ] as const
    ).map(([id, leaf]) => ({
      id,
      ctx: SUMMATION,
      label: `${leaf} + 1`,
      edit: (x: string) => rewrite(x, `${sum}/${leaf}`, (e) => plusOne(x, e)),
    })),
    {
      id: 'BR-FXEXT-01',
      ctx: ['CrossIndustryInvoice', 'ExchangedDocument'],
      label: 'note with a subject code only',
      edit: (x) =>
        put(
          x,
          'CrossIndustryInvoice/ExchangedDocument',
          'IncludedNote',
          `<ram:IncludedNote ${ram}><ram:SubjectCode>AAI</ram:SubjectCode></ram:IncludedNote>`,
        ),
    },
    {
      id: 'BR-FXEXT-02',
      ctx: LINES,
      label: 'line note with a subject code only',
      edit: (x) =>
        put(
          x,
          `${lines}/AssociatedDocumentLineDocument`,
          'IncludedNote',
          `<ram:IncludedNote ${ram}><ram:SubjectCode>AAI</ram:SubjectCode></ram:IncludedNote>`,
        ),
    },
    {
      id: 'BR-FXEXT-06',
      ctx: LINES,
      label: 'parent line without line status',
      edit: (x) =>
        put(
          x,
          `${lines}/AssociatedDocumentLineDocument`,
          'ParentLineID',
          `<ram:ParentLineID ${ram}>1</ram:ParentLineID>`,
        ),
    },
    {
      id: 'BR-FXEXT-11',
      ctx: LINES,
      label: 'parent line that is no line',
      edit: (x) => {
        const y = put(
          x,
          `${lines}/AssociatedDocumentLineDocument`,
          'ParentLineID',
          `<ram:ParentLineID ${ram}>X99</ram:ParentLineID>`,
        );
        return (
          y &&
          put(
            y,
            `${lines}/AssociatedDocumentLineDocument`,
            'LineStatusReasonCode',
            `<ram:LineStatusReasonCode ${ram}>DETAIL</ram:LineStatusReasonCode>`,
          )
        );
      },
    },
    {
      id: 'BR-FXEXT-BR-22',
      ctx: LINES,
      label: 'line without billed quantity',
      edit: (x) => rewrite(x, `${lines}/SpecifiedLineTradeDelivery`, (d) => without(x, d, 'BilledQuantity')),
    },
    {
      id: 'BR-FXEXT-BR-23',
      ctx: LINES,
      label: 'billed quantity without unit',
      edit: (x) => setAttr(x, `${lines}/SpecifiedLineTradeDelivery/BilledQuantity`, 'unitCode', null),
    },
    {
      id: 'BR-FXEXT-BR-24',
      ctx: LINES,
      label: 'line without net amount',
      edit: (x) =>
        rewrite(x, `${lines}/SpecifiedLineTradeSettlement/SpecifiedTradeSettlementLineMonetarySummation`, (m) =>
          without(x, m, 'LineTotalAmount'),
        ),
    },
    {
      id: 'BR-FXEXT-BR-26',
      ctx: LINES,
      // The XSD requires ram:ChargeAmount in a net price: the whole net price goes.
      label: 'line without net price',
      edit: (x) =>
        rewrite(x, `${lines}/SpecifiedLineTradeAgreement`, (a) => without(x, a, 'NetPriceProductTradePrice')),
    },
    {
      id: 'BR-FXEXT-BR-38',
      ctx: SETTLEMENT,
      label: 'document charge without reason',
      edit: (x) =>
        rewrite(
          x,
          `${header}/SpecifiedTradeAllowanceCharge`,
          (a) => without(x, a, 'Reason', 'ReasonCode'),
          indicated(x, 'true'),
        ),
    },
    {
      id: 'BR-FXEXT-BR-44',
      ctx: LINES,
      label: 'line charge without reason',
      edit: (x) =>
        rewrite(
          x,
          `${lines}/SpecifiedLineTradeSettlement/SpecifiedTradeAllowanceCharge`,
          (a) => without(x, a, 'Reason', 'ReasonCode'),
          indicated(x, 'true'),
        ),
    },
    {
      id: 'BR-FXEXT-BR-54-1',
      ctx: LINES,
      label: 'item attribute without name nor type',
      edit: (x) =>
        rewrite(x, `${lines}/SpecifiedTradeProduct/ApplicableProductCharacteristic`, (c) =>
          without(x, c, 'Description', 'TypeCode'),
        ),
    },
    {
      id: 'BR-FXEXT-BR-54-2',
      ctx: LINES,
      label: 'item attribute with a value and a measure',
      edit: (x) =>
        put(
          x,
          `${lines}/SpecifiedTradeProduct/ApplicableProductCharacteristic`,
          'ValueMeasure',
          `<ram:ValueMeasure ${ram} unitCode="KGM">1</ram:ValueMeasure>`,
        ),
    },
  ];
  // Line groups: the first line made a GROUP line with a net amount, the second its child.
  const group = (child: string, drop: boolean) => (x: string) => {
    const first = put(
      x,
      `${lines}/AssociatedDocumentLineDocument`,
      'LineStatusReasonCode',
      `<ram:LineStatusReasonCode ${ram}>GROUP</ram:LineStatusReasonCode>`,
    );
    const second = first && select(scan(first), `${lines}/AssociatedDocumentLineDocument`)[1];
    if (!first || !second) return undefined;
    const id = select(scan(first), `${lines}/AssociatedDocumentLineDocument/LineID`)[0];
    const lineId = id ? textOfEl(first, id) : undefined;
    const idEl = second.children.find((k) => k.local === 'LineID');
    if (!lineId || !idEl) return undefined;
    let out = splice(first, idEl.end, idEl.end, `<ram:ParentLineID ${ram}>${lineId}</ram:ParentLineID>`);
    const doc = select(scan(out), `${lines}/AssociatedDocumentLineDocument`)[1]!;
    const after = doc.children.filter((k) => ['LineID', 'ParentLineID', 'LineStatusCode'].includes(k.local)).at(-1)!;
    out = splice(out, after.end, after.end, `<ram:LineStatusReasonCode ${ram}>${child}</ram:LineStatusReasonCode>`);
    if (!drop) return out;
    const item = select(scan(out), lines)[1]!;
    const total = select(
      item,
      'SpecifiedLineTradeSettlement/SpecifiedTradeSettlementLineMonetarySummation/LineTotalAmount',
    )[0];
    return total ? splice(out, total.start, total.end, '') : undefined;
  };
  out.push(
    {
      id: 'BR-FXEXT-08',
      ctx: LINES,
      label: 'group line whose child lines do not sum to its net amount',
      edit: group('DETAIL', false),
    },
    {
      id: 'BR-FXEXT-12',
      ctx: LINES,
      label: 'group child line of a group line without net amount',
      edit: group('GROUP', true),
    },
    {
      id: 'BR-FXEXT-CII-DT-097a',
      ctx: ['CrossIndustryInvoice'],
      label: 'a date of format 102 declared 205',
      edit: (x) =>
        rewrite(
          x,
          '**/DateTimeString',
          (d) => {
            const tag = x.slice(d.start, d.openEnd).replace(/format\s*=\s*"102"/, 'format="205"');
            return tag.includes('"205"') ? tag + x.slice(d.openEnd, d.end) : undefined;
          },
          (d) => !d.parent?.local.startsWith('Formatted'),
        ),
    },
  );
  // A category no base has: the K breakdown recategorised, without line nor charge of its category (x-08b, x-01).
  for (const [code, infix] of [
    ['Z', 'Z'],
    ['AE', 'AE'],
    ['G', 'G'],
    ['O', 'O'],
    ['L', 'AF'],
    ['M', 'AG'],
  ] as const)
    out.push({
      id: `BR-FXEXT-${infix}-08b`,
      ctx: SETTLEMENT,
      label: `K breakdown recategorised ${code}`,
      edit: (x) => recategorise(x, 'K', code),
    });
  return out;
}

/** The ids of a profile's code-list assertions on `select` whose context ends with `suffix`. */
const checkIds = (profile: FacturXProfile, suffix: string, sel: string) =>
  FX_CHECKS[profile].filter(([, c, s]) => c.endsWith(suffix) && s === sel).map(([id]) => id);
/** The ids of a profile's structure assertions `test` whose context ends with `suffix`. */
const structureIds = (profile: FacturXProfile, suffix: string, test: string) =>
  FX_STRUCTURE[profile].filter(([, c, t]) => c.endsWith(suffix) && t === test).map(([id]) => id);

/** `snippet` inserted into `e` after its last child named in `before` (else first), `e` being an element of xml. */
function insertIn(xml: string, e: El, before: string[], snippet: string): string {
  const after = e.children.filter((k) => before.includes(k.local)).at(-1);
  const at = after ? after.end : e.openEnd;
  return splice(xml, at, at, snippet);
}

/** The first element at `path` that has a child `local` of text `value`. */
const withChild = (xml: string, path: string, local: string, value: string) =>
  select(scan(xml), path).find((e) => childText(xml, e, local).includes(value));

const PDF_BASE64 = 'JVBERi0xLjQKJcOkw7zDtsOfCg==';

/**
 * Mutants the generic edits cannot make: assertions whose context needs several elements at once (a tax currency
 * and a total in it), or elements the CEN artefact forbids (so that no base may hold them), each made whole here
 * with content the XSDs accept.
 */
function contextAims(profile: FacturXProfile): { id: string; ctx: string[]; label: string; edit: Edit }[] {
  const ram = `xmlns:ram="${NS['ram']}"`;
  const qdt = `xmlns:qdt="${NS['qdt']}"`;
  const lines = LINES.join('/');
  const lineSum = `${lines}/SpecifiedLineTradeSettlement/SpecifiedTradeSettlementLineMonetarySummation`;
  const refDoc = ['IssuerAssignedID', 'URIID', 'LineID', 'TypeCode', 'Name'];
  /** A VAT accounting currency (BT-6) `code`, the header VAT total in it (BT-111), and `lineTotals` line totals in it. */
  const taxCurrency = (code: string, lineTotals: number) => (x: string) => {
    let out = put(
      x,
      SETTLEMENT.join('/'),
      'TaxCurrencyCode',
      `<ram:TaxCurrencyCode ${ram}>${code}</ram:TaxCurrencyCode>`,
    );
    const total = out && select(scan(out), `${SUMMATION.join('/')}/TaxTotalAmount`)[0];
    if (!out || !total) return undefined;
    const tag = out.slice(total.start, total.openEnd);
    if (!/currencyID\s*=/.test(tag)) return undefined;
    const copy =
      tag.replace(/currencyID\s*=\s*("[^"]*"|'[^']*')/, `currencyID="${code}"`) + out.slice(total.openEnd, total.end);
    out = splice(out, total.end, total.end, copy);
    for (let i = 0; i < lineTotals && out !== undefined; i++)
      out = put(
        out,
        lineSum,
        'TaxTotalAmount',
        `<ram:TaxTotalAmount ${ram} currencyID="${code}">0.00</ram:TaxTotalAmount>`,
      );
    return out;
  };
  const out: { id: string; ctx: string[]; label: string; edit: Edit }[] = [];
  const add = (ids: string[], ctx: string[], label: string, edit: Edit) =>
    ids.forEach((id) => out.push({ id, ctx, label, edit }));
  add(
    checkIds(profile, 'HeaderMonetarySummation/TaxTotalAmount[@currencyID=../../ram:TaxCurrencyCode]', '@currencyID'),
    SUMMATION,
    `VAT accounting currency ${BAD_CODE} with the VAT total in it`,
    taxCurrency(BAD_CODE, 0),
  );
  add(
    checkIds(
      profile,
      'LineMonetarySummation/TaxTotalAmount[@currencyID=/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/ram:TaxCurrencyCode]',
      '@currencyID',
    ),
    LINES,
    `VAT accounting currency ${BAD_CODE} with the VAT totals (header, line) in it`,
    taxCurrency(BAD_CODE, 1),
  );
  add(
    structureIds(
      profile,
      'SpecifiedTradeSettlementLineMonetarySummation',
      'count(ram:TaxTotalAmount[@currencyID=/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/ram:TaxCurrencyCode])<=1',
    ),
    LINES,
    'VAT accounting currency CHF with two line VAT totals in it',
    taxCurrency('CHF', 2),
  );
  // The line VAT total in the invoice currency with a code no list has: the invoice currency itself changes, and
  // every amount that gave it.
  add(
    checkIds(
      profile,
      'LineMonetarySummation/TaxTotalAmount[@currencyID=/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/ram:InvoiceCurrencyCode]',
      '@currencyID',
    ),
    [...lineSum.split('/'), 'TaxTotalAmount'],
    `invoice currency ${BAD_CODE}, with the VAT totals`,
    (x) => {
      const code = select(scan(x), `${SETTLEMENT.join('/')}/InvoiceCurrencyCode`)[0];
      if (!code || !select(scan(x), `${lineSum}/TaxTotalAmount`).length) return undefined;
      const c = textOfEl(x, code);
      const y = splice(x, code.openEnd, code.closeStart, BAD_CODE);
      return y.replace(new RegExp(`currencyID\\s*=\\s*"${c}"`, 'g'), `currencyID="${BAD_CODE}"`);
    },
  );
  // A seller (header, or an item's) with two tax registrations of the scheme (its XSD allows two at most).
  for (const [party, path] of [
    ['SellerTradeParty', [...AGREEMENT, 'SellerTradeParty']],
    ['ItemSellerTradeParty', [...LINES, 'SpecifiedLineTradeAgreement', 'ItemSellerTradeParty']],
  ] as const)
    for (const scheme of ['FC', 'VA'])
      add(
        structureIds(profile, `/${party}`, `count(ram:SpecifiedTaxRegistration[ram:ID/@schemeID="${scheme}"])<=1`),
        [...path],
        `${party} with two ${scheme} registrations`,
        (x) =>
          rewrite(x, path.join('/'), (p) => {
            const part = without(x, p, 'SpecifiedTaxRegistration') ?? x.slice(p.start, p.end);
            const close = part.lastIndexOf('</');
            const reg = (id: string) =>
              `<ram:SpecifiedTaxRegistration ${ram}><ram:ID schemeID="${scheme}">${id}</ram:ID></ram:SpecifiedTaxRegistration>`;
            return (
              part.slice(0, close) +
              reg(scheme === 'VA' ? 'FR40303265045' : '201/113/40209') +
              reg(scheme === 'VA' ? 'DE123456789' : '201/113/40210') +
              part.slice(close)
            );
          }),
      );
  // Two header VAT totals in the VAT accounting currency, that currency being the invoice's (the XSD allows two
  // totals at most, so they are the only two).
  add(
    structureIds(
      profile,
      'SpecifiedTradeSettlementHeaderMonetarySummation',
      'count(ram:TaxTotalAmount[@currencyID=../../ram:TaxCurrencyCode])<=1',
    ),
    SUMMATION,
    'VAT accounting currency = invoice currency, two VAT totals in it',
    (x) => {
      const code = select(scan(x), `${SETTLEMENT.join('/')}/InvoiceCurrencyCode`)[0];
      return code && taxCurrency(textOfEl(x, code), 0)(x);
    },
  );
  // The same with another accounting currency: both totals in it, none in the invoice currency (on EXTENDED the
  // first form makes BR-FXEXT-CO-15 cast two totals, an XPath error, and the artefact reports nothing).
  add(
    structureIds(
      profile,
      'SpecifiedTradeSettlementHeaderMonetarySummation',
      'count(ram:TaxTotalAmount[@currencyID=../../ram:TaxCurrencyCode])<=1',
    ),
    SUMMATION,
    'VAT accounting currency CHF, both VAT totals in it',
    (x) => {
      const y = taxCurrency('CHF', 0)(x);
      const total = y && select(scan(y), `${SUMMATION.join('/')}/TaxTotalAmount`)[0];
      if (!y || !total) return undefined;
      const tag = y.slice(total.start, total.openEnd).replace(/currencyID\s*=\s*("[^"]*"|'[^']*')/, 'currencyID="CHF"');
      return splice(y, total.start, total.openEnd, tag);
    },
  );
  // A tender reference (50) with its date in a format no list has (CEN forbids the date there: CII-DT-027).
  add(
    checkIds(
      profile,
      'AdditionalReferencedDocument[ram:TypeCode="50"]/FormattedIssueDateTime/DateTimeString',
      '@format',
    ),
    [...AGREEMENT, 'AdditionalReferencedDocument'],
    `tender reference dated in format ${BAD_CODE}`,
    (x) => {
      const d = withChild(x, `${AGREEMENT.join('/')}/AdditionalReferencedDocument`, 'TypeCode', '50');
      if (!d || d.children.some((k) => k.local === 'FormattedIssueDateTime')) return undefined;
      return splice(
        x,
        d.closeStart,
        d.closeStart,
        `<ram:FormattedIssueDateTime ${ram}><qdt:DateTimeString ${qdt} format="${BAD_CODE}">20251215</qdt:DateTimeString></ram:FormattedIssueDateTime>`,
      );
    },
  );
  // An attachment (916) of a MIME type no list has, at the header (a supporting document without one) and at a line
  // (EXTENDED only; CEN forbids a line's document type code and attachment there, CII-DT-018 and CII-DT-022).
  add(
    checkIds(
      profile,
      'ApplicableHeaderTradeAgreement/AdditionalReferencedDocument[ram:TypeCode="916"]/AttachmentBinaryObject',
      '@mimeCode',
    ),
    [...AGREEMENT, 'AdditionalReferencedDocument'],
    `supporting document attached as ${BAD_CODE}`,
    (x) => {
      const d = select(scan(x), `${AGREEMENT.join('/')}/AdditionalReferencedDocument`).find(
        (e) =>
          childText(x, e, 'TypeCode').includes('916') && !e.children.some((k) => k.local === 'AttachmentBinaryObject'),
      );
      return (
        d &&
        insertIn(
          x,
          d,
          refDoc,
          `<ram:AttachmentBinaryObject ${ram} mimeCode="${BAD_CODE}" filename="annexe.pdf">${PDF_BASE64}</ram:AttachmentBinaryObject>`,
        )
      );
    },
  );
  add(
    checkIds(profile, 'SpecifiedLineTradeAgreement/AdditionalReferencedDocument/AttachmentBinaryObject', '@mimeCode'),
    [...LINES, 'SpecifiedLineTradeAgreement'],
    `line document attached as ${BAD_CODE}`,
    (x) =>
      put(
        x,
        `${lines}/SpecifiedLineTradeAgreement`,
        'AdditionalReferencedDocument',
        `<ram:AdditionalReferencedDocument ${ram}><ram:IssuerAssignedID>FT-ART-1254</ram:IssuerAssignedID><ram:TypeCode>916</ram:TypeCode><ram:AttachmentBinaryObject mimeCode="${BAD_CODE}" filename="ft-art-1254.pdf">${PDF_BASE64}</ram:AttachmentBinaryObject></ram:AdditionalReferencedDocument>`,
      ),
  );
  return out;
}

function aims(profile: FacturXProfile): { id: string; ctx: string[]; label: string; edit: Edit }[] {
  const out: { id: string; ctx: string[]; label: string; edit: Edit }[] = [];
  for (const [id, context_, test] of FX_STRUCTURE[profile]) {
    const ctx = stepsOf(context_);
    const e = structureEdit(ctx, test);
    if (e) out.push({ id, ctx: names(ctx), label: `${test}: ${e[0]}`, edit: e[1] });
  }
  // The CII-SR rules the profile artefacts number themselves: a contact with both a person and a department name.
  for (const [id, party] of [
    ['CII-SR-465', 'SellerTradeParty'],
    ['CII-SR-466', 'BuyerTradeParty'],
  ] as const)
    if (FX_FATAL_IDS[profile].includes(id))
      out.push({
        id,
        ctx: [...AGREEMENT, party],
        label: 'contact with a person and a department name',
        edit: (xml) => {
          const at = [...AGREEMENT, party].join('/');
          const ram = `xmlns:ram="${NS['ram']}"`;
          let x = select(scan(xml), `${at}/DefinedTradeContact`).length
            ? xml
            : put(xml, at, 'DefinedTradeContact', `<ram:DefinedTradeContact ${ram}/>`);
          for (const [name, value] of [
            ['PersonName', 'J. Martin'],
            ['DepartmentName', 'Comptabilité'],
          ] as const)
            if (x && !select(scan(x), `${at}/DefinedTradeContact/${name}`).length)
              x = put(x, `${at}/DefinedTradeContact`, name, `<ram:${name} ${ram}>${value}</ram:${name}>`);
          return x;
        },
      });
  // EXTENDED's BR-CO-25 (dropped from the CEN artefacts): a positive amount due without due date nor payment terms.
  if (FX_FATAL_IDS[profile].includes('BR-CO-25') && profile === 'EXTENDED')
    out.push({
      id: 'BR-CO-25',
      ctx: [...SETTLEMENT, 'SpecifiedTradePaymentTerms'],
      label: 'payment terms without due date nor description',
      edit: (xml) => {
        const at = [...SETTLEMENT, 'SpecifiedTradePaymentTerms'].join('/');
        const els = [...select(scan(xml), `${at}/DueDateDateTime`), ...select(scan(xml), `${at}/Description`)];
        let out = xml;
        for (const e of els.sort((a, b) => b.start - a.start)) out = splice(out, e.start, e.end, '');
        return els.length ? out : undefined;
      },
    });
  if (profile === 'EXTENDED') out.push(...extendedAims());
  out.push(...contextAims(profile));
  for (const [id, context_, sel] of FX_CHECKS[profile]) {
    const ctx = stepsOf(context_);
    const e = codeEdit(ctx, sel);
    out.push({ id, ctx: names(ctx), label: `code list ${sel}: ${e[0]}`, edit: e[1] });
  }
  return out;
}

/**
 * The mutants aimed at each profile artefact's assertions: for each, the first base of its profile (largest first)
 * that has the assertion's context and on which the edit applies, else the first on which it applies at all.
 */
export function* facturxMutants(
  bases: { name: string; flow: DetectedFlow; synthetic?: boolean }[],
): Generator<Mutant & { embedded: boolean }> {
  const byProfile = new Map<FacturXProfile, { name: string; xml: string; embedded: boolean; synthetic: boolean }[]>();
  for (const b of bases) {
    const p = b.flow.profile;
    if (!p) continue;
    const list = byProfile.get(p) ?? [];
    list.push({
      name: b.name,
      xml: b.flow.xml.toString('utf8'),
      embedded: b.flow.syntax === 'facturx-pdf',
      synthetic: b.synthetic === true,
    });
    byProfile.set(p, list);
  }
  for (const [profile, list] of byProfile) {
    // A synthetic base (rich-extended.ts) comes after the real ones: it serves the assertions no real base has the
    // context of.
    list.sort(
      (a, b) =>
        Number(a.synthetic) - Number(b.synthetic) || b.xml.length - a.xml.length || a.name.localeCompare(b.name),
    );
    const roots = list.map((b) => scan(b.xml));
    for (const a of aims(profile)) {
      // How deep into the context each base goes (its longest present prefix).
      const depth = roots.map((r) => {
        let k = a.ctx.length;
        while (k > 0 && select(r, a.ctx.slice(0, k).join('/')).length === 0) k--;
        return k;
      });
      const full = a.ctx.length;
      const without = list.filter((_b, i) => depth[i]! < full);
      // Without the context anywhere, a synthetic base that goes deeper into it than every real base comes first (the
      // elements created in it are fewer).
      const realDepth = Math.max(
        0,
        ...list.map((b, i) => (b.synthetic ? 0 : depth[i]!)).filter((_d, i) => depth[i]! < full),
      );
      const deeper = without.filter((b) => b.synthetic && depth[list.indexOf(b)]! > realDepth);
      const order = [
        ...list.filter((_b, i) => depth[i] === full),
        ...deeper,
        ...without.filter((b) => !deeper.includes(b)),
      ];
      for (const b of order) {
        let out: string | undefined;
        try {
          out = a.edit(b.xml);
        } catch {
          out = undefined;
        }
        if (out === undefined || out === b.xml) continue;
        yield {
          name: `${b.name} ${profile}:${a.id} (${a.label})`,
          target: `${profile}:${a.id}`,
          xml: Buffer.from(out),
          embedded: b.embedded,
        };
        break;
      }
    }
  }
}
