/**
 * A light element tree built by one hand-written pass over the XML text: local names, attributes, trimmed
 * text, and per element its offset, from which the line and the XPath are computed only when a finding reads
 * them. A general SAX parser (saxes: ~11 ms per MB before any tree is built) cannot read a 1 MB invoice in a
 * few milliseconds; this scanner does (indexOf jumps, no per-character events). It still checks what makes
 * the tree right: tags balanced and matching, one root, quoted attributes, known entities; the XSD stage
 * validates the rest before the rules run.
 */
import type { Loc } from '../invoice.ts';

export interface XNode {
  /** Local name (prefix stripped: UBL cac/cbc and CII ram/rsm/udt local names do not collide). */
  name: string;
  attrs: Record<string, string>;
  text: string;
  children: XNode[];
  /** Line of the start tag (computed on demand). */
  readonly line: number;
  /** Qualified name as written, for XPaths. */
  qname: string;
  parent: XNode | undefined;
  /** Computed on demand from the parent chain: only findings need it. */
  readonly xpath: string;
}

/** XPath of a node with positional predicates where a name repeats among siblings. */
function xpathOf(n: XNode): string {
  const steps: string[] = [];
  for (let cur: XNode | undefined = n; cur; cur = cur.parent) {
    let step = cur.qname;
    const p: XNode | undefined = cur.parent;
    if (p) {
      let pos = 0;
      let total = 0;
      for (const c of p.children) {
        if (c.qname !== cur.qname) continue;
        total++;
        if (c === cur) pos = total;
      }
      if (total > 1) step += `[${pos}]`;
    }
    steps.push(step);
  }
  return '/' + steps.reverse().join('/');
}

/** The source text, for offset → line on demand (the newline index is built at the first request). */
class Source {
  #text: string;
  #newlines: number[] | undefined;
  constructor(text: string) {
    this.#text = text;
  }
  lineAt(pos: number): number {
    if (!this.#newlines) {
      const nl: number[] = [];
      for (let i = this.#text.indexOf('\n'); i >= 0; i = this.#text.indexOf('\n', i + 1)) nl.push(i);
      this.#newlines = nl;
    }
    const nl = this.#newlines;
    let lo = 0;
    let hi = nl.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (nl[mid]! < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  }
}

/** Shared children array of leaf elements (most of them); replaced at the first child. */
const NO_CHILDREN: XNode[] = Object.freeze([]) as unknown as XNode[];

class Node implements XNode {
  name: string;
  attrs: Record<string, string>;
  text = '';
  children: XNode[] = NO_CHILDREN;
  qname: string;
  parent: XNode | undefined;
  pos: number;
  src: Source;
  constructor(
    name: string,
    qname: string,
    attrs: Record<string, string>,
    pos: number,
    parent: XNode | undefined,
    src: Source,
  ) {
    this.name = name;
    this.qname = qname;
    this.attrs = attrs;
    this.pos = pos;
    this.parent = parent;
    this.src = src;
  }
  get line(): number {
    return this.src.lineAt(this.pos);
  }
  get xpath(): string {
    return xpathOf(this);
  }
}

export class XmlReadError extends Error {
  line?: number;
  constructor(message: string, line?: number) {
    super(message);
    this.name = 'XmlReadError';
    if (line !== undefined) this.line = line;
  }
}

/** Shared attribute object of elements without attributes (most of them). */
export const EMPTY_ATTRS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const EMPTY = EMPTY_ATTRS;

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Replaces the predefined and character references; any other `&` is an error (returns undefined). */
function decodeEntities(s: string): string | undefined {
  let out = '';
  let from = 0;
  for (let i = s.indexOf('&'); i >= 0; i = s.indexOf('&', from)) {
    const semi = s.indexOf(';', i + 1);
    if (semi < 0 || semi - i > 12) return undefined;
    const ref = s.slice(i + 1, semi);
    let ch: string | undefined;
    if (ref.charCodeAt(0) === 35 /* # */) {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (Number.isFinite(code) && code > 0 && code <= 0x10ffff) ch = String.fromCodePoint(code);
    } else ch = ENTITIES[ref];
    if (ch === undefined) return undefined;
    out += s.slice(from, i) + ch;
    from = semi + 1;
  }
  return out + s.slice(from);
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

function blankRange(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(s.charCodeAt(i))) return false;
  return true;
}

/** Qualified and local name of a start tag, shared by every element spelled the same way. */
interface TagName {
  qname: string;
  name: string;
}

/**
 * Tag names seen so far, keyed by the raw text between `<` and `>` of attribute-less start tags (or by the
 * qualified name otherwise): one map lookup replaces a character scan, and equal names share one string, so
 * the readers' name comparisons are pointer comparisons. Bounded, since names come from the partner.
 */
const TAG_NAMES = new Map<string, TagName | null>();
const TAG_NAMES_MAX = 4096;

/** Internalized copy of a string (equal to the readers' literals by identity). */
function internalized(s: string): string {
  return Object.keys({ [s]: 0 })[0]!;
}

function tagName(qname: string): TagName {
  const colon = qname.indexOf(':');
  const q = internalized(qname);
  return { qname: q, name: colon >= 0 ? internalized(qname.slice(colon + 1)) : q };
}

/** The name of an attribute-less start tag whose raw text is `raw`, or null when `raw` is not a plain name. */
function plainTagName(raw: string): TagName | null {
  let t = TAG_NAMES.get(raw);
  if (t !== undefined) return t;
  t = null;
  if (raw !== '') {
    let ok = true;
    for (let k = 0; k < raw.length && ok; k++) {
      const c = raw.charCodeAt(k);
      ok = !isSpace(c) && c !== 47 && c !== 60 && c !== 34 && c !== 39 && c !== 61;
    }
    if (ok) t = tagName(raw);
  }
  if (TAG_NAMES.size < TAG_NAMES_MAX) TAG_NAMES.set(raw, t);
  return t;
}

function namedTag(qname: string): TagName {
  const key = '<' + qname; // never collides with a raw plain name, which has no '<'
  let t = TAG_NAMES.get(key);
  if (!t) {
    t = tagName(qname);
    if (TAG_NAMES.size < TAG_NAMES_MAX) TAG_NAMES.set(key, t);
  }
  return t;
}

/** Parses XML text into an XNode tree. Throws XmlReadError (with a line) when the XML is not well-formed. */
export function parseTree(xml: string): XNode {
  const src = new Source(xml);
  const len = xml.length;
  const fail = (msg: string, at: number) => new XmlReadError(msg, src.lineAt(at));
  const stack: Node[] = [];
  let root: Node | undefined;
  let top: Node | undefined;
  let i = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < len) {
    const lt = xml.indexOf('<', i);
    const end = lt < 0 ? len : lt;
    if (end > i) {
      if (!top) {
        if (!blankRange(xml, i, end)) throw fail('text outside the root element', i);
      } else if (top.text !== '' || (top.children === NO_CHILDREN && !isSpace(xml.charCodeAt(i))) || !blankRange(xml, i, end)) {
        // A leading blank segment may be kept here: the end tag trims it away, as it would have been skipped.
        let seg = xml.slice(i, end);
        if (seg.includes('&')) {
          const d = decodeEntities(seg);
          if (d === undefined) throw fail('invalid entity reference', i);
          seg = d;
        }
        if (seg.includes('\r')) seg = seg.replace(/\r\n?/g, '\n');
        top.text = top.text === '' ? seg : top.text + seg;
      }
    }
    if (lt < 0) break;
    const c = xml.charCodeAt(lt + 1);
    if (c === 47 /* / */) {
      if (!top) throw fail(`unexpected end tag ${xml.slice(lt, xml.indexOf('>', lt) + 1)}`, lt);
      // Usual case: `</qname>` right after the name; compared in place, without a copy.
      const q = top.qname;
      const qlen = q.length;
      let gt = lt + 2 + qlen;
      let same = gt < len;
      for (let k = 0; k < qlen && same; k++) same = xml.charCodeAt(lt + 2 + k) === q.charCodeAt(k);
      if (!same || xml.charCodeAt(gt) !== 62) {
        gt = xml.indexOf('>', lt + 2);
        if (gt < 0) throw fail('unclosed end tag', lt);
        if (!same || !blankRange(xml, lt + 2 + qlen, gt)) throw fail(`unexpected end tag ${xml.slice(lt, gt + 1)}`, lt);
      }
      if (top.text !== '') top.text = top.text.trim();
      stack.pop();
      top = stack[stack.length - 1];
      i = gt + 1;
    } else if (c === 33 /* ! */) {
      if (xml.startsWith('<!--', lt)) {
        const e = xml.indexOf('-->', lt + 4);
        if (e < 0) throw fail('unclosed comment', lt);
        i = e + 3;
      } else if (xml.startsWith('<![CDATA[', lt)) {
        const e = xml.indexOf(']]>', lt + 9);
        if (e < 0 || !top) throw fail('misplaced or unclosed CDATA section', lt);
        top.text += xml.slice(lt + 9, e);
        i = e + 3;
      } else if (xml.startsWith('<!DOCTYPE', lt) && !root) {
        const bracket = xml.indexOf('[', lt);
        let gt = xml.indexOf('>', lt);
        if (bracket >= 0 && bracket < gt) gt = xml.indexOf('>', xml.indexOf(']', bracket));
        if (gt < 0) throw fail('unclosed DOCTYPE', lt);
        i = gt + 1;
      } else throw fail('invalid markup declaration', lt);
    } else if (c === 63 /* ? */) {
      const e = xml.indexOf('?>', lt + 2);
      if (e < 0) throw fail('unclosed processing instruction', lt);
      i = e + 2;
    } else {
      let tag: TagName | null = null;
      let attrs = EMPTY;
      let selfClosing = false;
      let j = xml.indexOf('>', lt + 1);
      if (j >= 0) {
        // Attribute-less tags (most of them): the whole tag text names the element.
        selfClosing = xml.charCodeAt(j - 1) === 47 && j - 1 > lt;
        tag = plainTagName(xml.slice(lt + 1, selfClosing ? j - 1 : j));
        j++;
      }
      if (!tag) {
        j = lt + 1;
        let ch = 0;
        while (j < len && !isSpace((ch = xml.charCodeAt(j))) && ch !== 47 && ch !== 62 && ch !== 60) j++;
        if (j === lt + 1 || ch === 60) throw fail('invalid start tag', lt);
        const qname = xml.slice(lt + 1, j);
        tag = namedTag(qname);
        selfClosing = false;
        for (;;) {
          while (j < len && isSpace(xml.charCodeAt(j))) j++;
          if (j >= len) throw fail(`unclosed start tag <${qname}`, lt);
          ch = xml.charCodeAt(j);
          if (ch === 62 /* > */) {
            j++;
            break;
          }
          if (ch === 47 /* / */) {
            if (xml.charCodeAt(j + 1) !== 62) throw fail(`invalid start tag <${qname}`, lt);
            selfClosing = true;
            j += 2;
            break;
          }
          const ns = j;
          while (j < len && (ch = xml.charCodeAt(j)) !== 61 && !isSpace(ch) && ch !== 62 && ch !== 47 && ch !== 60) j++;
          const an = xml.slice(ns, j);
          while (j < len && isSpace(xml.charCodeAt(j))) j++;
          if (an === '' || xml.charCodeAt(j) !== 61 /* = */) throw fail(`attribute without value in <${qname}`, lt);
          j++;
          while (j < len && isSpace(xml.charCodeAt(j))) j++;
          const q = xml.charCodeAt(j);
          if (q !== 34 && q !== 39) throw fail(`unquoted attribute value in <${qname}`, lt);
          const ve = xml.indexOf(q === 34 ? '"' : "'", j + 1);
          if (ve < 0) throw fail(`unclosed attribute value in <${qname}`, lt);
          let v = xml.slice(j + 1, ve);
          if (v.includes('<')) throw fail(`'<' in an attribute value of <${qname}`, lt);
          if (v.includes('&')) {
            const d = decodeEntities(v);
            if (d === undefined) throw fail('invalid entity reference', lt);
            v = d;
          }
          j = ve + 1;
          if (an.startsWith('xmlns')) continue;
          if (attrs === EMPTY) attrs = {};
          const kc = an.indexOf(':');
          attrs[kc >= 0 ? an.slice(kc + 1) : an] = v;
        }
      }
      const node = new Node(tag.name, tag.qname, attrs, lt, top, src);
      if (top) {
        if (top.children === NO_CHILDREN) top.children = [node];
        else top.children.push(node);
      } else if (root) throw fail('more than one root element', lt);
      else root = node;
      if (!selfClosing) {
        stack.push(node);
        top = node;
      }
      i = j;
    }
  }
  if (top) throw fail(`unclosed element <${top.qname}>`, len);
  if (!root) throw new XmlReadError('no root element');
  return root;
}

/** Decodes the XML bytes: UTF-8 (BOM stripped) or UTF-16 with BOM; ISO-8859-1 when the declaration says so. */
export function decodeXml(xml: Buffer): string {
  if (xml[0] === 0xef && xml[1] === 0xbb && xml[2] === 0xbf) return xml.subarray(3).toString('utf8');
  if (xml[0] === 0xff && xml[1] === 0xfe) return xml.subarray(2).toString('utf16le');
  if (xml[0] === 0xfe && xml[1] === 0xff) {
    const swapped = Buffer.from(xml.subarray(2));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  const head = xml.subarray(0, 100).toString('latin1');
  if (/encoding=["'](iso-8859-1|latin-?1)["']/i.test(head)) return xml.toString('latin1');
  return xml.toString('utf8');
}

/** First child with that local name. */
export function child(n: XNode | undefined, name: string): XNode | undefined {
  if (!n) return undefined;
  for (const c of n.children) if (c.name === name) return c;
  return undefined;
}

/** All children with that local name. */
export function children(n: XNode | undefined, name: string): XNode[] {
  if (!n) return [];
  const out: XNode[] = [];
  for (const c of n.children) if (c.name === name) out.push(c);
  return out;
}

/** Follows a path of local names, first match at each step. */
export function at(n: XNode | undefined, ...path: string[]): XNode | undefined {
  let cur = n;
  for (const p of path) {
    cur = child(cur, p);
    if (!cur) return undefined;
  }
  return cur;
}

/** A location whose line and XPath are computed only when read. */
class NodeLoc implements Loc {
  #node: XNode;
  constructor(n: XNode) {
    this.#node = n;
  }
  get line(): number {
    return this.#node.line;
  }
  get xpath(): string {
    return this.#node.xpath;
  }
  toJSON(): Loc {
    return { xpath: this.xpath, line: this.line };
  }
}

export function loc(n: XNode): Loc {
  return new NodeLoc(n);
}
