/** The `passerelle` command. Commands that need the database go through a running daemon's admin API. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import type { Config } from './config.ts';
import { ConfigError, loadConfig, schemaDir } from './config.ts';
import { describe as describeFinding } from './finding.ts';
import { registerRaccordementsCommand } from './cli/raccordements.ts';
import { adminCall, runningDaemon } from './gateway/admin-client.ts';
import { Daemon } from './gateway/daemon.ts';
import { createLogger } from './log.ts';
import { analyzeBytes } from './pipeline/analyze.ts';
import { STAGES } from './pipeline/stages/index.ts';
import { listSchemaSets } from './schemas/catalog.ts';
import { fetchSchemaSets, installSchemaSet } from './schemas/install.ts';
import { ValidationPool } from './schemas/pool.ts';
import type { Db } from './store/db.ts';
import { getFlowByNumber, getHistory, getStages, listFlows } from './store/flows.ts';
import { openDatabase, pgliteDirFor } from './store/index.ts';
import { addSftpKey, listPartners, setSftpPassword, upsertPartner } from './store/partners.ts';

function config(cmd: Command): Config {
  const opts = cmd.optsWithGlobals<{ config?: string }>();
  return loadConfig(opts.config);
}

/** Through the daemon when one runs (it holds the embedded database), else straight to the database. */
async function withDb<T>(
  cfg: Config,
  viaDaemon: (info: NonNullable<ReturnType<typeof runningDaemon>>) => Promise<T>,
  direct: (db: Db) => Promise<T>,
): Promise<T> {
  const info = runningDaemon(cfg.dataDir);
  if (info) return viaDaemon(info);
  const db = await openDatabase(
    cfg.databaseUrl
      ? { databaseUrl: cfg.databaseUrl, ...(cfg.databaseSchema ? { schema: cfg.databaseSchema } : {}) }
      : { pgliteDir: pgliteDirFor(cfg.dataDir) },
  );
  try {
    return await direct(db);
  } finally {
    await db.close();
  }
}

function print(data: unknown): void {
  process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command('passerelle')
    .description('EDI flow gateway answering like Chorus Pro qualification')
    .option('-c, --config <file>', 'configuration file (default config/passerelle.yaml, or PASSERELLE_CONFIG)')
    .showHelpAfterError();

  program
    .command('start')
    .description('run the daemon')
    .option('--demo', 'create the demo partner DEMO01 and drop sample flows into its mailboxes')
    .action(async (opts: { demo?: boolean }, cmd: Command) => {
      const cfg = config(cmd);
      const logger = createLogger(cfg.log.level);
      const daemon = new Daemon({ config: cfg, logger });
      await daemon.start();
      if (opts.demo) {
        const { runDemo } = await import('./gateway/demo.ts');
        await runDemo(daemon);
      }
      const stop = async (signal: string) => {
        logger.info({ signal }, 'stopping');
        await daemon.stop();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });

  program
    .command('analyze <file>')
    .description('check a flow and print the findings (no daemon needed); exit code 0 = accepted, 1 = rejected')
    .option('--interface <code>', 'declared interface code (FSO1100A …)')
    .option('--json', 'print the report as JSON')
    .action(async (file: string, opts: { interface?: string; json?: boolean }, cmd: Command) => {
      const cfg = config(cmd);
      const validation = new ValidationPool({ schemaDir: schemaDir(cfg), shipped: cfg.schemas.shipped, threads: 0 });
      try {
        const report = await analyzeBytes(readFileSync(file), path.basename(file), {
          config: cfg,
          validation,
          stages: STAGES,
          ...(opts.interface ? { declaredInterface: opts.interface } : {}),
        });
        if (opts.json) print(report);
        else {
          process.stdout.write(
            `${path.basename(file)}: ${
              {
                accepted: 'ACCEPTÉ / accepted',
                partial: 'ACCEPTÉ PARTIELLEMENT / partly accepted (96)',
                waiting: `EN ATTENTE / waiting for schema set ${report.waitingFor}`,
                rejected: 'REJETÉ / rejected',
              }[report.verdict]
            }`,
          );
          process.stdout.write(
            report.syntax
              ? ` (${report.syntax}, ${report.interfaceCode}${report.profile ? `, ${report.profile}` : ''})\n`
              : '\n',
          );
          for (const f of report.findings)
            process.stdout.write(
              `  ${f.severity === 'fatal' ? '✗' : '!'} [${f.nature}] ${f.code} ${f.labelFr} — ${describeFinding(f)}\n`,
            );
        }
        process.exitCode = report.accepted ? 0 : report.waitingFor ? 2 : 1;
      } finally {
        await validation.close();
      }
    });

  const flows = program.command('flows').description('flows and their outcomes');
  flows
    .command('list')
    .option('--partner <code>')
    .option('--state <state>')
    .option('--limit <n>', 'at most n flows', '50')
    .action(async (opts: { partner?: string; state?: string; limit: string }, cmd: Command) => {
      const cfg = config(cmd);
      const q = new URLSearchParams({
        ...(opts.partner ? { partner: opts.partner } : {}),
        ...(opts.state ? { state: opts.state } : {}),
        limit: opts.limit,
      });
      const rows = await withDb(
        cfg,
        (info) => adminCall<Array<Record<string, unknown>>>(info, 'GET', `/flows?${q}`),
        async (db) =>
          (await listFlows(db, {
            ...(opts.partner ? { partner: opts.partner } : {}),
            ...(opts.state ? { state: opts.state } : {}),
            limit: Number(opts.limit),
          })) as unknown as Array<Record<string, unknown>>,
      );
      for (const f of rows as Array<Record<string, unknown>>) {
        process.stdout.write(
          `${String(f.flowNumber ?? `ANALYSE-${String(f.id)}`).padEnd(26)} ${String(f.partner).padEnd(8)} ${String(f.state).padEnd(31)} ${String(f.syntax ?? '-').padEnd(18)} ${String(f.originalName)}\n`,
        );
      }
    });
  flows
    .command('replay <number>')
    .description(
      "run a flow's stored bytes through the pipeline again: as an analysis (report in retour/, no flow number), or --deposit as a new deposit",
    )
    .option('--deposit', 'deposit again (a new flow number), e.g. after an incident')
    .action(async (number: string, opts: { deposit?: boolean }, cmd: Command) => {
      const info = runningDaemon(config(cmd).dataDir);
      if (!info) throw new ConfigError('flows replay needs a running daemon (npx passerelle start)');
      print(
        await adminCall(info, 'POST', `/flows/${encodeURIComponent(number)}/replay`, {
          deposit: opts.deposit === true,
        }),
      );
    });
  flows.command('show <number>').action(async (number: string, _o: unknown, cmd: Command) => {
    const cfg = config(cmd);
    print(
      await withDb(
        cfg,
        (info) => adminCall(info, 'GET', `/flows/${encodeURIComponent(number)}`),
        async (db) => {
          const flow = await getFlowByNumber(db, number);
          if (!flow) throw new Error(`no flow ${number}`);
          return { flow, stages: await getStages(db, flow.id), history: await getHistory(db, flow.id) };
        },
      ),
    );
  });

  const partners = program.command('partners').description('partner accounts');
  partners
    .command('add <code> <name>')
    .option('--return-syntax <syntax>', 'CPPStatut or AIFEStatut', 'CPPStatut')
    .option('--signed', 'the partner signs its flows')
    .action(async (code: string, name: string, opts: { returnSyntax: string; signed?: boolean }, cmd: Command) => {
      const cfg = config(cmd);
      const body = {
        code,
        name,
        returnSyntax: opts.returnSyntax as 'CPPStatut' | 'AIFEStatut',
        ...(opts.signed ? { signed: true } : {}),
      };
      if (!/^[A-Z0-9]{3,8}$/.test(code)) throw new ConfigError('a partner code is 3 to 8 upper-case letters or digits');
      print(
        await withDb(
          cfg,
          (info) => adminCall(info, 'POST', '/partners', body),
          (db) => upsertPartner(db, body),
        ),
      );
    });
  partners.command('list').action(async (_o: unknown, cmd: Command) => {
    const cfg = config(cmd);
    const rows = await withDb(
      cfg,
      (info) => adminCall<Array<Record<string, unknown>>>(info, 'GET', '/partners'),
      async (db) => (await listPartners(db)) as unknown as Array<Record<string, unknown>>,
    );
    for (const p of rows as Array<Record<string, unknown>>) {
      process.stdout.write(
        `${String(p.code).padEnd(8)} ${String(p.returnSyntax).padEnd(10)} ${p.sftpPasswordHash ? 'password' : '-'} ${(p.sftpAuthorizedKeys as string[]).length} key(s)  ${String(p.name)}\n`,
      );
    }
  });
  partners
    .command('set-password <code>')
    .description('set the SFTP/API password (read from PASSERELLE_PASSWORD or standard input)')
    .action(async (code: string, _o: unknown, cmd: Command) => {
      const cfg = config(cmd);
      const { checkPasswordRule, hashPassword } = await import('./gateway/sftp/password.ts');
      const pw = (process.env.PASSERELLE_PASSWORD ?? readFileSync(0, 'utf8')).trim();
      const weak = checkPasswordRule(pw);
      if (weak) throw new ConfigError(weak);
      await withDb(
        cfg,
        (info) => adminCall(info, 'POST', `/partners/${code}/password`, { password: pw }),
        async (db) => setSftpPassword(db, code, await hashPassword(pw)),
      );
      process.stdout.write(`password set for ${code}\n`);
    });
  partners
    .command('add-key <code> <keyFile>')
    .action(async (code: string, keyFile: string, _o: unknown, cmd: Command) => {
      const cfg = config(cmd);
      const line = readFileSync(keyFile, 'utf8').trim();
      await withDb(
        cfg,
        (info) => adminCall(info, 'POST', `/partners/${code}/keys`, { key: line }),
        (db) => addSftpKey(db, code, line),
      );
      process.stdout.write(`key added for ${code}\n`);
    });

  // The platform simulation: these need the daemon (the matelas job and the lifecycle flows run there).
  const needDaemon = (cfg: Config) => {
    const info = runningDaemon(cfg.dataDir);
    if (!info) throw new Error('no running daemon (npx passerelle start): the platform simulation runs inside it');
    return info;
  };
  const matelas = program.command('matelas').description('matelas de données (test data set) of a partner');
  for (const action of ['create', 'extend', 'reset'] as const) {
    matelas
      .command(`${action} <partner>`)
      .description(
        action === 'create'
          ? 'Créer: generate the matelas (queued job; state Création until done), write its CSV, seed the directory'
          : action === 'extend'
            ? 'Étendre: add a new set, the old ones untouched'
            : "Réinitialiser: retire the partner's sets (flows and invoices stay readable)",
      )
      .action(async (partner: string, _o: unknown, cmd: Command) => {
        print(await adminCall(needDaemon(config(cmd)), 'POST', `/matelas/${encodeURIComponent(partner)}/${action}`));
      });
  }
  matelas.command('show <partner>').action(async (partner: string, _o: unknown, cmd: Command) => {
    print(await adminCall(needDaemon(config(cmd)), 'GET', `/matelas/${encodeURIComponent(partner)}`));
  });

  registerRaccordementsCommand(program, config);
  const invoices = program.command('invoices').description('integrated invoices and their lifecycle');
  invoices
    .command('list')
    .option('--partner <code>')
    .option('--status <status>')
    .action(async (opts: { partner?: string; status?: string }, cmd: Command) => {
      const q = new URLSearchParams({
        ...(opts.partner ? { partner: opts.partner } : {}),
        ...(opts.status ? { status: opts.status } : {}),
      });
      const rows = await adminCall<Array<Record<string, unknown>>>(needDaemon(config(cmd)), 'GET', `/invoices?${q}`);
      for (const i of rows)
        process.stdout.write(
          `${String(i.id).padEnd(14)} ${String(i.partner).padEnd(8)} ${String(i.number).padEnd(21)} ${String(i.supplierIdentifier).padEnd(15)} ${String(i.recipientSiret).padEnd(15)} ${String(i.status)}\n`,
        );
    });
  invoices.command('show <id>').action(async (id: string, _o: unknown, cmd: Command) => {
    print(await adminCall(needDaemon(config(cmd)), 'GET', `/invoices/${encodeURIComponent(id)}`));
  });
  invoices
    .command('status <id> <status>')
    .description('move an invoice (recipient side simulated); a forbidden transition answers codeRetour 20002')
    .option('--comment <text>')
    .option('--by <actor>', 'destinataire, fournisseur or plateforme (default: whoever may make that transition)')
    .action(async (id: string, status: string, opts: { comment?: string; by?: string }, cmd: Command) => {
      const info = needDaemon(config(cmd));
      const res = await fetch(`http://127.0.0.1:${info.httpPort}/admin/invoices/${encodeURIComponent(id)}/status`, {
        method: 'POST',
        headers: { authorization: `Bearer ${info.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          status,
          who: 'cli',
          ...(opts.comment ? { comment: opts.comment } : {}),
          ...(opts.by ? { by: opts.by } : {}),
        }),
      });
      const body = (await res.json()) as Record<string, unknown>;
      delete body.error;
      print(body);
      if (!res.ok) process.exitCode = 1;
    });

  program
    .command('samples <partner> <folder>')
    .description("write the qualification kit of the partner's matelas (invoices + manifest.json of expected outcomes)")
    .option('--tag <tag>', 'distinguishes invoice numbers between kits (1-6 capitals or digits)')
    .action(async (partner: string, folder: string, opts: { tag?: string }, cmd: Command) => {
      const m = await adminCall<{ invoices: unknown[] }>(
        needDaemon(config(cmd)),
        'POST',
        `/samples/${encodeURIComponent(partner)}`,
        {
          folder: path.resolve(folder),
          ...(opts.tag ? { tag: opts.tag } : {}),
        },
      );
      process.stdout.write(`${m.invoices.length} invoices and manifest.json written to ${path.resolve(folder)}\n`);
    });

  const schemas = program.command('schemas').description('official XSD sets (UBL 2.1, CII D16B, Factur-X)');
  schemas.command('list').action((_o: unknown, cmd: Command) => {
    const cfg = config(cmd);
    for (const s of listSchemaSets(schemaDir(cfg), cfg.schemas.shipped))
      process.stdout.write(
        `${s.installed ? '✓' : '✗'} ${s.id.padEnd(14)} ${(s.origin ?? 'missing').padEnd(9)} ${s.title}${s.installed ? `  (${s.path})` : `  (install: npx passerelle schemas install --from <folder|zip>; sources: ${s.sources.join(' ')})`}\n`,
      );
  });
  schemas
    .command('install')
    .option('--from <path>', 'a folder or .zip holding the set')
    .option('--set <id>', 'which set (guessed from the content when absent)')
    .option('--fetch', 'download the official archives (needs network access)')
    .action(async (opts: { from?: string; set?: string; fetch?: boolean }, cmd: Command) => {
      const cfg = config(cmd);
      const dir = schemaDir(cfg);
      if (opts.fetch) {
        for (const r of await fetchSchemaSets(dir))
          process.stdout.write(`${r.ok ? '✓' : '✗'} ${r.setId}: ${r.message}\n`);
      } else if (opts.from) {
        const r = await installSchemaSet(path.resolve(opts.from), dir, opts.set);
        process.stdout.write(`✓ ${r.setId} installed (${r.files} files) in ${dir}\n`);
      } else throw new ConfigError('schemas install needs --from <folder|zip> or --fetch');
      const info = runningDaemon(cfg.dataDir);
      if (info) {
        const r = await adminCall<{ resumed: number }>(info, 'POST', '/schemas/resume');
        process.stdout.write(`daemon: ${r.resumed} waiting flow(s) resumed\n`);
      }
    });

  const certs = program.command('certs').description("partners' signing certificates (docs/signatures.md)");
  certs
    .command('add <partner> <pem>')
    .description('register a signing certificate (PEM) for a partner')
    .action(async (partner: string, pem: string, _o: unknown, cmd: Command) => {
      const { certificateRegistry } = await import('./pipeline/stages/signature.ts');
      const added = certificateRegistry(config(cmd).dataDir).add(partner, readFileSync(pem, 'utf8'));
      process.stdout.write(
        `registered for ${partner}: ${added.subject} (SHA-256 ${added.fingerprint}, expires ${added.notAfter.toISOString()})\n`,
      );
    });
  certs.command('list <partner>').action(async (partner: string, _o: unknown, cmd: Command) => {
    const { certificateRegistry } = await import('./pipeline/stages/signature.ts');
    for (const c of certificateRegistry(config(cmd).dataDir).list(partner)) {
      process.stdout.write(
        `${c.fingerprint}  serial ${c.serial}  ${c.notBefore.toISOString().slice(0, 10)} → ${c.notAfter.toISOString().slice(0, 10)}  ${c.subject}\n`,
      );
    }
  });
  certs
    .command('remove <partner> <fingerprint>')
    .action(async (partner: string, fingerprint: string, _o: unknown, cmd: Command) => {
      const { certificateRegistry } = await import('./pipeline/stages/signature.ts');
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
      const { makeTestPki } = await import('./signature/test-pki.ts');
      const pki = makeTestPki(path.resolve(folder), { partner: opts.partner, keyType: opts.keyType });
      process.stdout.write(
        `CA certificate:      ${pki.caCert}\npartner certificate: ${pki.cert}\npartner key:         ${pki.key}\n\n` +
          `Trust the CA:        cp ${pki.caCert} config/trust/   (or the partner's signature.trustAnchors)\n` +
          `Register the cert:   npx passerelle certs add ${opts.partner} ${pki.cert}\n` +
          `Sign a flow (FLOW=<file>):\n${pki.signCommand}\n`,
      );
    });

  program
    .command('doctor')
    .description('check the installation')
    .action(async (_o: unknown, cmd: Command) => {
      const { doctor } = await import('./gateway/doctor.ts');
      const ok = await doctor(config(cmd), (line) => process.stdout.write(`${line}\n`));
      process.exitCode = ok ? 0 : 1;
    });

  try {
    await program.parseAsync(argv);
  } catch (e) {
    process.stderr.write(`passerelle: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
