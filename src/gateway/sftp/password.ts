/**
 * SFTP passwords: stored only as a slow scrypt hash in a self-describing PHC-style string
 * (`$scrypt$ln=15,r=8,p=1$<salt>$<hash>`), so the parameters can be raised later without
 * invalidating existing hashes. The clear password is never kept nor logged.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const DEFAULT_LOG_N = 15;
const DEFAULT_R = 8;
const DEFAULT_P = 1;
const KEY_LEN = 32;
const SALT_LEN = 16;
/** Bounds on parameters read from a hash, so a hostile or mistyped hash cannot exhaust memory or CPU. */
const MAX_LOG_N = 20;
const MAX_R = 32;
const MAX_P = 16;

function scryptAsync(clear: string, salt: Buffer, keyLen: number, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem must cover 128 * N * r bytes, which Node's 32 MB default does not for N = 2^15, r = 8.
    scrypt(clear.normalize('NFC'), salt, keyLen, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

const b64 = (b: Buffer): string => b.toString('base64').replace(/=+$/, '');

export async function hashPassword(clear: string): Promise<string> {
  const salt = randomBytes(SALT_LEN);
  const key = await scryptAsync(clear, salt, KEY_LEN, 2 ** DEFAULT_LOG_N, DEFAULT_R, DEFAULT_P);
  return `$scrypt$ln=${DEFAULT_LOG_N},r=${DEFAULT_R},p=${DEFAULT_P}$${b64(salt)}$${b64(key)}`;
}

interface ParsedHash {
  logN: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parseHash(hash: string): ParsedHash | undefined {
  const m = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(hash.trim());
  if (!m) return undefined;
  const logN = Number(m[1]);
  const r = Number(m[2]);
  const p = Number(m[3]);
  if (logN < 1 || logN > MAX_LOG_N || r < 1 || r > MAX_R || p < 1 || p > MAX_P) return undefined;
  const salt = Buffer.from(m[4]!, 'base64');
  const key = Buffer.from(m[5]!, 'base64');
  if (salt.length < 8 || key.length < 16) return undefined;
  return { logN, r, p, salt, key };
}

/** True when `hash` is a hash this module can verify (used to validate `sftp.passwordHash` in the config). */
export function isPasswordHash(hash: string): boolean {
  return parseHash(hash) !== undefined;
}

/** Constant-time check of a clear password against a stored hash; a malformed hash verifies nothing. */
export async function verifyPassword(clear: string, hash: string): Promise<boolean> {
  const parsed = parseHash(hash);
  if (!parsed) return false;
  const key = await scryptAsync(clear, parsed.salt, parsed.key.length, 2 ** parsed.logN, parsed.r, parsed.p);
  return timingSafeEqual(key, parsed.key);
}

/** A fixed hash verified for unknown logins, so the answer takes as long as for a real account. */
let dummyHash: Promise<string> | undefined;
export async function burnPasswordCheck(clear: string): Promise<void> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(clear, await dummyHash);
}

const PASSWORD_RULE_FR =
  'Le mot de passe doit contenir au moins 12 caractères et au moins 3 des 4 types de caractères suivants : majuscules, minuscules, chiffres, caractères spéciaux.';
const PASSWORD_RULE_EN =
  'The password must be at least 12 characters long and contain at least 3 of these 4 kinds of characters: upper-case letters, lower-case letters, digits, special characters.';

/** The platform's password rule; returns the (French / English) message when the password is too weak. */
export function checkPasswordRule(clear: string): string | undefined {
  const chars = [...clear];
  const classes = [/\p{Lu}/u, /\p{Ll}/u, /\p{Nd}/u, /[^\p{Lu}\p{Ll}\p{Nd}]/u].filter((re) =>
    chars.some((c) => re.test(c)),
  ).length;
  if (chars.length >= 12 && classes >= 3) return undefined;
  return `${PASSWORD_RULE_FR} / ${PASSWORD_RULE_EN}`;
}
