/**
 * Text-level XML editing for the mutation generator (dev/CI only): a light element-span scanner, so that a
 * mutant differs from its base only where it is edited (namespaces, comments, formatting stay byte for byte),
 * and insertion at the place the official XSD's sequence wants (so that a mutant stays XSD-valid).
 */
import fs from 'node:fs';
import path from 'node:path';
export interface El {
  local: string;
  qname: string;
  start: number;
  /** End of the start tag (after `>`). */
  openEnd: number;
  /** Start of the end tag (= openEnd for an empty element written `<a/>`). */
  closeStart: number;
  end: number;
  children: El[];
  parent?: El;
}

/** Element spans of a document (comments, PIs, CDATA and the prolog skipped). */
export function scan(xml: string): El {
  const root: El = {
    local: '#doc',
    qname: '#doc',
    start: 0,
    openEnd: 0,
    closeStart: xml.length,
    end: xml.length,
    children: [],
  };
  const stack: El[] = [root];
  const re =
    /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[[\s\S]*?\]\]>|<!DOCTYPE[^>]*>|<(\/?)([A-Za-z_][\w.:-]*)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    if (m[2] === undefined) continue;
    const qname = m[2];
    const local = qname.slice(qname.indexOf(':') + 1);
    const top = stack[stack.length - 1]!;
    if (m[1] === '/') {
      top.closeStart = m.index;
      top.end = m.index + m[0].length;
      stack.pop();
      continue;
    }
    const el: El = {
      local,
      qname,
      start: m.index,
      openEnd: m.index + m[0].length,
      closeStart: 0,
      end: 0,
      children: [],
      parent: top,
    };
    top.children.push(el);
    if (m[4] === '/') {
      el.closeStart = el.openEnd;
      el.end = el.openEnd;
    } else stack.push(el);
  }
  return root;
}

/** Elements reached by a path of local names; `*` any child, `**` descendants at any depth, `*Line` a glob. */
export function select(from: El, path: string): El[] {
  let cur: El[] = [from];
  for (const step of path.split('/')) {
    if (step === '') continue;
    const next: El[] = [];
    for (const c of cur) {
      if (step === '**') {
        const all: El[] = [];
        const rec = (e: El) => e.children.forEach((k) => (all.push(k), rec(k)));
        rec(c);
        next.push(c, ...all);
      } else if (step.includes('*') && step !== '*') {
        // A glob such as `*Line` (InvoiceLine or CreditNoteLine).
        const re = new RegExp(`^${step.replace(/\*/g, '.*')}$`);
        next.push(...c.children.filter((k) => re.test(k.local)));
      } else next.push(...c.children.filter((k) => step === '*' || k.local === step));
    }
    cur = [...new Set(next)];
  }
  return cur;
}

export function first(xml: string, path: string): El | undefined {
  return select(scan(xml), path)[0];
}

export const splice = (xml: string, a: number, b: number, s: string) => xml.slice(0, a) + s + xml.slice(b);

export function remove(xml: string, path: string): string | undefined {
  const e = first(xml, path);
  return e && splice(xml, e.start, e.end, '');
}
export function removeAll(xml: string, path: string): string | undefined {
  const els = select(scan(xml), path);
  if (els.length === 0) return undefined;
  let out = xml;
  for (const e of [...els].sort((a, b) => b.start - a.start)) out = splice(out, e.start, e.end, '');
  return out;
}
export function textOf(xml: string, e: El): string {
  return xml.slice(e.openEnd, e.closeStart);
}
export function setText(
  xml: string,
  path: string,
  f: string | ((old: string) => string | undefined),
): string | undefined {
  const e = first(xml, path);
  if (!e || e.children.length) return undefined;
  const v = typeof f === 'string' ? f : f(textOf(xml, e));
  if (v === undefined) return undefined;
  if (e.closeStart === e.openEnd)
    return splice(xml, e.start, e.end, `${xml.slice(e.start, e.end - 2)}>${v}</${e.qname}>`);
  return splice(xml, e.openEnd, e.closeStart, v);
}
export function setAttr(xml: string, path: string, name: string, value: string | null): string | undefined {
  const e = first(xml, path);
  if (!e) return undefined;
  const tag = xml.slice(e.start, e.openEnd);
  const re = new RegExp(`\\s${name}\\s*=\\s*("[^"]*"|'[^']*')`);
  let t: string;
  if (value === null) {
    if (!re.test(tag)) return undefined;
    t = tag.replace(re, '');
  } else if (re.test(tag)) t = tag.replace(re, ` ${name}="${value}"`);
  else t = tag.replace(/\s*(\/?)>$/, ` ${name}="${value}"$1>`);
  return splice(xml, e.start, e.openEnd, t);
}
export function duplicate(xml: string, path: string): string | undefined {
  const e = first(xml, path);
  return e && splice(xml, e.end, e.end, xml.slice(e.start, e.end));
}
/** Inserts `snippet` (with `{p}` = the parent's prefix) as the first child of the element at path. */
export function insertFirst(xml: string, path: string, snippet: string): string | undefined {
  const e = first(xml, path);
  if (!e || e.closeStart === e.openEnd) return undefined;
  return splice(xml, e.openEnd, e.openEnd, snippet);
}
export function insertAfter(xml: string, path: string, snippet: string): string | undefined {
  const e = first(xml, path);
  return e && splice(xml, e.end, e.end, snippet);
}
export function insertBefore(xml: string, path: string, snippet: string): string | undefined {
  const e = first(xml, path);
  return e && splice(xml, e.start, e.start, snippet);
}
/** Adds `delta` to a decimal written in the element's text (keeps at least 2 decimals). */
export function shift(delta: string) {
  return (old: string): string | undefined => {
    const t = old.trim();
    if (!/^[+-]?\d+(\.\d+)?$/.test(t)) return undefined;
    const dec = Math.max((t.split('.')[1] ?? '').length, (delta.split('.')[1] ?? '').length);
    const scale = 10 ** dec;
    const v = Math.round(Number(t) * scale) + Math.round(Number(delta) * scale);
    const s = (Math.abs(v) / scale).toFixed(dec);
    return (v < 0 ? '-' : '') + s;
  };
}
export const pad = (old: string) => ` ${old.trim()} `;
/** Sets the text of every element at a path (leaves only). */
export function setAll(xml: string, path: string, f: (old: string) => string | undefined): string {
  let out = xml;
  const els = select(scan(out), path).filter((e) => e.children.length === 0 && e.closeStart > e.openEnd);
  for (const e of els.sort((a, b) => b.start - a.start)) {
    const v = f(out.slice(e.openEnd, e.closeStart));
    if (v !== undefined) out = splice(out, e.openEnd, e.closeStart, v);
  }
  return out;
}

interface SchemaChild {
  name: string;
  type?: string;
}
interface SchemaOrder {
  types: Map<string, SchemaChild[]>;
  globals: Map<string, string>;
}
const XSD = path.resolve(import.meta.dirname, '../../xsd/official');
const orders = new Map<'ubl' | 'cii', SchemaOrder>();

/** The child sequences of the official XSD's complex types (UBL 2.1 or CII D16B), read once. */
function schemaOrder(kind: 'ubl' | 'cii'): SchemaOrder {
  const known = orders.get(kind);
  if (known) return known;
  const files =
    kind === 'ubl'
      ? [
          'ubl-2.1/common/UBL-CommonAggregateComponents-2.1.xsd',
          'ubl-2.1/maindoc/UBL-Invoice-2.1.xsd',
          'ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd',
        ]
      : [
          'cii-d16b/CII/uncefact/data/standard/CrossIndustryInvoice_ReusableAggregateBusinessInformationEntity_100pD16B.xsd',
          'cii-d16b/CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd',
        ];
  const order: SchemaOrder = { types: new Map(), globals: new Map() };
  const elRe = /<xsd:element\s+(?:ref="(?:\w+:)?([^"]+)"|name="([^"]+)"(?:\s+type="(?:\w+:)?([^"]+)")?)/g;
  for (const f of files) {
    const x = fs.readFileSync(path.join(XSD, f), 'utf8');
    const blocks = [...x.matchAll(/<xsd:complexType name="([^"]+)">([\s\S]*?)<\/xsd:complexType>/g)];
    for (const [, name, body] of blocks)
      order.types.set(
        name!,
        [...body!.matchAll(elRe)].map((m) =>
          m[1] ? { name: m[1] } : { name: m[2]!, ...(m[3] ? { type: m[3] } : {}) },
        ),
      );
    const outside = blocks.reduce((acc, b) => acc.replace(b[0], ''), x);
    for (const m of outside.matchAll(elRe)) if (m[2] && m[3]) order.globals.set(m[2], m[3]);
  }
  for (const children of order.types.values())
    for (const c of children) if (!c.type && order.globals.has(c.name)) c.type = order.globals.get(c.name)!;
  orders.set(kind, order);
  return order;
}

/** The XSD type of a scanned element (walking down from the root), if the schema knows it. */
function typeOf(o: SchemaOrder, e: El): string | undefined {
  if (!e.parent || e.parent.local === '#doc') return o.globals.get(e.local);
  const pt = typeOf(o, e.parent);
  return pt ? o.types.get(pt)?.find((c) => c.name === e.local)?.type : undefined;
}

/**
 * Inserts `snippet` (one `child` element) into every element at `parentPath` (or the first only), at the place
 * the official XSD's sequence gives it: after the last child that may precede it. Undefined when nothing matches.
 */
export function put(xml: string, parentPath: string, child: string, snippet: string, all = false): string | undefined {
  const root = scan(xml);
  const kind = root.children[0]?.local === 'CrossIndustryInvoice' ? 'cii' : 'ubl';
  const o = schemaOrder(kind);
  let parents = select(root, parentPath);
  if (parents.length === 0) return undefined;
  if (!all) parents = parents.slice(0, 1);
  let out = xml;
  for (const p of [...parents].sort((a, b) => b.start - a.start)) {
    const t = typeOf(o, p);
    const seq = t ? o.types.get(t)?.map((c) => c.name) : undefined;
    const at = seq?.indexOf(child) ?? -1;
    if (!seq || at < 0) return undefined;
    let after: El | undefined;
    for (const k of p.children) {
      const i = seq.indexOf(k.local);
      if (i >= 0 && i <= at) after = k;
    }
    if (p.closeStart === p.openEnd) {
      const open = out.slice(p.start, p.end).replace(/\s*\/>$/, '>');
      out = splice(out, p.start, p.end, `${open}${snippet}</${p.qname}>`);
    } else out = splice(out, after ? after.end : p.openEnd, after ? after.end : p.openEnd, snippet);
  }
  return out;
}
