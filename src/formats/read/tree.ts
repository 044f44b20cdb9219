/**
 * A light element tree built by one hand-written pass over the XML text: local names, attributes, trimmed
 * text, and per element its offset, from which the line and the XPath are computed only when a finding reads
 * them. A general SAX parser (saxes: ~11 ms per MB before any tree is built) cannot read a 1 MB invoice in a
 * few milliseconds; this scanner does (indexOf jumps, no per-character events, element names recognized from a
 * small cache, and the markup repeated between the values of invoice lines replayed rather than rescanned:
 * ~2.5 ms for the tree of a 1 MB UBL invoice). It still checks what makes the tree right: tags balanced and
 * matching, one root, quoted attributes, known entities; the XSD stage validates the rest before the rules run.
 */
import type { Loc } from '../invoice.ts';
import { DEFAULT_LIMITS } from '../limits.ts';
import type { FormatLimits } from '../limits.ts';

export interface XNode {
  /** Local name (prefix stripped: UBL cac/cbc and CII ram/rsm/udt local names do not collide). */
  readonly name: string;
  attrs: Record<string, string>;
  text: string;
  /** The text as written when trimming changed it (whitespace around a value matters to a few rules). */
  raw?: string;
  children: XNode[];
  /** Line of the start tag (computed on demand). */
  readonly line: number;
  /** Qualified name as written, for XPaths. */
  readonly qname: string;
  parent: XNode | undefined;
  /** Computed on demand from the parent chain: only findings need it. */
  readonly xpath: string;
}

/**
 * Per parent, each child's step (`qname` or `qname[n]`), computed once for all its children when the first
 * XPath under it is asked: a flow whose 50,000 lines each have a finding would otherwise count siblings
 * 50,000 times over (O(n²): seconds to minutes).
 */
const STEPS = new WeakMap<XNode, Map<XNode, string>>();

function stepOf(n: XNode): string {
  const p = n.parent;
  if (!p) return n.qname;
  let steps = STEPS.get(p);
  if (!steps) {
    const total = new Map<string, number>();
    for (const c of p.children) total.set(c.qname, (total.get(c.qname) ?? 0) + 1);
    const seen = new Map<string, number>();
    steps = new Map();
    for (const c of p.children) {
      const k = (seen.get(c.qname) ?? 0) + 1;
      seen.set(c.qname, k);
      steps.set(c, total.get(c.qname)! > 1 ? `${c.qname}[${k}]` : c.qname);
    }
    STEPS.set(p, steps);
  }
  return steps.get(n) ?? n.qname;
}

/** XPath of a node with positional predicates where a name repeats among siblings. */
function xpathOf(n: XNode): string {
  const steps: string[] = [];
  for (let cur: XNode | undefined = n; cur; cur = cur.parent) steps.push(stepOf(cur));
  return '/' + steps.reverse().join('/');
}

/**
 * The source text, for offset → line on demand: the newline index is built at the first request, as 4 bytes
 * per line (a 30 Mo invoice has ~800,000 lines: 3 Mo, where an array of numbers took 6 Mo and its growth more).
 */
class Source {
  #text: string;
  #newlines: Uint32Array | undefined;
  #count = 0;
  constructor(text: string) {
    this.#text = text;
  }
  /** Lines are read from the newline index from now on: the text itself is no longer held. */
  release(): void {
    this.#index();
    this.#text = '';
  }
  lineAt(pos: number): number {
    this.#index();
    const nl = this.#newlines!;
    let lo = 0;
    let hi = this.#count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (nl[mid]! < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  }
  #index(): void {
    if (!this.#newlines) {
      let nl = new Uint32Array(1024);
      let n = 0;
      for (let i = this.#text.indexOf('\n'); i >= 0; i = this.#text.indexOf('\n', i + 1)) {
        if (n === nl.length) {
          const grown = new Uint32Array(n * 2);
          grown.set(nl);
          nl = grown;
        }
        nl[n++] = i;
      }
      this.#newlines = nl;
      this.#count = n;
    }
  }
  columnAt(pos: number): number {
    return pos - this.#text.lastIndexOf('\n', pos - 1);
  }
}

/** Trims an element's text, keeping the written text aside when it had surrounding whitespace. */
function trimText(n: Node): void {
  const t = n.text.trim();
  if (t.length !== n.text.length) {
    if (t !== '') n.raw = n.text;
    n.text = t;
  }
}

/** Shared children array of leaf elements (most of them); replaced at the first child. */
const NO_CHILDREN: XNode[] = Object.freeze([]) as unknown as XNode[];

/** The source of each tree, by its root: a line is asked only for findings, so no element carries it. */
const SOURCES = new WeakMap<XNode, Source>();

/**
 * One element. A 30 Mo invoice has over half a million of them, so an element holds only what cannot be
 * derived (6 fields, ~72 bytes): its names come from its shared TagName, its source from its root, and
 * `raw` is an own property only on the few elements whose text was trimmed.
 */
class Node implements XNode {
  tag: TagName;
  attrs: Record<string, string>;
  text = '';
  declare raw?: string;
  children: XNode[] = NO_CHILDREN;
  parent: XNode | undefined;
  pos: number;
  constructor(tag: TagName, attrs: Record<string, string>, pos: number, parent: Node | undefined) {
    this.tag = tag;
    this.attrs = attrs;
    this.pos = pos;
    this.parent = parent;
  }
  get name(): string {
    return this.tag.name;
  }
  get qname(): string {
    return this.tag.qname;
  }
  get line(): number {
    let root = this.parent;
    while (root?.parent) root = root.parent;
    return SOURCES.get(root ?? this)!.lineAt(this.pos);
  }
  get xpath(): string {
    return xpathOf(this);
  }
  /** As a location (loc() hands the element out as one). */
  toJSON(): Loc {
    return { xpath: this.xpath, line: this.line };
  }
}

/** A limit of FormatLimits the document went past (else the XML is malformed). */
export type XmlLimitKind = 'too-deep' | 'text-too-large' | 'attribute-too-large';

export class XmlReadError extends Error {
  line?: number;
  column?: number;
  limit?: XmlLimitKind;
  constructor(message: string, line?: number, column?: number, limit?: XmlLimitKind) {
    super(message);
    this.name = 'XmlReadError';
    if (line !== undefined) this.line = line;
    if (column !== undefined) this.column = column;
    if (limit !== undefined) this.limit = limit;
  }
}

/** Shared attribute object of elements without attributes (most of them). */
export const EMPTY_ATTRS: Record<string, string> = Object.freeze({});
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

/** Qualified and local name of an element, shared by every element spelled the same way. */
interface TagName {
  qname: string;
  name: string;
}

/**
 * Recently seen tag names, direct-mapped by length and two characters. A start tag whose text equals a cached
 * attribute-less name is recognized by one native comparison instead of a character scan, and elements spelled
 * alike share internalized name strings, so the readers' `c.name === 'ID'` tests compare pointers. Fixed size:
 * names come from the partner.
 */
const PLAIN_TAGS: (TagName | undefined)[] = new Array<TagName | undefined>(1024).fill(undefined);
const NAMED_TAGS: (TagName | undefined)[] = new Array<TagName | undefined>(1024).fill(undefined);

function slot(s: string, from: number, n: number): number {
  return (n * 61 + s.charCodeAt(from + n - 1) * 7 + s.charCodeAt(from + (n >> 1))) & 1023;
}

/** Internalized copy of a string: identical to the readers' string literals. */
function internalized(s: string): string {
  return Object.keys({ [s]: 0 })[0]!;
}

/** The shared TagName of a qualified name. */
function namedTag(qname: string): TagName {
  const k = slot(qname, 0, qname.length);
  const t = NAMED_TAGS[k];
  if (t !== undefined && t.qname === qname) return t;
  const colon = qname.indexOf(':');
  const q = internalized(qname);
  const fresh = { qname: q, name: colon >= 0 ? internalized(qname.slice(colon + 1)) : q };
  NAMED_TAGS[k] = fresh;
  return fresh;
}

/** An attribute name as written, its local name (the attrs key) and whether it declares a namespace. */
interface AttrName {
  raw: string;
  key: string;
  xmlns: boolean;
}

const ATTR_NAMES: (AttrName | undefined)[] = new Array<AttrName | undefined>(256).fill(undefined);

/** The attribute name written in xml[from, to), cached like tag names (internalized keys store fast). */
function attrName(xml: string, from: number, to: number): AttrName {
  const n = to - from;
  if (n === 0) return { raw: '', key: '', xmlns: false };
  const k = slot(xml, from, n) & 255;
  const a = ATTR_NAMES[k];
  if (a !== undefined && a.raw.length === n && xml.startsWith(a.raw, from)) return a;
  const raw = internalized(xml.slice(from, to));
  const colon = raw.indexOf(':');
  const fresh = { raw, key: colon >= 0 ? internalized(raw.slice(colon + 1)) : raw, xmlns: raw.startsWith('xmlns') };
  ATTR_NAMES[k] = fresh;
  return fresh;
}

/**
 * What one start tag, end tag or blank segment of a recorded markup run does (offsets from the run start).
 * `attrs` is the template copied into each element: the readers may keep an element's attrs object.
 */
interface RunStep {
  kind: 0 | 1 | 2; // 0 start tag, 1 end tag, 2 blank text
  off: number;
  end: number;
  tag: TagName | undefined;
  attrs: Record<string, string>;
  selfClosing: boolean;
}

/** Markup between two text values (tags and indentation), as written, with its steps. */
interface Run {
  text: string;
  steps: RunStep[];
}

/** Longer stretches of markup are not recorded (a run is kept per place in the structure). */
const RUN_MAX_CHARS = 4096;

/**
 * Parses XML text into an XNode tree. Throws XmlReadError (with a line) when the XML is not well-formed.
 *
 * Repeated structures (invoice lines) repeat the same markup between their values: each stretch of markup
 * between two text values is recorded, keyed by the enclosing element and its parent, and the next time the
 * same place is reached, a text identical to the recorded one (one native comparison) is replayed step by step
 * instead of scanned. End tags are still checked against the open element; any difference falls back to the
 * character scan at that point.
 */
export function parseTree(
  xml: string,
  limits: Pick<FormatLimits, 'xmlMaxDepth' | 'xmlMaxTextChars' | 'xmlMaxAttributeChars'> = DEFAULT_LIMITS,
): XNode {
  const src = new Source(xml);
  const len = xml.length;
  const fail = (msg: string, at: number, limit?: XmlLimitKind) =>
    new XmlReadError(msg, src.lineAt(at), src.columnAt(at), limit);
  const { xmlMaxDepth, xmlMaxTextChars, xmlMaxAttributeChars } = limits;
  const tooDeep = (at: number) =>
    fail(`élément à une profondeur supérieure à ${xmlMaxDepth} éléments imbriqués`, at, 'too-deep');
  const textTooLong = (n: number, at: number) =>
    fail(`nœud texte de ${n} caractères (maximum ${xmlMaxTextChars})`, at, 'text-too-large');
  const stack: Node[] = [];
  const runs = new Map<TagName, Map<TagName | undefined, Run>>();
  let root: Node | undefined;
  let top: Node | undefined;
  let rec: RunStep[] | undefined; // steps of the run being recorded
  let recStart = 0;
  let recTop: Node | undefined;
  const finishRun = (at: number): void => {
    if (rec !== undefined && recTop !== undefined && rec.length > 1 && at - recStart <= RUN_MAX_CHARS) {
      let byParent = runs.get(recTop.tag);
      if (!byParent) runs.set(recTop.tag, (byParent = new Map<TagName | undefined, Run>()));
      byParent.set((recTop.parent as Node | undefined)?.tag, { text: xml.slice(recStart, at), steps: rec });
    }
    rec = undefined;
  };
  let nextAmp = -1; // position of the next '&' (-1: not searched yet; 2^32-1: none left)
  let nextCr = -1;
  let i = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < len) {
    const lt = xml.indexOf('<', i);
    const end = lt < 0 ? len : lt;
    if (end > i) {
      // Most text between tags is indentation: tested in place, never copied.
      const blank = isSpace(xml.charCodeAt(i)) && blankRange(xml, i + 1, end);
      if (!top) {
        if (!blank) throw fail('text outside the root element', i);
      } else if (top.text !== '' || !blank) {
        let seg = xml.slice(i, end);
        // The next '&' and CR of the document, found once, tell whether this text holds one: no search per text.
        if (nextAmp < i) nextAmp = xml.indexOf('&', i) >>> 0;
        if (nextAmp < end) {
          const d = decodeEntities(seg);
          if (d === undefined) throw fail('invalid entity reference', i);
          seg = d;
        }
        if (nextCr < i) nextCr = xml.indexOf('\r', i) >>> 0;
        if (nextCr < end) seg = seg.replace(/\r\n?/g, '\n');
        top.text = top.text === '' ? seg : top.text + seg;
        if (top.text.length > xmlMaxTextChars) throw textTooLong(top.text.length, i);
      }
      if (rec !== undefined) {
        if (blank)
          rec.push({
            kind: 2,
            off: i - recStart,
            end: end - recStart,
            tag: undefined,
            attrs: EMPTY,
            selfClosing: false,
          });
        else finishRun(i);
      }
    }
    if (lt < 0) break;
    if (rec !== undefined && lt - recStart > RUN_MAX_CHARS) rec = undefined;
    if (rec === undefined && top !== undefined) {
      const run = runs.get(top.tag)?.get((top.parent as Node | undefined)?.tag);
      let resume = -1;
      if (run !== undefined && xml.slice(lt, lt + run.text.length) === run.text) {
        for (const st of run.steps) {
          if (st.kind === 1) {
            if (top === undefined || top.tag !== st.tag) {
              resume = lt + st.off;
              break;
            }
            if (top.text !== '') trimText(top);
            if (top.children.length > 1) top.children = top.children.slice();
            stack.pop();
            top = stack[stack.length - 1];
          } else if (top === undefined) {
            resume = lt + st.off;
            break;
          } else if (st.kind === 0) {
            const node = new Node(st.tag!, st.attrs === EMPTY ? EMPTY : { ...st.attrs }, lt + st.off, top);
            if (top.children === NO_CHILDREN) top.children = [node];
            else top.children.push(node);
            if (!st.selfClosing) {
              if (stack.length >= xmlMaxDepth) throw tooDeep(lt + st.off);
              stack.push(node);
              top = node;
            }
          } else if (top.text !== '') {
            let seg = xml.slice(lt + st.off, lt + st.end);
            if (seg.includes('\r')) seg = seg.replace(/\r\n?/g, '\n');
            top.text += seg;
          }
        }
        if (resume < 0) {
          i = lt + run.text.length;
          continue;
        }
        i = resume; // the general scan takes over where the document departs from the run
      }
      rec = [];
      recStart = resume < 0 ? lt : resume;
      recTop = top;
      if (resume >= 0) continue;
    }
    const c = xml.charCodeAt(lt + 1);
    if (c === 47 /* / */) {
      if (!top) {
        const gt = xml.indexOf('>', lt + 2);
        if (gt < 0) throw fail('unclosed end tag', lt);
        throw fail(`unexpected end tag ${xml.slice(lt, gt + 1)}`, lt);
      }
      // Usual case: `</qname>` right after the name.
      const q = top.qname;
      let gt = lt + 2 + q.length;
      const same = xml.startsWith(q, lt + 2);
      if (!same || xml.charCodeAt(gt) !== 62) {
        gt = xml.indexOf('>', lt + 2);
        if (gt < 0) throw fail('unclosed end tag', lt);
        if (!same || !blankRange(xml, lt + 2 + q.length, gt))
          throw fail(`unexpected end tag ${xml.slice(lt, gt + 1)}`, lt);
      }
      if (rec !== undefined)
        rec.push({ kind: 1, off: lt - recStart, end: 0, tag: top.tag, attrs: EMPTY, selfClosing: false });
      if (top.text !== '') trimText(top);
      if (top.children.length > 1) top.children = top.children.slice();
      stack.pop();
      top = stack[stack.length - 1];
      i = gt + 1;
    } else if (c === 33 /* ! */) {
      rec = undefined; // comments and CDATA sections are not recorded
      if (xml.startsWith('<!--', lt)) {
        const e = xml.indexOf('-->', lt + 4);
        if (e < 0) throw fail('unclosed comment', lt);
        i = e + 3;
      } else if (xml.startsWith('<![CDATA[', lt)) {
        const e = xml.indexOf(']]>', lt + 9);
        if (e < 0 || !top) throw fail('misplaced or unclosed CDATA section', lt);
        top.text += xml.slice(lt + 9, e);
        if (top.text.length > xmlMaxTextChars) throw textTooLong(top.text.length, lt);
        i = e + 3;
      } else if (xml.startsWith('<!DOCTYPE', lt) && !root) {
        const bracket = xml.indexOf('[', lt);
        let gt = xml.indexOf('>', lt);
        if (bracket >= 0 && bracket < gt) gt = xml.indexOf('>', xml.indexOf(']', bracket));
        if (gt < 0) throw fail('unclosed DOCTYPE', lt);
        i = gt + 1;
      } else throw fail('invalid markup declaration', lt);
    } else if (c === 63 /* ? */) {
      rec = undefined;
      const e = xml.indexOf('?>', lt + 2);
      if (e < 0) throw fail('unclosed processing instruction', lt);
      i = e + 2;
    } else {
      let tag: TagName | undefined;
      let attrs = EMPTY;
      let selfClosing = false;
      let j = xml.indexOf('>', lt + 1);
      let k = -1;
      if (j > lt + 1) {
        // Attribute-less tags (most of them) whose name was seen before: one comparison.
        selfClosing = xml.charCodeAt(j - 1) === 47;
        const n = (selfClosing ? j - 1 : j) - lt - 1;
        if (n > 0) {
          k = slot(xml, lt + 1, n);
          const t = PLAIN_TAGS[k];
          if (t !== undefined && t.qname.length === n && xml.startsWith(t.qname, lt + 1)) {
            tag = t;
            j++;
          }
        }
      }
      if (!tag) {
        j = lt + 1;
        let ch = 0;
        while (j < len && !isSpace((ch = xml.charCodeAt(j))) && ch !== 47 && ch !== 62 && ch !== 60) j++;
        if (j === lt + 1 || ch === 60) throw fail('invalid start tag', lt);
        const qname = xml.slice(lt + 1, j);
        tag = namedTag(qname);
        if (k >= 0 && (ch === 62 || (ch === 47 && xml.charCodeAt(j + 1) === 62)) && k === slot(xml, lt + 1, j - lt - 1))
          PLAIN_TAGS[k] = tag;
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
          const an = attrName(xml, ns, j);
          while (j < len && isSpace(xml.charCodeAt(j))) j++;
          if (an.raw === '' || xml.charCodeAt(j) !== 61 /* = */) throw fail(`attribute without value in <${qname}`, lt);
          j++;
          while (j < len && isSpace(xml.charCodeAt(j))) j++;
          const q = xml.charCodeAt(j);
          if (q !== 34 && q !== 39) throw fail(`unquoted attribute value in <${qname}`, lt);
          const ve = xml.indexOf(q === 34 ? '"' : "'", j + 1);
          if (ve < 0) throw fail(`unclosed attribute value in <${qname}`, lt);
          if (ve - j - 1 > xmlMaxAttributeChars)
            throw fail(
              `attribut ${an.raw} de ${ve - j - 1} caractères (maximum ${xmlMaxAttributeChars})`,
              j + 1,
              'attribute-too-large',
            );
          let v = xml.slice(j + 1, ve);
          if (v.includes('<')) throw fail(`'<' in an attribute value of <${qname}`, lt);
          if (v.includes('&')) {
            const d = decodeEntities(v);
            if (d === undefined) throw fail('invalid entity reference', lt);
            v = d;
          }
          j = ve + 1;
          if (an.xmlns) continue;
          if (attrs === EMPTY) attrs = {};
          attrs[an.key] = v;
        }
      }
      if (top) {
        if (rec !== undefined)
          rec.push({
            kind: 0,
            off: lt - recStart,
            end: 0,
            tag,
            attrs: attrs === EMPTY ? EMPTY : { ...attrs },
            selfClosing,
          });
      } else if (root) throw fail('more than one root element', lt);
      const node = new Node(tag, attrs, lt, top);
      if (top) {
        if (top.children === NO_CHILDREN) top.children = [node];
        else top.children.push(node);
      } else SOURCES.set((root = node), src);
      if (!selfClosing) {
        if (stack.length >= xmlMaxDepth) throw tooDeep(lt);
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

/**
 * Lets the text a tree was parsed from go, and shares what repeats: every element text, written text and
 * attribute value becomes an internalized string (a string of its own, where a substring could keep the whole
 * 30 Mo text alive, and one string for the many `0.00`, `S`, `VAT` of a large invoice), elements with the same
 * attributes share one frozen attribute object (`{ currencyID: 'EUR' }` on every amount), and lines are read from
 * the newline index (4 bytes a line) instead of the text. For the reader of a large document, which keeps the
 * tree through the model but needs the text no more.
 */
export function releaseSource(root: XNode): void {
  SOURCES.get(root)?.release();
  const shared = new Map<string, Record<string, string>>();
  const todo: XNode[] = [root];
  for (let n = todo.pop(); n !== undefined; n = todo.pop()) {
    if (n.text !== '') n.text = internalized(n.text);
    if (n.raw !== undefined) n.raw = internalized(n.raw);
    if (n.attrs !== EMPTY) {
      let key = '';
      for (const [k, v] of Object.entries(n.attrs)) key += `${k}\u0000${v}\u0001`;
      let same = shared.get(key);
      if (!same) {
        same = {};
        for (const [k, v] of Object.entries(n.attrs)) same[k] = internalized(v);
        shared.set(key, Object.freeze(same));
      }
      n.attrs = same;
    }
    for (const c of n.children) todo.push(c);
  }
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

/**
 * The location of an element: the element itself, whose line and XPath are computed only when read (a model
 * value holds no location object of its own: half a million of them for a 30 Mo invoice).
 */
export function loc(n: XNode): Loc {
  return n;
}
