/** `passerelle certs add|list|remove|make-test-pki`: partners' signing certificates. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { printJson, printTable, text } from './output.ts';
import type { Row } from './output.ts';
import { config, knownPartner } from './common.ts';

export function registerCerts(program: Command): void {
  const certs = program.command('certs').description("partners' signing certificates (docs/signatures.md)");
  certs
    .command('add <partner> <pem>')
    .description('register a signing certificate (PEM) for a partner')
    .action(async (partner: string, pem: string, _o: unknown, cmd: Command) => {
      await knownPartner(cmd, partner);
      const { certificateRegistry } = await import('../pipeline/signature-trust.ts');
      const added = certificateRegistry(config(cmd).dataDir).add(partner, readFileSync(pem, 'utf8'));
      process.stdout.write(
        `registered for ${partner}: ${added.subject} (SHA-256 ${added.fingerprint}, expires ${added.notAfter.toISOString()})\n`,
      );
    });
  certs
    .command('list <partner>')
    .option('--json', 'print JSON')
    .action(async (partner: string, opts: { json?: boolean }, cmd: Command) => {
      await knownPartner(cmd, partner);
      const { certificateRegistry } = await import('../pipeline/signature-trust.ts');
      const list = certificateRegistry(config(cmd).dataDir).list(partner);
      if (opts.json) return printJson(list);
      printTable(
        list as unknown as Row[],
        [
          ['FINGERPRINT (SHA-256)', (c) => c.fingerprint],
          ['SERIAL', (c) => c.serial],
          ['FROM', (c) => text(c.notBefore).slice(0, 10)],
          ['UNTIL', (c) => text(c.notAfter).slice(0, 10)],
          ['SUBJECT', (c) => c.subject],
        ],
        `certificates for ${partner}`,
      );
    });
  certs
    .command('remove <partner> <fingerprint>')
    .action(async (partner: string, fingerprint: string, _o: unknown, cmd: Command) => {
      const { certificateRegistry } = await import('../pipeline/signature-trust.ts');
      if (!certificateRegistry(config(cmd).dataDir).remove(partner, fingerprint))
        throw new Error(`no certificate ${fingerprint} for ${partner}`);
      process.stdout.write(`removed ${fingerprint} for ${partner}\n`);
    });
  certs
    .command('make-test-pki <folder>')
    .description('write a test CA, a partner certificate and key, and the openssl command that signs a flow')
    .option('--partner <code>', 'partner code in the certificate', 'TEST01')
    .option('--key-type <type>', 'rsa, rsa-pss or ecdsa', 'rsa')
    .action(async (folder: string, opts: { partner: string; keyType: 'rsa' | 'rsa-pss' | 'ecdsa' }) => {
      const { makeTestPki } = await import('../signature/test-pki.ts');
      const pki = makeTestPki(path.resolve(folder), { partner: opts.partner, keyType: opts.keyType });
      process.stdout.write(
        `CA certificate:      ${pki.caCert}\npartner certificate: ${pki.cert}\npartner key:         ${pki.key}\n\n` +
          `Trust the CA:        cp ${pki.caCert} config/trust/   (or the partner's signature.trustAnchors)\n` +
          `Register the cert:   npx passerelle certs add ${opts.partner} ${pki.cert}\n` +
          `Sign a flow (FLOW=<file>):\n${pki.signCommand}\n`,
      );
    });
}
