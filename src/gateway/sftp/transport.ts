/**
 * Transport-level tuning of ssh2 for the small-file path (measured, see docs/sftp.md "Measured"): the
 * per-packet cost of ssh2's pure-JS ciphers under Node 24. (Coalescing ssh2's three socket writes per packet
 * with cork/uncork was measured too: no gain, so it is not done.)
 */
import { createSecretKey } from 'node:crypto';
import { createRequire } from 'node:module';
import type { CipherAlgorithm, Connection } from 'ssh2';

const require = createRequire(import.meta.url);

/** Whether ssh2's optional native crypto binding loaded (it is built at install time for one Node ABI). */
export function nativeCryptoLoaded(): boolean {
  try {
    return (require('ssh2/lib/protocol/crypto.js') as { bindingAvailable?: boolean }).bindingAvailable === true;
  } catch {
    return false;
  }
}

/**
 * Ciphers to offer (in SSH the client's order picks among them, so only the set matters). Never
 * chacha20-poly1305: without ssh2's native module ssh2 does it in JS with three `createCipheriv` calls and a
 * WebAssembly Poly1305 per packet (~2× the CPU of AES), and OpenSSH's client picks it whenever it is offered;
 * with the module built for Node 24, its chacha20 failed sessions ("digital envelope routines::invalid
 * operation"). AES-GCM and AES-CTR (+ HMAC) cover every client since OpenSSH 5.2 / PuTTY 0.58.
 */
export const OFFERED_CIPHERS: CipherAlgorithm[] = [
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'aes128-ctr',
  'aes192-ctr',
  'aes256-ctr',
];

/** The fields in which ssh2 1.x's JS ciphers keep their session keys as Buffers (crypto.js). */
const KEY_FIELDS = [
  '_encKey',
  '_encKeyMain',
  '_encKeyPktLen',
  '_decipherKey',
  '_decKeyMain',
  '_decKeyPktLen',
  '_macKey',
] as const;

/**
 * Turns the session keys of the connection's current cipher and decipher into KeyObjects. Under Node 24,
 * `createCipheriv`/`createHmac` given a Buffer key spend ~17 µs checking whether it is a KeyObject or a
 * CryptoKey (a throw and catch inside node:internal/crypto/keys); given a KeyObject, ~0 µs. ssh2's JS
 * ciphers make one such call per packet (three for chacha20), so this was ~25 % of the server's CPU per small
 * file. Called after each handshake (a rekey makes new cipher objects). Returns how many keys it converted;
 * if an ssh2 upgrade renames these private fields it converts nothing and only the speed-up is lost
 * (test/sftp-units.test.ts notices).
 */
export function keysAsKeyObjects(client: Connection): number {
  const protocol = (client as unknown as { _protocol?: Record<string, unknown> })._protocol;
  let converted = 0;
  for (const side of [protocol?._cipher, protocol?._decipher]) {
    if (!side || typeof side !== 'object') continue;
    const fields = side as Record<string, unknown>;
    for (const f of KEY_FIELDS) {
      const v = fields[f];
      if (Buffer.isBuffer(v) && v.length > 0) {
        fields[f] = createSecretKey(v);
        converted++;
      }
    }
  }
  return converted;
}
