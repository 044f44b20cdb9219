/**
 * A light element tree built by one saxes pass: local names, attributes, trimmed text, line and an
 * XPath per element. The readers map it to the invoice model; keeping the tree (not a DOM) keeps
 * memory proportional to the invoice and the pass fast (saxes ~80–90 MB/s).
 */
import { SaxesParser } from 'saxes';
import type { Loc } from '../invoice.ts';

export interface XNode {
  /** Local name (prefix stripped: UBL cac/cbc and CII ram/rsm/udt local names do not collide). */
  name: string;
  attrs: Record<string, string>;
  text: string;
  children: XNode[];
  line: number;
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
      for (const c of p.children as XNode[]) {
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

class Node implements XNode {
  name: string;
  attrs: Record<string, string>;
  text = '';
  children: XNode[] = [];
  line: number;
  qname: string;
  parent: XNode | undefined;
  constructor(name: string, qname: string, attrs: Record<string, string>, line: number, parent: XNode | undefined) {
    this.name = name;
    this.qname = qname;
    this.attrs = attrs;
    this.line = line;
    this.parent = parent;
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

/** Parses XML text into an XNode tree. Throws XmlReadError when the XML is not well-formed. */
export function parseTree(xml: string): XNode {
  const parser = new SaxesParser({ position: true });
  let root: XNode | undefined;
  const stack: XNode[] = [];
  let error: XmlReadError | undefined;
  parser.on('error', (e) => {
    error ??= new XmlReadError(e.message, parser.line);
  });
  parser.on('opentag', (tag) => {
    const q = tag.name;
    const colon = q.indexOf(':');
    const parent = stack[stack.length - 1];
    let attrs = EMPTY;
    for (const k in tag.attributes) {
      if (k.startsWith('xmlns')) continue;
      if (attrs === EMPTY) attrs = {};
      const kc = k.indexOf(':');
      attrs[kc >= 0 ? k.slice(kc + 1) : k] = tag.attributes[k] as string;
    }
    const node = new Node(colon >= 0 ? q.slice(colon + 1) : q, q, attrs, parser.line, parent);
    if (parent) parent.children.push(node);
    else root = node;
    stack.push(node);
  });
  parser.on('text', (t) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  });
  parser.on('cdata', (t) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  });
  parser.on('closetag', () => {
    const node = stack.pop();
    if (node && node.text) node.text = node.text.trim();
  });
  try {
    parser.write(xml).close();
  } catch (e) {
    error ??= new XmlReadError((e as Error).message, parser.line);
  }
  if (error) throw error;
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

/** A location whose XPath is computed only when read. */
class NodeLoc implements Loc {
  line: number;
  #node: XNode;
  constructor(n: XNode) {
    this.line = n.line;
    this.#node = n;
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
