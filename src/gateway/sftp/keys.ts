/** OpenSSH `authorized_keys` lines: parsing (ed25519, ECDSA, RSA) and matching the key a client offers. */
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';

const { utils } = ssh2;

const KEY_TYPES = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521))$/;

/**
 * Parses one `authorized_keys` line. Options before the key type (`from="…"`, `restrict`) are skipped,
 * not enforced; the docs say so. Returns an Error for a line that holds no usable key.
 */
export function parseAuthorizedKey(line: string): ParsedKey | Error {
  const trimmed = line.trim();
  if (!trimmed || trimmed.startsWith('#')) return new Error('empty or comment line');
  const tokens = trimmed.split(/\s+/);
  const at = tokens.findIndex((t) => KEY_TYPES.test(t));
  if (at < 0 || !tokens[at + 1]) return new Error('no ssh-ed25519, ecdsa-sha2-nistp* or ssh-rsa key in the line');
  // ssh2's typings leave utils untyped here; parseKey answers a key, keys, or an Error.
  const parsed = utils.parseKey(`${tokens[at]} ${tokens[at + 1]}`) as ParsedKey | ParsedKey[] | Error;
  if (parsed instanceof Error) return parsed;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key.isPrivateKey()) return new Error('not a public key');
  return key;
}

/** The listed key whose public blob is the one offered, if any. */
export function findListedKey(lines: readonly string[], offered: Buffer): ParsedKey | undefined {
  for (const line of lines) {
    const key = parseAuthorizedKey(line);
    if (!(key instanceof Error) && key.getPublicSSH().equals(offered)) return key;
  }
  return undefined;
}
