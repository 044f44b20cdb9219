/**
 * A small BER/DER reader and DER writer. We read CMS by hand (not through an ASN.1 object model)
 * because the signature covers the signed attributes exactly as the sender encoded them: every node
 * keeps its raw bytes, so nothing is re-encoded. Indefinite lengths (`openssl cms -stream`) and
 * constructed OCTET STRINGs are read too, since BER is legal in CMS outside the signed attributes.
 */

export class DerError extends Error {}

export interface Node {
  /** Identifier octet as read (class, constructed bit, tag number < 31). */
  tag: number;
  constructed: boolean;
  /** Class bits: 0 universal, 0x40 application, 0x80 context-specific, 0xc0 private. */
  cls: number;
  /** Tag number inside its class. */
  num: number;
  /** The whole TLV (header, value and, for indefinite lengths, the end-of-contents octets). */
  raw: Buffer;
  /** The value octets (for an indefinite length: everything between header and end-of-contents). */
  value: Buffer;
  children: Node[];
}

const MAX_DEPTH = 64;

interface Header {
  tag: number;
  headerLength: number;
  /** -1 for an indefinite length. */
  length: number;
}

export function readHeader(buf: Buffer, offset: number): Header {
  if (offset + 2 > buf.length) throw new DerError('truncated header');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not used in CMS');
  let len = buf[offset + 1]!;
  let headerLength = 2;
  if (len === 0x80) return { tag, headerLength, length: -1 };
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n > 4 || offset + 2 + n > buf.length) throw new DerError('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[offset + 2 + i]!;
    headerLength += n;
  }
  return { tag, headerLength, length: len };
}

function parseAt(buf: Buffer, offset: number, depth: number): Node {
  if (depth > MAX_DEPTH) throw new DerError('nesting too deep');
  const h = readHeader(buf, offset);
  const constructed = (h.tag & 0x20) !== 0;
  const start = offset + h.headerLength;
  const children: Node[] = [];
  let end: number;
  let valueEnd: number;
  if (h.length === -1) {
    if (!constructed) throw new DerError('indefinite length on a primitive');
    let p = start;
    for (;;) {
      if (p + 2 > buf.length) throw new DerError('missing end-of-contents');
      if (buf[p] === 0 && buf[p + 1] === 0) break;
      const child = parseAt(buf, p, depth + 1);
      children.push(child);
      p += child.raw.length;
    }
    valueEnd = p;
    end = p + 2;
  } else {
    end = start + h.length;
    valueEnd = end;
    if (end > buf.length) throw new DerError('length beyond the data');
    if (constructed) {
      let p = start;
      while (p < end) {
        const child = parseAt(buf.subarray(0, end), p, depth + 1);
        children.push(child);
        p += child.raw.length;
      }
    }
  }
  return {
    tag: h.tag,
    constructed,
    cls: h.tag & 0xc0,
    num: h.tag & 0x1f,
    raw: buf.subarray(offset, end),
    value: buf.subarray(start, valueEnd),
    children,
  };
}

/** Parses one TLV that must fill the buffer (trailing zero padding, seen in some PEM exports, is tolerated). */
export function parse(buf: Buffer): Node {
  const node = parseAt(buf, 0, 0);
  for (let i = node.raw.length; i < buf.length; i++) if (buf[i] !== 0) throw new DerError('trailing data');
  return node;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8: 0x0c,
  PRINTABLE: 0x13,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

export function want(node: Node | undefined, tag: number, what: string): Node {
  if (!node) throw new DerError(`${what}: missing`);
  if (node.tag !== tag)
    throw new DerError(`${what}: tag 0x${node.tag.toString(16)} where 0x${tag.toString(16)} was expected`);
  return node;
}

/** A context-specific tag [n], constructed or not. */
export function isContext(node: Node | undefined, n: number): boolean {
  return node !== undefined && node.cls === 0x80 && node.num === n;
}

export function oid(node: Node | undefined, what = 'OID'): string {
  const v = want(node, TAG.OID, what).value;
  if (v.length === 0) throw new DerError(`${what}: empty`);
  const parts: number[] = [];
  let acc = 0;
  for (const b of v) {
    acc = acc * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (parts.length === 0) {
        const first = acc < 80 ? Math.floor(acc / 40) : 2;
        parts.push(first, acc - first * 40);
      } else parts.push(acc);
      acc = 0;
    }
  }
  return parts.join('.');
}

/** OCTET STRING contents, joining the segments of a BER constructed string. */
export function octets(node: Node | undefined, what = 'OCTET STRING'): Buffer {
  if (!node) throw new DerError(`${what}: missing`);
  if (node.cls !== 0 || node.num !== TAG.OCTET_STRING) throw new DerError(`${what}: not an OCTET STRING`);
  if (!node.constructed) return node.value;
  return Buffer.concat(node.children.map((c) => octets(c, what)));
}

/** BIT STRING contents without the unused-bits octet. */
export function bits(node: Node | undefined, what = 'BIT STRING'): Buffer {
  const v = want(node, TAG.BIT_STRING, what).value;
  if (v.length === 0) throw new DerError(`${what}: empty`);
  return v.subarray(1);
}

/** INTEGER as upper-case hex without leading zero octets (the way certificate serials are shown). */
export function integerHex(node: Node | undefined, what = 'INTEGER'): string {
  let v = want(node, TAG.INTEGER, what).value;
  while (v.length > 1 && v[0] === 0) v = v.subarray(1);
  return v.toString('hex').toUpperCase();
}

export function smallInteger(node: Node | undefined, what = 'INTEGER'): number {
  const v = want(node, TAG.INTEGER, what).value;
  if (v.length > 4) throw new DerError(`${what}: too large`);
  return v.reduce((acc, b) => acc * 256 + b, 0);
}

/** UTCTime or GeneralizedTime (the forms RFC 5280 allows: seconds, `Z`). */
export function time(node: Node | undefined, what = 'Time'): Date {
  if (!node) throw new DerError(`${what}: missing`);
  const s = node.value.toString('latin1');
  let m: RegExpMatchArray | null;
  if (node.tag === TAG.UTC_TIME && (m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?Z$/.exec(s))) {
    const yy = Number(m[1]);
    return new Date(
      Date.UTC(
        yy < 50 ? 2000 + yy : 1900 + yy,
        Number(m[2]) - 1,
        Number(m[3]),
        Number(m[4]),
        Number(m[5]),
        Number(m[6] ?? 0),
      ),
    );
  }
  if (node.tag === TAG.GENERALIZED_TIME && (m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.\d+)?Z$/.exec(s))) {
    return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  }
  throw new DerError(`${what}: unreadable time ${JSON.stringify(s)}`);
}

// ---- writer (used by the test PKI) ----

function lengthBytes(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const out: number[] = [];
  while (n > 0) {
    out.unshift(n & 0xff);
    n = Math.floor(n / 256);
  }
  return Buffer.from([0x80 | out.length, ...out]);
}

function tlv(tag: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), lengthBytes(value.length), value]);
}

export const w = {
  seq: (...items: Buffer[]): Buffer => tlv(TAG.SEQUENCE, Buffer.concat(items)),
  set: (...items: Buffer[]): Buffer => tlv(TAG.SET, Buffer.concat(items)),
  /** Positive integer from its big-endian magnitude. */
  uint: (magnitude: Buffer): Buffer => {
    let m = magnitude;
    while (m.length > 1 && m[0] === 0) m = m.subarray(1);
    return tlv(TAG.INTEGER, m[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), m]) : m);
  },
  int: (n: number): Buffer => {
    const hex = n.toString(16);
    return w.uint(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex'));
  },
  oid: (dotted: string): Buffer => {
    const p = dotted.split('.').map(Number);
    const bytes: number[] = [];
    const arcs = [p[0]! * 40 + p[1]!, ...p.slice(2)];
    for (const arc of arcs) {
      const enc = [arc & 0x7f];
      let a = Math.floor(arc / 128);
      while (a > 0) {
        enc.unshift((a & 0x7f) | 0x80);
        a = Math.floor(a / 128);
      }
      bytes.push(...enc);
    }
    return tlv(TAG.OID, Buffer.from(bytes));
  },
  null: (): Buffer => Buffer.from([TAG.NULL, 0]),
  bool: (v: boolean): Buffer => Buffer.from([0x01, 1, v ? 0xff : 0]),
  utf8: (s: string): Buffer => tlv(TAG.UTF8, Buffer.from(s, 'utf8')),
  printable: (s: string): Buffer => tlv(TAG.PRINTABLE, Buffer.from(s, 'latin1')),
  octets: (b: Buffer): Buffer => tlv(TAG.OCTET_STRING, b),
  bits: (b: Buffer, unused = 0): Buffer => tlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([unused]), b])),
  /** RFC 5280: UTCTime through 2049, GeneralizedTime from 2050. */
  time: (d: Date): Buffer => {
    const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
    return d.getUTCFullYear() < 2050
      ? tlv(TAG.UTC_TIME, Buffer.from(iso.slice(2) + 'Z'))
      : tlv(TAG.GENERALIZED_TIME, Buffer.from(iso + 'Z'));
  },
  explicit: (n: number, inner: Buffer): Buffer => tlv(0xa0 | n, inner),
};
