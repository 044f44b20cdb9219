/** `passerelle partners add|list|set-password|add-key|set-signed`. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError } from '../config.ts';
import { printJson, printTable } from './output.ts';
import type { Column, Row } from './output.ts';
import { readNewPassword } from './password-prompt.ts';
import { knownPartner, withAdmin } from './common.ts';

const PARTNER_COLUMNS: Column[] = [
  ['CODE', (p) => p.code],
  ['RETURN SYNTAX', (p) => p.returnSyntax],
  ['SIGNED', (p) => (p.signed ? 'yes' : 'no')],
  ['PASSWORD', (p) => (p.password ? 'set' : '-')],
  ['KEYS', (p) => p.keys],
  ['ACTIVE', (p) => (p.active ? 'yes' : 'no')],
  ['NAME', (p) => p.name],
];

export function registerPartners(program: Command): void {
  const partners = program.command('partners').description('partner accounts');
  partners
    .command('add <code> <name>')
    .description('a new partner (an existing code is refused: --update changes it on purpose)')
    .option('--return-syntax <syntax>', 'CPPStatut (default for a new partner) or AIFEStatut')
    .option('--signed', 'the partner signs its flows')
    .option('--update', 'change an existing partner (the options not given keep their value)')
    .option('--json', 'print JSON')
    .action(
      async (
        code: string,
        name: string,
        opts: { returnSyntax?: string; signed?: boolean; update?: boolean; json?: boolean },
        cmd: Command,
      ) => {
        if (!/^[A-Z0-9]{3,8}$/.test(code))
          throw new ConfigError('a partner code is 3 to 8 upper-case letters or digits');
        const body = {
          code,
          name,
          ...(opts.returnSyntax ? { returnSyntax: opts.returnSyntax } : {}),
          ...(opts.signed ? { signed: true } : {}),
          ...(opts.update ? { update: true } : {}),
        };
        const p = await withAdmin(cmd, 'write', (ops) => ops.partners.add(body));
        if (opts.json) printJson(p);
        else
          process.stdout.write(`partner ${p.code} ${p.created ? 'added' : 'updated'}: ${p.name}, ${p.returnSyntax}\n`);
      },
    );
  partners
    .command('list')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const rows: Row[] = await withAdmin(cmd, 'read', (ops) => ops.partners.list());
      if (opts.json) printJson(rows);
      else printTable(rows, PARTNER_COLUMNS, 'partners');
    });
  partners
    .command('set-password <code>')
    .description(
      'set the SFTP/API password: asked twice (hidden) in a terminal, else read from PASSERELLE_PASSWORD or standard input; ≥ 12 characters of 3 kinds among upper case, lower case, digits, others',
    )
    .action(async (code: string, _o: unknown, cmd: Command) => {
      await knownPartner(cmd, code);
      const pw = await readNewPassword(code);
      await withAdmin(cmd, 'write', (ops) => ops.partners.setPassword(code, pw));
      process.stdout.write(`password set for ${code}\n`);
    });
  partners
    .command('add-key <code> <keyFile>')
    .description('allow an SSH public key (one authorized_keys line) for SFTP')
    .action(async (code: string, keyFile: string, _o: unknown, cmd: Command) => {
      const line = readFileSync(keyFile, 'utf8').trim();
      await withAdmin(cmd, 'write', (ops) => ops.partners.addKey(code, line));
      process.stdout.write(`key added for ${code}\n`);
    });
  partners
    .command('set-signed <code> [on|off]')
    .description('whether the partner signs its flows (docs/signatures.md); on when not said')
    .action(async (code: string, value: string | undefined, _o: unknown, cmd: Command) => {
      const v = (value ?? 'on').toLowerCase();
      const signed = ['on', 'yes', 'true'].includes(v) ? true : ['off', 'no', 'false'].includes(v) ? false : undefined;
      if (signed === undefined) throw new ConfigError(`set-signed ${code} on|off, not ${value}`);
      await withAdmin(cmd, 'write', (ops) => ops.partners.setSigned(code, signed));
      process.stdout.write(`${code} ${signed ? 'signs' : 'does not sign'} its flows\n`);
    });
}
