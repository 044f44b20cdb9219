/**
 * XML sniffing and well-formedness: decode the bytes under a supported encoding, then stream the
 * whole document through saxes (no tree, no entity expansion) to find the root element, a few
 * probe texts, and the first well-formedness error with its line and column.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { SaxesParser } from 'saxes';
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

export interface XmlProblem {
  kind:
    | 'encoding-unsupported'
    | 'encoding-invalid'
    | 'doctype'
    | 'malformed'
    | 'too-deep'
    | 'text-too-large'
    | 'attribute-too-large';
  message: string;
  line?: number;
  column?: number;
}

export interface XmlScan {
  root: XmlRoot;
  /** The encoding the document was read with (`UTF-8`, `UTF-16LE`, `UTF-16BE`, `ISO-8859-1`, `US-ASCII`). */
  encoding: string;
  /** Trimmed text of the first element matching each probe, in the order asked; undefined when absent. */
  probes: (string | undefined)[];
}

export type XmlScanResult = { ok: true; scan: XmlScan } | { ok: false; problem: XmlProblem };
export type DecodeResult = { ok: true; text: string; encoding: string } | { ok: false; problem: XmlProblem };

// Names libxml2(-wasm) reads too (checked one by one): accepting a name the schema stage cannot read would
// only move the failure later.
const UTF8_NAMES = new Set(['UTF-8', 'UTF8']);
const UTF16_NAMES = new Set(['UTF-16', 'UTF16', 'UTF-16LE', 'UTF-16BE']);
const LATIN1_NAMES = new Set([
  'ISO-8859-1',
  'ISO_8859-1',
  'ISO8859-1',
  'ISO-LATIN-1',
  'LATIN1',
  'L1',
  'ISO-IR-100',
  'IBM819',
  'CP819',
  'CSISOLATIN1',
]);
const ASCII_NAMES = new Set(['US-ASCII', 'ASCII', 'ANSI_X3.4-1968', 'ISO646-US']);

/** Byte-order marks and BOM-less signatures (XML 1.0 appendix F). */
function bomOf(b: Buffer): { encoding: string; length: number } | undefined {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: 'UTF-8', length: 3 };
  if (b[0] === 0x00 && b[1] === 0x00 && b[2] === 0xfe && b[3] === 0xff) return { encoding: 'UTF-32BE', length: 4 };
  if (b[0] === 0xff && b[1] === 0xfe && b[2] === 0x00 && b[3] === 0x00) return { encoding: 'UTF-32LE', length: 4 };
  if (b[0] === 0xfe && b[1] === 0xff) return { encoding: 'UTF-16BE', length: 2 };
  if (b[0] === 0xff && b[1] === 0xfe) return { encoding: 'UTF-16LE', length: 2 };
  return undefined;
}

function bomlessSignature(b: Buffer): string | undefined {
  if (b[0] === 0x3c && b[1] === 0x00 && b[2] === 0x3f && b[3] === 0x00) return 'UTF-16LE sans BOM';
  if (b[0] === 0x00 && b[1] === 0x3c && b[2] === 0x00 && b[3] === 0x3f) return 'UTF-16BE sans BOM';
  if (b[0] === 0x00 && b[1] === 0x00 && b[2] === 0x00 && b[3] === 0x3c) return 'UTF-32BE';
  if (b[0] === 0x4c && b[1] === 0x6f && b[2] === 0xa7 && b[3] === 0x94) return 'EBCDIC';
  return undefined;
}

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

/** The `encoding` pseudo-attribute of the XML declaration, read from ASCII-compatible text. */
function declaredEncoding(prolog: string): string | undefined {
  const decl = /^<\?xml[ \t\r\n]([^>]*)\?>/.exec(prolog) ?? /^<\?xml[ \t\r\n]([^>]{0,200})/.exec(prolog);
  if (!decl) return undefined;
  return /encoding[ \t\r\n]*=[ \t\r\n]*(["'])([^"'>]*)\1/.exec(decl[1] ?? '')?.[2];
}

function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/** Offset of the first byte that breaks UTF-8 (only called once the fast check failed). */
function firstBadUtf8(b: Buffer, from: number): number {
  let i = from;
  while (i < b.length) {
    const c = b[i] ?? 0;
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (((b[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    // Overlong forms, surrogates and code points above U+10FFFF.
    const c1 = b[i + 1] ?? 0;
    if (
      (c === 0xe0 && c1 < 0xa0) ||
      (c === 0xed && c1 > 0x9f) ||
      (c === 0xf0 && c1 < 0x90) ||
      (c === 0xf4 && c1 > 0x8f)
    ) {
      return i;
    }
    i += n + 1;
  }
  return b.length;
}

function problem(kind: XmlProblem['kind'], message: string, at?: { line: number; column: number }): DecodeResult {
  return { ok: false, problem: at ? { kind, message, ...at } : { kind, message } };
}

/**
 * Decode an XML flow to text. Accepted: UTF-8 (with or without BOM), UTF-16 LE/BE with BOM,
 * ISO-8859-1 and US-ASCII (declared). Everything else, or bytes that break the encoding, is a problem.
 */
export function decodeXml(bytes: Buffer): DecodeResult {
  const bom = bomOf(bytes);
  const signature = bom ? undefined : bomlessSignature(bytes);
  if (signature) return problem('encoding-unsupported', `encodage ${signature} non supporté`);
  if (bom?.encoding.startsWith('UTF-32'))
    return problem('encoding-unsupported', `encodage ${bom.encoding} non supporté`);

  if (bom && bom.encoding !== 'UTF-8') {
    if ((bytes.length - bom.length) % 2 !== 0)
      return problem('encoding-invalid', `${bom.encoding}: nombre d'octets impair`);
    let body = bytes.subarray(bom.length);
    if (bom.encoding === 'UTF-16BE') body = Buffer.from(body).swap16();
    const text = body.toString('utf16le');
    const declared = declaredEncoding(text);
    if (declared !== undefined) {
      const name = declared.toUpperCase();
      if (!UTF16_NAMES.has(name)) {
        return problem('encoding-invalid', `BOM ${bom.encoding} mais encoding="${declared}" déclaré`, {
          line: 1,
          column: 1,
        });
      }
      if ((name === 'UTF-16LE' || name === 'UTF-16BE') && name !== bom.encoding) {
        return problem('encoding-invalid', `BOM ${bom.encoding} mais encoding="${declared}" déclaré`, {
          line: 1,
          column: 1,
        });
      }
    }
    return { ok: true, text, encoding: bom.encoding };
  }

  const start = bom?.length ?? 0;
  const declared = declaredEncoding(bytes.toString('latin1', start, Math.min(bytes.length, start + 256)));
  const name = declared?.toUpperCase() ?? 'UTF-8';
  if (UTF8_NAMES.has(name)) {
    if (!isUtf8(bytes.subarray(start))) {
      const latin = bytes.toString('latin1');
      const bad = firstBadUtf8(bytes, start);
      return problem(
        'encoding-invalid',
        `séquence d'octets invalide en UTF-8 (octet 0x${(bytes[bad] ?? 0).toString(16)} à la position ${bad})`,
        position(latin, bad),
      );
    }
    return { ok: true, text: bytes.toString('utf8', start), encoding: 'UTF-8' };
  }
  if (bom) return problem('encoding-invalid', `BOM UTF-8 mais encoding="${declared}" déclaré`, { line: 1, column: 1 });
  if (LATIN1_NAMES.has(name)) return { ok: true, text: bytes.toString('latin1'), encoding: 'ISO-8859-1' };
  if (ASCII_NAMES.has(name)) {
    if (!isAscii(bytes)) {
      const bad = bytes.findIndex((c) => c > 0x7f);
      return problem(
        'encoding-invalid',
        `octet non ASCII 0x${(bytes[bad] ?? 0).toString(16)} à la position ${bad}`,
        position(bytes.toString('latin1'), bad),
      );
    }
    return { ok: true, text: bytes.toString('latin1'), encoding: 'US-ASCII' };
  }
  if (UTF16_NAMES.has(name))
    return problem('encoding-invalid', `encoding="${declared}" déclaré sans BOM UTF-16`, { line: 1, column: 1 });
  return problem(
    'encoding-unsupported',
    `encoding="${declared}" non supporté (acceptés : UTF-8, UTF-16 avec BOM, ISO-8859-1, US-ASCII)`,
    { line: 1, column: 1 },
  );
}

const STOP = Symbol('stop');

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

export function scanText(
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
