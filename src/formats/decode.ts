/**
 * The one XML decoder of the product: detection, the invoice and status readers, zip entries, the XML
 * embedded in a PDF and the schema stage all read a document's characters through `decodeXml`.
 *
 * Encoding labels and their aliases are those of the WHATWG Encoding Standard, resolved by Node's
 * `TextDecoder` (no table of our own): `ISO8859-1`, `ISO_8859-1`, `CP819`, `L1`, `latin1` all name
 * windows-1252, `ISO-8859-15` its own table, and so on. Order of evidence (XML 1.0 appendix F):
 * a byte-order mark (UTF-8, UTF-16 LE/BE) first, then the XML declaration's `encoding`, read from the
 * bytes, else UTF-8. An unknown label, a label contradicting the BOM, or bytes invalid in the encoding
 * is a problem for a FORMAT finding (FMT-XML-ENCODING-UNSUPPORTED / FMT-XML-ENCODING-INVALID).
 */
import { isAscii, isUtf8 } from 'node:buffer';

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

/** `encoding` is the WHATWG name of the encoding the text was read with (`utf-8`, `utf-16be`, `windows-1252`…). */
export type DecodeResult = { ok: true; text: string; encoding: string } | { ok: false; problem: XmlProblem };

/** Byte-order marks (XML 1.0 appendix F). */
export function bomOf(b: Uint8Array): { encoding: string; length: number } | undefined {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: 'UTF-8', length: 3 };
  if (b[0] === 0x00 && b[1] === 0x00 && b[2] === 0xfe && b[3] === 0xff) return { encoding: 'UTF-32BE', length: 4 };
  if (b[0] === 0xff && b[1] === 0xfe && b[2] === 0x00 && b[3] === 0x00) return { encoding: 'UTF-32LE', length: 4 };
  if (b[0] === 0xfe && b[1] === 0xff) return { encoding: 'UTF-16BE', length: 2 };
  if (b[0] === 0xff && b[1] === 0xfe) return { encoding: 'UTF-16LE', length: 2 };
  return undefined;
}

/** BOM-less signatures of encodings we do not read (XML 1.0 appendix F). */
export function bomlessSignature(b: Uint8Array): string | undefined {
  if (b[0] === 0x3c && b[1] === 0x00 && b[2] === 0x3f && b[3] === 0x00) return 'UTF-16LE sans BOM';
  if (b[0] === 0x00 && b[1] === 0x3c && b[2] === 0x00 && b[3] === 0x3f) return 'UTF-16BE sans BOM';
  if (b[0] === 0x00 && b[1] === 0x00 && b[2] === 0x00 && b[3] === 0x3c) return 'UTF-32BE';
  if (b[0] === 0x4c && b[1] === 0x6f && b[2] === 0xa7 && b[3] === 0x94) return 'EBCDIC';
  return undefined;
}

/** The `encoding` pseudo-attribute of the XML declaration, read from ASCII-compatible text. */
function declaredEncoding(prolog: string): string | undefined {
  const decl = /^<\?xml[ \t\r\n]([^>]*)\?>/.exec(prolog) ?? /^<\?xml[ \t\r\n]([^>]{0,200})/.exec(prolog);
  if (!decl) return undefined;
  return /encoding[ \t\r\n]*=[ \t\r\n]*(["'])([^"'>]*)\1/.exec(decl[1] ?? '')?.[2];
}

/** The WHATWG encoding a label names, or undefined for a label the standard does not know (or `replacement`). */
export function encodingForLabel(label: string): string | undefined {
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return undefined;
  }
}

/**
 * WHATWG folds the ASCII labels into windows-1252; an XML processor (libxml2, Xerces) refuses a byte
 * above 0x7F under a US-ASCII declaration, and so do we.
 */
const ASCII_LABELS = new Set(['us-ascii', 'ascii', 'ansi_x3.4-1968']);

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
 * Strict decoding with a TextDecoder; on bytes invalid in `encoding`, the problem is located at the
 * first replacement character of a lenient decoding (where the decoder gave up).
 */
function decodeStrict(body: Uint8Array, encoding: string, label: string): DecodeResult {
  try {
    return { ok: true, text: new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(body), encoding };
  } catch {
    const lenient = new TextDecoder(encoding, { ignoreBOM: true }).decode(body);
    const at = lenient.indexOf('\uFFFD');
    return problem(
      'encoding-invalid',
      `séquence d'octets invalide en ${label} (${encoding})`,
      at >= 0 ? position(lenient, at) : undefined,
    );
  }
}

const UTF16 = new Set(['utf-16le', 'utf-16be']);

/** Decode an XML document's bytes to text; never throws. */
export function decodeXml(bytes: Buffer): DecodeResult {
  const bom = bomOf(bytes);
  const signature = bom ? undefined : bomlessSignature(bytes);
  if (signature) return problem('encoding-unsupported', `encodage ${signature} non supporté`);
  if (bom?.encoding.startsWith('UTF-32'))
    return problem('encoding-unsupported', `encodage ${bom.encoding} non supporté`);

  if (bom && bom.encoding !== 'UTF-8') {
    const encoding = bom.encoding.toLowerCase();
    if ((bytes.length - bom.length) % 2 !== 0)
      return problem('encoding-invalid', `${bom.encoding}: nombre d'octets impair`);
    const decoded = decodeStrict(bytes.subarray(bom.length), encoding, bom.encoding);
    if (!decoded.ok) return decoded;
    const declared = declaredEncoding(decoded.text);
    if (declared !== undefined) {
      const named = encodingForLabel(declared);
      // `UTF-16` names either order (the BOM tells); `UTF-16LE`/`UTF-16BE` must agree with the BOM.
      const explicit = /^\s*utf-?16(le|be)\s*$/i.exec(declared)?.[1]?.toLowerCase();
      if (!named || !UTF16.has(named) || (explicit !== undefined && `utf-16${explicit}` !== encoding)) {
        return problem('encoding-invalid', `BOM ${bom.encoding} mais encoding="${declared}" déclaré`, {
          line: 1,
          column: 1,
        });
      }
    }
    return decoded;
  }

  const start = bom?.length ?? 0;
  const declared = declaredEncoding(bytes.toString('latin1', start, Math.min(bytes.length, start + 256)));
  const encoding = declared === undefined ? 'utf-8' : encodingForLabel(declared);
  if (encoding === undefined) {
    return problem(
      'encoding-unsupported',
      `encoding="${declared}" non supporté (étiquettes acceptées : celles du WHATWG Encoding Standard, ` +
        `par exemple UTF-8, UTF-16 avec BOM, ISO-8859-1, windows-1252, ISO-8859-15)`,
      { line: 1, column: 1 },
    );
  }
  if (encoding === 'utf-8') {
    if (!isUtf8(bytes.subarray(start))) {
      const bad = firstBadUtf8(bytes, start);
      return problem(
        'encoding-invalid',
        `séquence d'octets invalide en UTF-8 (octet 0x${(bytes[bad] ?? 0).toString(16)} à la position ${bad})`,
        position(bytes.toString('latin1'), bad),
      );
    }
    return { ok: true, text: bytes.toString('utf8', start), encoding };
  }
  if (bom) return problem('encoding-invalid', `BOM UTF-8 mais encoding="${declared}" déclaré`, { line: 1, column: 1 });
  if (UTF16.has(encoding))
    return problem('encoding-invalid', `encoding="${declared}" déclaré sans BOM UTF-16`, { line: 1, column: 1 });
  if (ASCII_LABELS.has((declared ?? '').trim().toLowerCase()) && !isAscii(bytes)) {
    const bad = bytes.findIndex((c) => c > 0x7f);
    return problem(
      'encoding-invalid',
      `octet non ASCII 0x${(bytes[bad] ?? 0).toString(16)} à la position ${bad}`,
      position(bytes.toString('latin1'), bad),
    );
  }
  return decodeStrict(bytes, encoding, declared ?? encoding);
}

/**
 * The document as UTF-8 bytes, for a consumer with its own decoder (libxml2 in the schema stage), so
 * that it reads exactly the characters `decodeXml` read. A UTF-8 document is returned as it is (no
 * copy); any other is re-encoded, its declaration saying `UTF-8`. Undecodable bytes are returned as
 * they are: detection has already refused them.
 */
export function xmlAsUtf8(bytes: Buffer): Buffer {
  const bom = bomOf(bytes);
  if (!bom || bom.encoding === 'UTF-8') {
    const start = bom?.length ?? 0;
    const declared = declaredEncoding(bytes.toString('latin1', start, Math.min(bytes.length, start + 256)));
    if (declared === undefined || encodingForLabel(declared) === 'utf-8') return bytes;
  }
  const decoded = decodeXml(bytes);
  if (!decoded.ok) return bytes;
  const text = decoded.text.replace(
    /^(<\?xml[ \t\r\n][^>]*?encoding[ \t\r\n]*=[ \t\r\n]*)(["'])[^"'>]*\2/,
    (_m, head: string, q: string) => `${head}${q}UTF-8${q}`,
  );
  return Buffer.from(text, 'utf8');
}
