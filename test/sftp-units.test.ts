/** Pure parts of the SFTP endpoint: password hashing and rule, virtual paths, authorized_keys, bans. */
import { describe, expect, it } from '@jest/globals';
import ssh2 from 'ssh2';
import { Defence } from '../src/gateway/sftp/defence.ts';
import { generateSshKeyPair } from '../src/gateway/sftp/hostkeys.ts';
import { findListedKey, parseAuthorizedKey } from '../src/gateway/sftp/keys.ts';
import { checkPasswordRule, hashPassword, isPasswordHash, verifyPassword } from '../src/gateway/sftp/password.ts';
import { resolveVirtual } from '../src/gateway/sftp/paths.ts';
import { OFFERED_CIPHERS, keysAsKeyObjects } from '../src/gateway/sftp/transport.ts';

describe('SFTP passwords', () => {
  it('hashes with scrypt into a self-describing string and verifies only the right password', async () => {
    const hash = await hashPassword('Facture-2024-OK');
    expect(hash).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(isPasswordHash(hash)).toBe(true);
    expect(await hashPassword('Facture-2024-OK')).not.toBe(hash); // salted
    expect(await verifyPassword('Facture-2024-OK', hash)).toBe(true);
    expect(await verifyPassword('Facture-2024-Ok', hash)).toBe(false);
    expect(await verifyPassword('Facture-2024-OK', '$scrypt$ln=30,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA')).toBe(
      false,
    );
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
  });

  it('applies the platform rule: 12 characters and 3 of 4 classes', () => {
    expect(checkPasswordRule('Abcdefghijk1')).toBeUndefined();
    expect(checkPasswordRule('abcdefghij1!')).toBeUndefined();
    expect(checkPasswordRule('ÉCOLE-école-')).toBeUndefined();
    expect(checkPasswordRule('Abcdefgh1!')).toMatch(/au moins 12 caractères.*at least 12 characters/);
    expect(checkPasswordRule('abcdefghijklmnop')).toBeDefined();
    expect(checkPasswordRule('ABCDEFGHIJ12345!')).toBeUndefined();
    expect(checkPasswordRule('ABCDEFGHIJ123456')).toBeDefined();
    expect(checkPasswordRule('abcdefghijkl1234')).toBeDefined();
  });
});

describe('SFTP virtual paths', () => {
  it('resolves like a chroot and refuses odd names', () => {
    expect(resolveVirtual('/')).toEqual({ kind: 'root' });
    expect(resolveVirtual('.')).toEqual({ kind: 'root' });
    expect(resolveVirtual('depot')).toEqual({ kind: 'folder', folder: 'depot' });
    expect(resolveVirtual('//retour//a.xml')).toEqual({ kind: 'file', folder: 'retour', name: 'a.xml' });
    expect(resolveVirtual('/../../etc/passwd')).toEqual({ kind: 'none', path: '/etc/passwd' });
    expect(resolveVirtual('depot/../../OTHER/retour/x')).toEqual({ kind: 'none', path: '/OTHER/retour/x' });
    expect(resolveVirtual('/depot/a/b')).toMatchObject({ kind: 'none' });
    expect(resolveVirtual('/retour/../depot/x.xml')).toEqual({ kind: 'file', folder: 'depot', name: 'x.xml' });
    for (const bad of [
      '/depot/a\0.xml',
      '/depot\\..\\x',
      '/depot/a\nb',
      '/depot/x.xml.',
      '/depot/x ',
      '/depot/' + 'é'.repeat(200),
    ]) {
      expect([bad, resolveVirtual(bad).kind]).toEqual([bad, 'invalid']);
    }
  });
});

describe('SFTP authorized keys', () => {
  it('parses ed25519, ECDSA and RSA lines, with options and comments, and matches the offered blob', async () => {
    const ed = await generateSshKeyPair('ed25519');
    const ec = ssh2.utils.generateKeyPairSync('ecdsa', { bits: 384 });
    const rsa = ssh2.utils.generateKeyPairSync('rsa', { bits: 2048 });
    const lines = [
      '# partner keys',
      '',
      `from="10.0.0.0/8",restrict ${ed.public} ops@partner`,
      `${ec.public} ec`,
      rsa.public,
    ];
    for (const l of lines.slice(2)) expect(parseAuthorizedKey(l)).not.toBeInstanceOf(Error);
    expect(parseAuthorizedKey('ssh-dss AAAA')).toBeInstanceOf(Error);
    expect(parseAuthorizedKey('ssh-ed25519 not-base64')).toBeInstanceOf(Error);
    const blobOf = (pub: string): Buffer =>
      (parseAuthorizedKey(pub) as Exclude<ReturnType<typeof parseAuthorizedKey>, Error>).getPublicSSH();
    expect(findListedKey(lines, blobOf(rsa.public))).toBeDefined();
    expect(findListedKey(lines, blobOf((await generateSshKeyPair('ed25519')).public))).toBeUndefined();
  });
});

describe('SFTP defence', () => {
  it('caps connections per address and in all (bans are the defender’s: test/defender.test.ts)', () => {
    const d = new Defence({ maxConnections: 3, maxConnectionsPerAddress: 2 });
    expect([d.admit('a'), d.admit('a'), d.admit('a'), d.admit('b'), d.admit('c')]).toEqual([
      'ok',
      'ok',
      'per-address',
      'ok',
      'total',
    ]);
    d.release('a');
    expect(d.admit('c')).toBe('ok');
  });
});

describe('SFTP keys and transport tuning', () => {
  it('generates only keys ssh2 can read back (ssh2 alone fails about 1 ed25519 key in 300)', async () => {
    for (let i = 0; i < 600; i++) {
      const k = await generateSshKeyPair('ed25519');
      // The public blob of an ed25519 key is 4+11 (type) + 4+32 (key) bytes; ssh2's bad keys have 31.
      const parsed = ssh2.utils.parseKey(k.private);
      expect(parsed).not.toBeInstanceOf(Error);
      expect((parsed as ssh2.ParsedKey).getPublicSSH().length).toBe(51);
    }
  }, 30000);

  it('offers no chacha20, and turns the session keys into KeyObjects after the key exchange', async () => {
    expect(OFFERED_CIPHERS).not.toContain('chacha20-poly1305@openssh.com');
    const host = await generateSshKeyPair('ed25519');
    const converted: number[] = [];
    const server = new ssh2.Server({ hostKeys: [host.private], algorithms: { cipher: OFFERED_CIPHERS } }, (client) => {
      client.on('handshake', () => converted.push(keysAsKeyObjects(client)));
      client.on('authentication', (ctx) => ctx.accept());
      client.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    for (const cipher of ['aes128-gcm@openssh.com', 'aes128-ctr'] as const) {
      const c = new ssh2.Client();
      await new Promise<void>((resolve, reject) => {
        c.on('ready', () => resolve());
        c.on('error', reject);
        c.connect({ host: '127.0.0.1', port, username: 'x', password: 'y', algorithms: { cipher: [cipher] } });
      });
      c.end();
    }
    await new Promise<void>((r) => server.close(() => r()));
    // GCM: the per-packet cipher key on each side; CTR + HMAC: the per-packet MAC key on each side (the CTR
    // cipher itself is made once per handshake).
    expect(converted).toEqual([2, 2]);
  });
});
