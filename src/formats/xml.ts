/**
 * XML sniffing and well-formedness: decode the bytes (decode.ts, the one decoder), then stream the
 * whole document through saxes (no tree, no entity expansion) to find the root element, a few
 * probe texts, and the first well-formedness error with its line and column.
 */
import { SaxesParser } from 'saxes';
import { bomOf, bomlessSignature, decodeXml, type XmlProblem } from './decode.ts';

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
): XmlScanResult {
  const decoded = decodeXml(bytes);
  if (!decoded.ok) return decoded;
  return scanText(decoded.text, decoded.encoding, probesFor, limits);
}

export type XmlLimits = Pick<FormatLimits, 'xmlMaxDepth' | 'xmlMaxTextChars' | 'xmlMaxAttributeChars'>;

function scanText(
  text: string,
  encoding: string,
  probesFor?: (root: XmlName) => readonly Probe[],
  limits: XmlLimits = DEFAULT_LIMITS,
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
