/**
 * XML sniffing and well-formedness: decode the bytes (decode.ts, the one decoder), then parse the document
 * once into the element tree the readers use (read/tree.ts), from which the root element and the probe texts
 * are read; the tree is handed on with the scan, so that a flow's XML is parsed once. saxes (no tree, no entity
 * expansion) is the reference for well-formedness: the tree scanner checks less than XML requires, so a
 * document is accepted on the tree alone only when `surelyWellFormed()` (a few native passes over the text)
 * finds nothing saxes could object to; anything else, and every rejection, goes through saxes, whose message,
 * line and column the finding carries.
 */
import { SaxesParser } from 'saxes';
import { bomOf, bomlessSignature, decodeXml, type XmlProblem } from './decode.ts';
import { parseTree, type XNode } from './read/tree.ts';

export type { XmlProblem } from './decode.ts';
import { DEFAULT_LIMITS } from './limits.ts';
import type { FormatLimits } from './limits.ts';

/** An element name resolved to its namespace (`uri` is '' for no namespace). */
export interface XmlName {
  uri: string;
  local: string;
}

export interface XmlRoot extends XmlName {
  /** Qualified name as written (`rsm:CrossIndustryInvoice`). */
  qname: string;
  line: number;
  column: number;
}

/** A path of elements below the root, e.g. ExchangedDocumentContext / … / ID. */
export type Probe = readonly XmlName[];

export interface XmlScan {
  root: XmlRoot;
  /** The WHATWG name of the encoding the document was read with (`utf-8`, `utf-16le`, `windows-1252`…). */
  encoding: string;
  /** Trimmed text of the first element matching each probe, in the order asked; undefined when absent. */
  probes: (string | undefined)[];
  /** The document's element tree, when it was built (the readers take it instead of parsing again). */
  tree?: XNode;
}

export type XmlScanResult = { ok: true; scan: XmlScan } | { ok: false; problem: XmlProblem };

/** Does the flow start like an XML document (markup first, any BOM or UTF-16/32 signature)? */
export function looksLikeXml(head: Buffer): boolean {
  const bom = bomOf(head);
  if (bom && bom.encoding !== 'UTF-8') return true;
  if (bomlessSignature(head)) return true;
  for (let i = bom?.length ?? 0; i < head.length; i++) {
    const c = head[i];
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    return c === 0x3c;
  }
  return false;
}

const STOP = new Error('stop');

/** saxes prefixes its messages with `line:column: `; split it off. */
function saxesError(e: Error): XmlProblem {
  const m = /^(\d+):(\d+): ([\s\S]*)$/.exec(e.message);
  if (!m) return { kind: 'malformed', message: e.message };
  return { kind: 'malformed', message: m[3] ?? e.message, line: Number(m[1]), column: Number(m[2]) };
}

function clark(n: XmlName): string {
  return `{${n.uri}}${n.local}`;
}

/**
 * Check a whole XML document for well-formedness (streaming) and read its root and probe texts.
 * `probesFor` is asked once the root is known, so only the matching syntax's paths are tracked.
 * A DOCTYPE stops the scan at once: no DTD is ever read (entity expansion attacks).
 */
export function scanXml(
  bytes: Buffer,
  probesFor?: (root: XmlName) => readonly Probe[],
  limits: XmlLimits = DEFAULT_LIMITS,
  opts: ScanOptions = {},
): XmlScanResult {
  const decoded = decodeXml(bytes);
  if (!decoded.ok) return decoded;
  return scanText(decoded.text, decoded.encoding, probesFor, limits, opts);
}

export interface ScanOptions {
  /**
   * false: no element tree is wanted (a document too large for its tree to be kept for the reader): saxes
   * alone judges it, holding no tree (~2 × the text for a 30 Mo invoice) for the time of detection.
   */
  tree?: boolean;
}

export type XmlLimits = Pick<FormatLimits, 'xmlMaxDepth' | 'xmlMaxTextChars' | 'xmlMaxAttributeChars'>;

/**
 * The tree and what detection reads from it; saxes' answer when it must decide (see `surelyWellFormed`), with
 * the tree when saxes finds the document well-formed.
 */
export function scanText(
  text: string,
  encoding: string,
  probesFor?: (root: XmlName) => readonly Probe[],
  limits: XmlLimits = DEFAULT_LIMITS,
  opts: ScanOptions = {},
): XmlScanResult {
  // saxes is the reference: without the tree path, the same answer (test/xml-one-parse.test.ts holds them together).
  if (opts.tree === false) return saxesScan(text, encoding, probesFor, limits);
  let tree: XNode | undefined;
  try {
    // One level less than allowed: the tree scanner does not count self-closing elements, saxes does.
    tree = parseTree(text, { ...limits, xmlMaxDepth: Math.max(1, limits.xmlMaxDepth - 1) });
  } catch {
    // saxes says what is wrong, where
  }
  const onTree = tree && scanTree(text, encoding, tree, probesFor, limits);
  if (onTree) return onTree;
  const judged = saxesScan(text, encoding, probesFor, limits);
  // Well-formed after all (a namespace declared below the root, a CDATA section…): the tree stands.
  return judged.ok && tree ? { ok: true, scan: { ...judged.scan, tree } } : judged;
}

// ---------------------------------------------------------------------------------------------
// The tree path. Everything below is conservative: a check that cannot be sure says "ask saxes".

const S = '[ \\t\\r\\n]';
const NAME = '[A-Za-z_][A-Za-z0-9_.\\-]*';
const QNAME = `${NAME}(?::${NAME})?`;
/** The XML declaration as XML 1.0 writes it (version 1.0, EncName, standalone yes|no). */
const XML_DECL = new RegExp(
  `^<\\?xml${S}+version${S}*=${S}*(["'])1\\.0\\1(?:${S}+encoding${S}*=${S}*(["'])[A-Za-z][A-Za-z0-9._\\-]*\\2)?` +
    `(?:${S}+standalone${S}*=${S}*(["'])(?:yes|no)\\3)?${S}*\\?>`,
);
/** Characters XML 1.0 forbids (lone surrogates are checked apart). */
// eslint-disable-next-line no-control-regex -- the characters XML forbids are control characters
const NOT_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
/** One attribute, preceded by the white space XML requires before it. */
const ATTRIBUTE = new RegExp(`${S}+(${QNAME})${S}*=${S}*(?:"[^"<]*"|'[^'<]*')`, 'y');
/** A processing instruction other than the XML declaration (a stylesheet): a target, white space, its data. */
const PI = new RegExp(`<\\?(${NAME})(?:${S}[^]*?)?\\?>`, 'y');
const TAG_END = new RegExp(`${S}*/?>`, 'y');
const CHAR_REF = /&#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}));|&#/g;
const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

function isXmlChar(c: number): boolean {
  return (
    c === 9 ||
    c === 10 ||
    c === 13 ||
    (c >= 0x20 && c <= 0xd7ff) ||
    (c >= 0xe000 && c <= 0xfffd) ||
    (c >= 0x10000 && c <= 0x10ffff)
  );
}

/** What the names of a document use and declare: namespace prefixes (the root's declarations, the others'). */
interface Namespaces {
  /** Prefixes used by attribute names (elements' are read from the tree). */
  used: Set<string>;
  /** The root's declarations, '' for the default namespace. */
  root: Map<string, string>;
  /** Declarations below the root, [prefix, uri]. */
  nested: [string, string][];
}

/**
 * The attributes of the start tag whose name ends at `from`, checked as saxes would (white space before each,
 * a quoted value, no name twice), their prefixes and namespace declarations noted in `ns` (`declares`: the
 * root's map, else below the root); the position after its `>`, or -1 when unsure.
 */
function checkAttributes(text: string, from: number, ns: Namespaces, declares?: Map<string, string>): number {
  let seen: string[] | undefined; // most tags carry one or two attributes
  let at = from;
  for (;;) {
    ATTRIBUTE.lastIndex = at;
    const m = ATTRIBUTE.exec(text);
    if (!m) break;
    const name = m[1]!;
    const colon = name.indexOf(':');
    const local = colon < 0 ? name : name.slice(colon + 1);
    if (seen?.includes(local)) return -1; // the same name twice, or two prefixes that may name one namespace
    (seen ??= []).push(local);
    if (name === 'xmlns' || name.startsWith('xmlns:')) {
      const value = m[0].slice(m[0].search(/["']/) + 1, -1);
      const prefix = colon < 0 ? '' : local;
      // A reference or a line break would be normalised by saxes (attribute value normalisation): unsure.
      if (/[&\t\n\r]/.test(value) || value === XML_NS || value === XMLNS_NS) return -1;
      if (prefix === 'xml' || prefix === 'xmlns' || (prefix !== '' && value === '')) return -1;
      if (declares) declares.set(prefix, value);
      else ns.nested.push([prefix, value]);
    } else if (colon >= 0) ns.used.add(name.slice(0, colon));
    at = ATTRIBUTE.lastIndex;
  }
  TAG_END.lastIndex = at;
  return TAG_END.test(text) ? TAG_END.lastIndex : -1;
}

/** Where the root start tag begins: after the XML declaration, comments, processing instructions and white space. */
function rootStart(text: string): number {
  let i = 0;
  if (text.startsWith('<?')) i = XML_DECL.exec(text)?.[0].length ?? -1;
  while (i >= 0 && i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) i++;
    else if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      i = end < 0 ? -1 : end + 3;
    } else if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      i = end < 0 ? -1 : end + 2;
    } else return c === 60 ? i : -1;
  }
  return -1;
}

/**
 * True only when saxes would find nothing wrong with a text the tree scanner accepted: its characters, its
 * markup declarations (comments only), processing instructions, names, attributes, namespace prefixes (every
 * name's namespace is its prefix's on the root: a declaration below the root is accepted only when it changes no
 * name's namespace), character references and the sizes saxes measures per text. Depth: the tree was
 * built one level short of the limit, so that its self-closing leaves are within it.
 */
function surelyWellFormed(text: string, rootAt: number, ns: Namespaces, limits: XmlLimits): boolean {
  if (NOT_CHAR.test(text) || !(text as string & { isWellFormed(): boolean }).isWellFormed() || text.includes(']]>'))
    return false;
  for (let i = text.indexOf('<!'); i >= 0; i = text.indexOf('<!', i + 2)) {
    if (!text.startsWith('<!--', i)) return false; // DOCTYPE, CDATA: saxes decides
    const end = text.indexOf('-->', i + 4);
    if (end < 0 || text.slice(i + 4, end).includes('--') || text.charCodeAt(end - 1) === 45) return false;
    i = end;
  }
  if (text.startsWith('<?') && !XML_DECL.test(text)) return false;
  for (let i = text.indexOf('<?', 1); i >= 0; i = text.indexOf('<?', i + 2)) {
    PI.lastIndex = i;
    const m = PI.exec(text);
    if (!m || m[1]!.toLowerCase() === 'xml') return false;
  }
  // saxes measures each stretch of text between two pieces of markup; no stretch is longer than the widest gap.
  if (text.length > limits.xmlMaxTextChars) {
    let gap = 0;
    for (let at = -1, next = text.indexOf('<'); ; at = next, next = text.indexOf('<', next + 1)) {
      gap = Math.max(gap, (next < 0 ? text.length : next) - at - 1);
      if (next < 0) break;
    }
    if (gap > limits.xmlMaxTextChars) return false;
  }
  for (const m of text.matchAll(CHAR_REF)) {
    const code = m[1] !== undefined ? parseInt(m[1], 16) : m[2] !== undefined ? parseInt(m[2], 10) : -1;
    if (!isXmlChar(code)) return false;
  }
  // One native pass over every '<': a tag whose name is not a name with no prefix or one the root declares
  // (unsure), or a start tag whose name is followed by white space (it may carry attributes: checked).
  const prefixes = [...ns.root.keys()].filter((p) => p !== '').map((p) => p.replace(/[.-]/g, '\\$&'));
  const bound = prefixes.length ? `(?:(?:${prefixes.join('|')}):)?` : '';
  const tags = new RegExp(`<(?:(?!/?${bound}${NAME}[ \\t\\r\\n/>]|[!?])|${QNAME}(?=[ \\t\\r\\n]))`, 'g');
  for (const m of text.matchAll(tags)) {
    if (m[0].length === 1) return false;
    if (m.index === rootAt) continue; // read with its namespace declarations
    if (checkAttributes(text, m.index + m[0].length, ns) < 0) return false;
  }
  for (const p of ns.used) if (p !== 'xml' && !ns.root.has(p)) return false;
  // A declaration below the root that rebinds a prefix some name uses (or the default namespace) may change it.
  // Elements only use the root's prefixes: another one below the root only matters to the attributes using it.
  for (const [p, uri] of ns.nested)
    if (ns.root.get(p) !== uri && (p === '' || ns.root.has(p) || ns.used.has(p))) return false;
  return true;
}

/** saxes' line and column after `end` (code points since the last line break, each of CR, LF, CRLF one break). */
function saxesPosition(text: string, end: number): { line: number; column: number } {
  const before = text.slice(0, end);
  const breaks = before.match(/\r\n|\r|\n/g);
  const last = Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r'));
  let column = 0;
  for (const _ of before.slice(last + 1)) column++;
  return { line: (breaks?.length ?? 0) + 1, column };
}

/** The first element under `n` (document order) at the end of `path`, resolved with `uriOf`. */
function probe(n: XNode, path: readonly XmlName[], k: number, uriOf: (q: string) => string): XNode | undefined {
  const step = path[k];
  if (!step) return n;
  for (const c of n.children) {
    if (c.name !== step.local || uriOf(c.qname) !== step.uri) continue;
    const found = probe(c, path, k + 1, uriOf);
    if (found) return found;
  }
  return undefined;
}

/** The scan read from the tree, or undefined when saxes must decide. */
function scanTree(
  text: string,
  encoding: string,
  tree: XNode,
  probesFor: ((root: XmlName) => readonly Probe[]) | undefined,
  limits: XmlLimits,
): XmlScanResult | undefined {
  const start = rootStart(text);
  if (start < 0 || !text.startsWith(tree.qname, start + 1)) return undefined;
  const ns: Namespaces = { used: new Set(), root: new Map(), nested: [] };
  const end = checkAttributes(text, start + 1 + tree.qname.length, ns, ns.root);
  if (end < 0 || !surelyWellFormed(text, start, ns, limits)) return undefined;
  const declared = ns.root;
  const uriOf = (qname: string): string => {
    const colon = qname.indexOf(':');
    return declared.get(colon < 0 ? '' : qname.slice(0, colon)) ?? '';
  };
  const name = { uri: uriOf(tree.qname), local: tree.name };
  const probes: (string | undefined)[] = [];
  for (const path of probesFor?.(name) ?? []) {
    const found = probe(tree, path, 0, uriOf);
    if (found && found.children.length > 0) return undefined; // saxes would take its descendants' text too
    probes.push(found?.text);
  }
  const root = { ...name, qname: tree.qname, ...saxesPosition(text, end) };
  return { ok: true, scan: { root, encoding, probes, tree } };
}

/** The reference scan: saxes over the whole text, no tree (exported for the test that holds the tree path to it). */
export function saxesScan(
  text: string,
  encoding: string,
  probesFor: ((root: XmlName) => readonly Probe[]) | undefined,
  limits: XmlLimits,
): XmlScanResult {
  const parser = new SaxesParser({ xmlns: true, position: true });
  let root: XmlRoot | undefined;
  let doctype: XmlProblem | undefined;
  let tooBig: XmlProblem | undefined;
  // Depth is bounded before anything else: saxes resolves each prefix by walking the open elements, so an
  // unbounded depth costs O(depth²) (200,000 nested elements: minutes).
  let depth = 0;
  const over = (kind: XmlProblem['kind'], message: string): never => {
    tooBig = { kind, message, line: parser.line, column: parser.column };
    throw STOP;
  };
  let wanted: string[][] = [];
  const found: (string | undefined)[] = [];
  const stack: string[] = [];
  let capturing = -1;
  let captureDepth = 0;
  let captured = '';

  const checkText = (t: string): void => {
    if (t.length > limits.xmlMaxTextChars)
      over(
        'text-too-large',
        `nœud texte de ${t.length} caractères (maximum ${limits.xmlMaxTextChars}), se terminant à cette position`,
      );
  };
  // Text and attribute values never hold '<' (CDATA sections may: they are checked one by one), so when no two
  // '<' are further apart than a limit, nothing can exceed it: the per-text and per-attribute checks, which make
  // saxes build every text, are only attached when a stretch is that long (one indexOf pass otherwise).
  let gap = 0;
  for (let at = -1, next = text.indexOf('<'); ; at = next, next = text.indexOf('<', next + 1)) {
    gap = Math.max(gap, (next < 0 ? text.length : next) - at - 1);
    if (next < 0) break;
  }
  const watchText = gap > limits.xmlMaxTextChars;
  parser.on('opentagstart', (tag) => {
    if (++depth > limits.xmlMaxDepth)
      over('too-deep', `élément <${tag.name}> à une profondeur supérieure à ${limits.xmlMaxDepth} éléments imbriqués`);
  });
  if (gap > limits.xmlMaxAttributeChars)
    parser.on('attribute', (a) => {
      if (a.value.length > limits.xmlMaxAttributeChars)
        over(
          'attribute-too-large',
          `attribut ${a.name} de ${a.value.length} caractères (maximum ${limits.xmlMaxAttributeChars})`,
        );
    });
  // Tag events cost (saxes builds tag objects only for listeners): once nothing more is wanted, only the
  // limits are still checked.
  const done = (): void => {
    parser.off('opentag');
    parser.on('closetag', () => void depth--);
    if (watchText) parser.on('text', checkText);
    else parser.off('text');
    parser.on('cdata', checkText);
  };
  parser.on('doctype', () => {
    doctype = { kind: 'doctype', message: 'déclaration DOCTYPE refusée', line: parser.line, column: parser.column };
    throw STOP;
  });
  parser.on('opentag', (tag) => {
    const name = { uri: tag.uri, local: tag.local };
    if (!root) {
      root = { ...name, qname: tag.name, line: parser.line, column: parser.column };
      wanted = (probesFor?.(name) ?? []).map((p) => p.map(clark));
      for (let i = 0; i < wanted.length; i++) found.push(undefined);
      if (wanted.length === 0) done();
      return;
    }
    stack.push(clark(name));
    if (capturing !== -1) return;
    for (let i = 0; i < wanted.length; i++) {
      const path = wanted[i] ?? [];
      if (found[i] !== undefined || path.length !== stack.length) continue;
      if (path.every((c, k) => c === stack[k])) {
        capturing = i;
        captureDepth = stack.length;
        captured = '';
        break;
      }
    }
  });
  parser.on('text', (t) => {
    checkText(t);
    if (capturing !== -1) captured += t;
  });
  parser.on('cdata', (t) => {
    checkText(t);
    if (capturing !== -1) captured += t;
  });
  parser.on('closetag', () => {
    depth--;
    if (stack.length === 0) return; // the root itself
    if (capturing !== -1 && stack.length === captureDepth) {
      found[capturing] = captured.trim();
      capturing = -1;
      if (found.every((f) => f !== undefined)) done();
    }
    stack.pop();
  });

  try {
    parser.write(text).close();
  } catch (e) {
    if (e === STOP && doctype) return { ok: false, problem: doctype };
    if (e === STOP && tooBig) return { ok: false, problem: tooBig };
    return { ok: false, problem: saxesError(e instanceof Error ? e : new Error(String(e))) };
  }
  if (!root) return { ok: false, problem: { kind: 'malformed', message: 'aucun élément racine' } };
  return { ok: true, scan: { root, encoding, probes: found } };
}

/**
 * Cheap guess of the root element from the first bytes only (no encoding check, no full parse):
 * for numbering a flow at intake. Undefined when no root start tag can be read.
 */
export function sniffRoot(head: Buffer): XmlName | undefined {
  const bom = bomOf(head);
  let text: string;
  if (bom?.encoding === 'UTF-16LE') text = head.subarray(2, head.length - (head.length % 2)).toString('utf16le');
  else if (bom?.encoding === 'UTF-16BE')
    text = Buffer.from(head.subarray(2, head.length - (head.length % 2)))
      .swap16()
      .toString('utf16le');
  else text = head.toString('latin1', bom?.length ?? 0); // tags and namespace URIs are ASCII in practice
  const parser = new SaxesParser({ xmlns: true, position: false });
  let root: XmlName | undefined;
  parser.on('opentag', (tag) => {
    root = { uri: tag.uri, local: tag.local };
    throw STOP;
  });
  try {
    parser.write(text);
  } catch {
    // STOP once the root is read; any earlier error leaves `root` undefined.
  }
  return root;
}
