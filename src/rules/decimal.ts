/**
 * Exact decimal arithmetic on the values as written (scaled bigints), with XPath's `round()`
 * (half towards +∞) as the EN 16931 schematron uses it: `round(x * 10 * 10) div 100`.
 */
export interface Dec {
  n: bigint;
  s: number;
}

const DEC_RE = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/;
const P10: bigint[] = [];
function p10(s: number): bigint {
  let v = P10[s];
  if (v === undefined) {
    v = 10n ** BigInt(s);
    P10[s] = v;
  }
  return v;
}

export function dec(text: string | undefined): Dec | undefined {
  if (text === undefined) return undefined;
  const m = DEC_RE.exec(text);
  if (!m) return undefined;
  const int = m[2] ?? '';
  const frac = m[3] ?? '';
  if (int === '' && frac === '') return undefined;
  const n = BigInt((int || '0') + frac);
  return { n: m[1] === '-' ? -n : n, s: frac.length };
}

function align(a: Dec, b: Dec): [bigint, bigint, number] {
  if (a.s === b.s) return [a.n, b.n, a.s];
  if (a.s > b.s) return [a.n, b.n * p10(a.s - b.s), a.s];
  return [a.n * p10(b.s - a.s), b.n, b.s];
}

export const ZERO: Dec = { n: 0n, s: 0 };
export const ONE: Dec = { n: 1n, s: 0 };

export function add(a: Dec, b: Dec): Dec {
  const [x, y, s] = align(a, b);
  return { n: x + y, s };
}
export function sub(a: Dec, b: Dec): Dec {
  const [x, y, s] = align(a, b);
  return { n: x - y, s };
}
export function mul(a: Dec, b: Dec): Dec {
  return { n: a.n * b.n, s: a.s + b.s };
}
function neg(a: Dec): Dec {
  return { n: -a.n, s: a.s };
}
export function abs(a: Dec): Dec {
  return a.n < 0n ? neg(a) : a;
}
export function cmp(a: Dec, b: Dec): number {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}
export function eq(a: Dec, b: Dec): boolean {
  return cmp(a, b) === 0;
}
export function sign(a: Dec): number {
  return a.n < 0n ? -1 : a.n > 0n ? 1 : 0;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** XPath `round(x * 100) div 100`: two decimals, halves towards positive infinity. */
export function round2(a: Dec): Dec {
  if (a.s <= 2) return a;
  const d = p10(a.s - 2);
  return { n: floorDiv(2n * a.n + d, 2n * d), s: 2 };
}

/** XPath `round(x)` to an integer. */
export function round0(a: Dec): Dec {
  if (a.s === 0) return a;
  const d = p10(a.s);
  return { n: floorDiv(2n * a.n + d, 2n * d), s: 0 };
}

/** a × b / 100 (a rate in percent applied to an amount). */
export function percentOf(amount: Dec, rate: Dec): Dec {
  return { n: amount.n * rate.n, s: amount.s + rate.s + 2 };
}

/** The exact decimal value of a double (as XPath's cast of xs:double to xs:decimal in Saxon). */
export function fromDouble(x: number): Dec | undefined {
  if (!Number.isFinite(x)) return undefined;
  let k = 0;
  let scaled = x;
  while (!Number.isInteger(scaled) && k < 1100) scaled = x * 2 ** ++k;
  // x = scaled / 2^k = scaled × 5^k / 10^k, exactly.
  return { n: BigInt(scaled) * 5n ** BigInt(k), s: k };
}

export function sum(values: Iterable<Dec | undefined>): Dec {
  let t = ZERO;
  for (const v of values) if (v) t = add(t, v);
  return t;
}

export function str(a: Dec): string {
  const neg = a.n < 0n;
  let digits = (neg ? -a.n : a.n).toString();
  if (a.s === 0) return (neg ? '-' : '') + digits;
  digits = digits.padStart(a.s + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -a.s)}.${digits.slice(-a.s)}`;
}
