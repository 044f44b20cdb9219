/**
 * Host keys: generated on first start into `<dataDir>/ssh/` (ed25519 for today's clients, RSA 3072 for
 * old ones), kept private (0600), and fingerprinted the way OpenSSH prints them (`SHA256:…`), so an
 * operator can compare what a client shows with `passerelle doctor` / the start log.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';

const { utils } = ssh2;

interface HostKeySpec {
  file: string;
  label: string;
  type: 'ed25519' | 'rsa';
  bits?: number;
}

const SPECS: HostKeySpec[] = [
  { file: 'ssh_host_ed25519_key', label: 'ED25519', type: 'ed25519' },
  { file: 'ssh_host_rsa_key', label: 'RSA', type: 'rsa', bits: 3072 },
];

interface SshKeyPair {
  private: string;
  public: string;
}

/**
 * ssh2's key generator, but only keys ssh2 can read back. ssh2 1.17 writes an ed25519 public key whose first
 * byte is 0 as 31 bytes (it strips it like an mpint), and then refuses its own private key ("Malformed
 * OpenSSH private key"): about 1 key in 300. That was the flaky SFTP test (a fresh host key per harness).
 */
export async function generateSshKeyPair(type: 'ed25519' | 'rsa' | 'ecdsa', bits?: number): Promise<SshKeyPair> {
  for (let attempt = 1; ; attempt++) {
    const pair = await new Promise<SshKeyPair>((res, rej) => {
      const done = (e: Error | null, k: SshKeyPair): void => (e ? rej(e) : res(k));
      if (type === 'ed25519') utils.generateKeyPair('ed25519', done);
      else utils.generateKeyPair(type, { bits: bits ?? (type === 'rsa' ? 3072 : 256) }, done);
    });
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error))
      return pair;
    if (attempt >= 20) throw new Error(`could not generate a readable ${type} key`);
  }
}

function hostKeyDir(dataDir: string): string {
  return path.join(dataDir, 'ssh');
}

function parseOne(data: string | Buffer): ParsedKey {
  const parsed = utils.parseKey(data);
  if (parsed instanceof Error) throw parsed;
  return Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed;
}

/** OpenSSH-style fingerprint of a public key blob: `SHA256:` + unpadded base64 of its SHA-256. */
export function fingerprintOf(publicBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(publicBlob).digest('base64').replace(/=+$/, '');
}

/** Creates the missing host keys; returns the private keys (OpenSSH format) to give ssh2. */
export async function ensureHostKeys(dataDir: string): Promise<Buffer[]> {
  const dir = hostKeyDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keys: Buffer[] = [];
  for (const spec of SPECS) {
    const file = path.join(dir, spec.file);
    if (!existsSync(file)) {
      const pair = await generateSshKeyPair(spec.type, spec.bits);
      // `wx`: two daemons starting at once must not overwrite each other's fresh key.
      await writeFile(file, pair.private, { mode: 0o600, flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
      });
      await writeFile(`${file}.pub`, `${pair.public}\n`, { mode: 0o644 });
    }
    await chmod(file, 0o600);
    const data = readFileSync(file);
    parseOne(data); // fail at start, not at the first connection, on a damaged key
    keys.push(data);
  }
  return keys;
}

/** Fingerprints of the host keys present in `<dataDir>/ssh/`, e.g. `ED25519 SHA256:…`; [] before the first start. */
export function hostKeyFingerprints(dataDir: string): string[] {
  const out: string[] = [];
  for (const spec of SPECS) {
    const file = path.join(hostKeyDir(dataDir), spec.file);
    if (!existsSync(file)) continue;
    out.push(`${spec.label} ${fingerprintOf(parseOne(readFileSync(file)).getPublicSSH())}`);
  }
  return out;
}
