/**
 * Stand-ins for the store and the intake, for the SFTP tests and `bench/sftp.ts` (the real ones live in
 * the store and the pipeline; the daemon never uses these).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { buildConfig } from '../../src/config.ts';
import type { PartnerAccount, PartnerAccounts } from '../../src/store/types.ts';
import type { Intake, IntakeRequest, IntakeResult } from '../../src/gateway/intake-types.ts';
import { SftpServer } from '../../src/gateway/sftp/server.ts';

export class MemoryPartnerAccounts implements PartnerAccounts {
  readonly partners = new Map<string, PartnerAccount>();

  constructor(partners: Array<Partial<PartnerAccount> & { code: string }> = []) {
    for (const p of partners) this.add(p);
  }

  add(p: Partial<PartnerAccount> & { code: string }): PartnerAccount {
    const account: PartnerAccount = {
      name: p.code,
      active: true,
      returnSyntax: 'CPPStatut',
      sftpAuthorizedKeys: [],
      signed: false,
      ...p,
    };
    this.partners.set(p.code, account);
    return account;
  }
  async getPartner(code: string): Promise<PartnerAccount | undefined> {
    return this.partners.get(code);
  }
  async listPartners(): Promise<PartnerAccount[]> {
    return [...this.partners.values()];
  }
  async setSftpPassword(code: string, hash: string): Promise<void> {
    const p = this.partners.get(code);
    if (!p) throw new Error(`unknown partner ${code}`);
    p.sftpPasswordHash = hash;
  }
  async addSftpKey(code: string, line: string): Promise<void> {
    const p = this.partners.get(code);
    if (!p) throw new Error(`unknown partner ${code}`);
    p.sftpAuthorizedKeys.push(line);
  }
}

export interface ClaimRecord extends IntakeRequest {
  /** Where the claimed file was moved. */
  storedPath: string;
}

/** An intake that moves each claimed file into `dir` and records the request. */
export class FolderIntake implements Intake {
  readonly claims: ClaimRecord[] = [];
  readonly dir: string;
  readonly maxFlowBytes: number;
  /** Set to make the next claims fail (tests of the failure path). */
  failWith?: Error;

  constructor(dir: string, maxFlowBytes = 30000 * 1024) {
    this.dir = dir;
    this.maxFlowBytes = maxFlowBytes;
    mkdirSync(dir, { recursive: true });
  }

  async claim(req: IntakeRequest): Promise<IntakeResult> {
    if (this.failWith) throw this.failWith;
    const n = this.claims.length + 1;
    const storedPath = path.join(this.dir, `${String(n).padStart(6, '0')}-${req.partner}-${req.originalName}`);
    await rename(req.path, storedPath);
    this.claims.push({ ...req, storedPath });
    return {
      id: String(n),
      flowNumber: req.box === 'depot' ? `CPP00111000000000000${String(n).padStart(5, '0')}` : undefined,
    };
  }

  async take(req: IntakeRequest): Promise<{ spoolKey: string }> {
    return { spoolKey: (await this.claim(req)).id };
  }
}

export interface TestSftp {
  server: SftpServer;
  port: number;
  dataDir: string;
  intake: FolderIntake;
  accounts: MemoryPartnerAccounts;
  /** Every log line (JSON), for assertions. */
  logs: string[];
  registry: Registry;
  stop(): Promise<void>;
}

/** A server on an ephemeral loopback port over a fresh temp dataDir, with in-memory accounts and a folder intake. */
export async function startTestSftp(
  opts: {
    partners?: Array<Partial<PartnerAccount> & { code: string }>;
    sftp?: Record<string, number>;
    maxFlowSizeKo?: number;
    keepLogs?: boolean;
  } = {},
): Promise<TestSftp> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'passerelle-sftp-'));
  const config = buildConfig(
    { dataDir, maxFlowSizeKo: opts.maxFlowSizeKo ?? 30000, sftp: opts.sftp ?? {} },
    {},
    dataDir,
  );
  const accounts = new MemoryPartnerAccounts(opts.partners ?? []);
  const intake = new FolderIntake(path.join(dataDir, 'spool'), config.maxFlowSizeKo * 1024);
  const logs: string[] = [];
  const logger = pino(
    { level: opts.keepLogs === false ? 'silent' : 'debug' },
    { write: (s: string) => void logs.push(s) },
  );
  const registry = new Registry();
  const server = new SftpServer({ config, accounts, intake, logger, metrics: registry });
  const { port } = await server.start({ port: 0, host: '127.0.0.1' }).catch((e: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  });
  return {
    server,
    port,
    dataDir,
    intake,
    accounts,
    logs,
    registry,
    stop: async () => {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
