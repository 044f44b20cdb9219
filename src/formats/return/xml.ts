/**
 * Small helpers shared by the return-flow writers and reader: a minimal XML builder that always
 * escapes, Europe/Paris date rendering, and character-safe truncation.
 */

export interface XmlNode {
  name: string;
  attrs?: Array<[string, string | number | undefined]>;
  children?: Array<XmlNode | undefined>;
  text?: string;
}

export function el(name: string, content?: string | Array<XmlNode | undefined>, attrs?: XmlNode['attrs']): XmlNode {
  const node: XmlNode = { name };
  if (attrs) node.attrs = attrs;
  if (typeof content === 'string') node.text = content;
  else if (content) node.children = content;
  return node;
}

/** An element only when it has a value: keeps optional elements out of the output. */
export function opt(name: string, value: string | undefined): XmlNode | undefined {
  return value === undefined ? undefined : el(name, value);
}

// Characters XML 1.0 cannot carry at all (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF).
const NOT_XML =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Escapes for text content (`&`, `<`, `>`) or, with `attribute`, for a double-quoted attribute (also `"`
 * and whitespace that attribute normalisation would change). Apostrophes stay readable in French
 * labels. Characters XML cannot carry become U+FFFD; CR is kept as a reference so parsing keeps it.
 */
function escapeXml(value: string, attribute = false): string {
  const pattern = attribute ? /[&<>"\t\n\r]/g : /[&<>\r]/g;
  return value.replace(NOT_XML, '\uFFFD').replace(pattern, (c) => ESCAPES[c] ?? c);
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

function render(node: XmlNode, depth: number, out: string[]): void {
  const pad = '  '.repeat(depth);
  let open = `${pad}<${node.name}`;
  for (const [k, v] of node.attrs ?? []) if (v !== undefined) open += ` ${k}="${escapeXml(String(v), true)}"`;
  const kids = (node.children ?? []).filter((c): c is XmlNode => c !== undefined);
  if (node.text !== undefined && node.text !== '') {
    out.push(`${open}>${escapeXml(node.text)}</${node.name}>`);
  } else if (kids.length === 0) {
    out.push(`${open}/>`);
  } else {
    out.push(`${open}>`);
    for (const k of kids) render(k, depth + 1, out);
    out.push(`${pad}</${node.name}>`);
  }
}

/** The whole document: declaration, two-space indentation, trailing newline. */
export function serialize(root: XmlNode): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  render(root, 0, out);
  return out.join('\n') + '\n';
}

/** Cuts to `max` characters (code points, as XSD lengths count), marking the cut with `…`. */
export function truncateChars(value: string, max: number): string {
  const chars = Array.from(value);
  if (chars.length <= max) return value;
  return chars.slice(0, max - 1).join('') + '…';
}

export function charLength(value: string): number {
  return Array.from(value).length;
}

// The platform is in France: statuses are dated in Europe/Paris wall time. We add the offset so the
// instant stays unambiguous (the autumn DST hour) and the output does not depend on the host's TZ.
const PARIS_TZ = 'Europe/Paris';
const PARIS = new Intl.DateTimeFormat('en-GB', {
  timeZone: PARIS_TZ,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'longOffset',
});

function parisParts(d: Date): { date: string; time: string; offset: string } {
  if (Number.isNaN(d.getTime())) throw new RangeError('Invalid date');
  const p: Record<string, string> = {};
  for (const part of PARIS.formatToParts(d)) p[part.type] = part.value;
  const tz = p['timeZoneName'] ?? 'GMT';
  const offset = tz === 'GMT' ? '+00:00' : tz.slice(3);
  return { date: `${p['year']}-${p['month']}-${p['day']}`, time: `${p['hour']}:${p['minute']}:${p['second']}`, offset };
}

/** `2026-01-15T10:00:00+01:00` (seconds precision). */
export function parisDateTime(d: Date): string {
  const p = parisParts(d);
  return `${p.date}T${p.time}${p.offset}`;
}

/** `2026-01-15`: the Paris calendar day of the instant. */
export function parisDate(d: Date): string {
  return parisParts(d).date;
}

function parisOffsetMinutes(t: number): number {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(parisParts(new Date(t)).offset);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * Reads an `xs:dateTime`. Without an offset (the platform's habit) it is Europe/Paris wall time.
 * Returns undefined when the text is not a valid date-time.
 */
export function parseDateTime(text: string): Date | undefined {
  const m = DATE_TIME.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const back = new Date(wall);
  if (
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== d ||
    h > 23 ||
    mi > 59 ||
    s > 59
  )
    return undefined;
  const zone = m[8];
  if (zone === 'Z') return new Date(wall);
  if (zone) {
    const sign = zone.startsWith('-') ? -1 : 1;
    return new Date(wall - sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60000);
  }
  const first = parisOffsetMinutes(wall);
  let t = wall - first * 60000;
  const second = parisOffsetMinutes(t);
  if (second !== first) t = wall - second * 60000;
  return new Date(t);
}

/** A calendar date `YYYY-MM-DD` that exists. */
export function isIsoDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}
