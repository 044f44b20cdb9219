/**
 * One pipeline, three doors: the same bytes from the same partner get the same findings, stage outcomes
 * and verdict whether they are deposited (the daemon's runner), analysed by `passerelle analyze --partner`
 * (the admin API the CLI calls when the daemon runs, or analyzeFiles() on the database when it does not)
 * or analysed from the portal (Analyser). Files: corpus invoices (valid, XSD-invalid, rule-invalid, not an
 * invoice) and the partner's qualification kit (routed and integrated, routing-invalid, a zip with one bad
 * invoice, 96). The portal's flow page of a rejected analysis shows the stages after the rejection as not run.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeFiles } from '../src/pipeline/analyze-batch.ts';
import type { AnalysisReport } from '../src/pipeline/analyze.ts';
import { directoryRouting } from '../src/pipeline/routing.ts';
import type { KitManifest } from '../src/platform/samples.ts';
import { getStages, listFlows } from '../src/store/flows.ts';
import { mailboxPaths } from '../src/store/mailboxes.ts';
import { getPartner } from '../src/store/partners.ts';
import { TERMINAL_STATES } from '../src/store/types.ts';
import type { FlowRecord, StageOutcomeRecord } from '../src/store/types.ts';
import type { Finding } from '../src/finding.ts';
import type { DbKind } from './helpers/env.ts';
import { cleanup, CORPUS, freePort, postgresAvailable, startDaemon, tempDir, testConfig } from './helpers/env.ts';

const PARTNER = 'ABC123';
const PASSWORD = 'Qualif-Seam-2026!';
const kind: DbKind = (await postgresAvailable()) ? 'postgres' : 'pglite';

/** What a finding says, as `analyze --json` prints it. */
const said = (f: Finding) => ({
  code: f.code,
  nature: f.nature,
  severity: f.severity,
  labelFr: f.labelFr,
  labelEn: f.labelEn,
  ...(f.location ? { location: f.location } : {}),
  ...(f.detail ? { detail: f.detail } : {}),
  ...(f.invoice ? { invoice: f.invoice } : {}),
});

interface Answer {
  verdict: string;
  stages: Array<[string, string]>;
  findings: ReturnType<typeof said>[];
}

const fromReport = (r: AnalysisReport): Answer => ({
  verdict: r.verdict,
  stages: r.stages.map((s) => [s.stage, s.outcome]),
  findings: r.findings.map(said),
});

const VERDICTS: Record<string, string> = {
  IN_INTEGRE: 'accepted',
  IN_INTEGRE_PARTIEL: 'partial',
  IN_REJETE: 'rejected',
  IN_EN_ATTENTE_RETRAITEMENT_CPP: 'waiting',
};
const STATUS: Record<string, string | null> = { accepted: '90', partial: '96', rejected: '93', waiting: null };

const fromFlow = (flow: FlowRecord, stages: StageOutcomeRecord[]): Answer => ({
  verdict: VERDICTS[flow.state] ?? flow.state,
  stages: stages.map((s) => [s.stage, s.outcome]),
  findings: stages.flatMap((s) => s.findings).map(said),
});

describe(`the daemon, analyze --partner and the portal's Analyser answer alike (${kind})`, () => {
  let dataDir: string;
  let handle: Awaited<ReturnType<typeof startDaemon>>;
  let base: string;
  const files: string[] = [];

  const admin = async (method: 'GET' | 'POST', route: string, body?: unknown) => {
    const info = handle.daemon.info!;
    const res = await fetch(`${base}/admin${route}`, {
      method,
      headers: { authorization: `Bearer ${info.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  };

  /** The flow of this box named `name`, once concluded. */
  const concluded = async (box: 'depot' | 'analyse', name: string): Promise<Answer & { flow: FlowRecord }> => {
    const db = handle.daemon.store.db;
    const deadline = Date.now() + 60000;
    for (;;) {
      const flow = (await listFlows(db, { partner: PARTNER, limit: 1000 })).find(
        (f) => f.box === box && f.originalName === name,
      );
      if (flow && TERMINAL_STATES.includes(flow.state))
        return { ...fromFlow(flow, await getStages(db, flow.id)), flow };
      if (Date.now() > deadline) throw new Error(`${box}/${name} not concluded (${flow?.state ?? 'not received'})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    dataDir = tempDir();
    const config = testConfig(dataDir, {
      http: { port: await freePort() },
      partners: [{ code: PARTNER, name: 'Société Test', returnSyntax: 'CPPStatut', sftp: { password: PASSWORD } }],
      platform: { matelasSeed: 'seam', matelasDelaySeconds: 0 },
    });
    handle = await startDaemon(kind, config);
    base = `http://127.0.0.1:${handle.daemon.info!.httpPort}`;
    await admin('POST', `/matelas/${PARTNER}/create`);
    for (const deadline = Date.now() + 30000; ;) {
      if ((await admin('GET', `/matelas/${PARTNER}`)).state === 'Terminé') break;
      if (Date.now() > deadline) throw new Error('matelas not created');
      await new Promise((r) => setTimeout(r, 200));
    }
    const kitDir = path.join(dataDir, 'kit');
    const manifest = (await admin('POST', `/samples/${PARTNER}`, {
      folder: kitDir,
      tag: 'S1',
    })) as unknown as KitManifest;
    const ok = manifest.invoices.find((k) => k.expected === 'integree')!;
    const routing = manifest.invoices.find(
      (k) => k.expected === 'rejetee' && k.codes.length && !k.codes.includes('CPP-FACTURE-DOUBLON'),
    )!;
    const lot = manifest.lots.find((l) => l.statusCode === '96')!;
    for (const f of [
      'valid/ubl/cen-ubl-tc434-example1.xml',
      'invalid/ubl/peppol-GR-base-example-correct.xml',
      'invalid/ubl/zcorpus-not_validating_full_invoice_based_onTest_EeISI_300_CENfullmodel.ubl.xml',
      'invalid/cii/mustang-invalidV2Root.xml',
    ])
      files.push(path.join(CORPUS, f));
    for (const k of [ok.fileName, routing.fileName, lot.fileName]) files.push(path.join(kitDir, k));
  }, 120000);

  afterAll(async () => {
    await handle?.stop();
    if (dataDir) cleanup(dataDir);
  });

  it('gives the same findings, stage outcomes and verdict through every door', async () => {
    const db = handle.daemon.store.db;
    const account = (await getPartner(db, PARTNER))!;
    // 1. analyze --partner, the daemon running: the admin API.
    const viaAdmin = new Map<string, Answer>();
    for (const file of files) {
      const report = (await admin('POST', '/analyze', {
        partner: PARTNER,
        fileName: path.basename(file),
        content: readFileSync(file).toString('base64'),
      })) as unknown as AnalysisReport;
      viaAdmin.set(path.basename(file), fromReport(report));
    }
    // 2. analyze --partner, no daemon: the CLI's own run on the partner's database.
    const viaCli = new Map<string, Answer>();
    for await (const a of analyzeFiles(files, {
      config: handle.daemon.config,
      validation: handle.daemon.deps.validation,
      partner: { account, db, routing: directoryRouting() },
    }))
      viaCli.set(path.basename(a.file), fromReport(a.report));
    // 3. the portal's Analyser (box analyse, through the daemon's runner).
    const portal = await portalSession(base);
    for (const file of files) {
      const res = await portal.deposit('analyse', readFileSync(file), path.basename(file));
      expect(res.status).toBe(303);
    }
    const viaPortal = new Map<string, Answer>();
    for (const file of files) {
      const { flow: _flow, ...answer } = await concluded('analyse', path.basename(file));
      viaPortal.set(path.basename(file), answer);
    }
    // 4. a deposit (depot), last: it integrates, after which the same invoices would be duplicates.
    const box = mailboxPaths(handle.daemon.config.dataDir, PARTNER);
    const viaDeposit = new Map<string, Answer & { statusCode: string | null }>();
    for (const file of files) {
      copyFileSync(file, path.join(box.depot, path.basename(file)));
      const { flow, ...answer } = await concluded('depot', path.basename(file));
      viaDeposit.set(path.basename(file), { ...answer, statusCode: flow.statusCode });
    }

    const verdicts: string[] = [];
    for (const file of files) {
      const name = path.basename(file);
      const reference = viaAdmin.get(name)!;
      verdicts.push(reference.verdict);
      expect({ name, ...viaCli.get(name)! }).toEqual({ name, ...reference });
      expect({ name, ...viaPortal.get(name)! }).toEqual({ name, ...reference });
      const deposit = viaDeposit.get(name)!;
      // A deposit runs one stage more (INTEGRATION), after the same five.
      expect({ name, ...deposit, stages: deposit.stages.slice(0, -1), statusCode: undefined }).toEqual({
        name,
        ...reference,
        statusCode: undefined,
      });
      expect(deposit.stages.at(-1)![0]).toBe('INTEGRATION');
      expect(deposit.statusCode).toBe(STATUS[reference.verdict]);
    }
    // The files cover every verdict and a stop at each kind of stage.
    expect(verdicts).toEqual(['rejected', 'rejected', 'rejected', 'rejected', 'accepted', 'rejected', 'partial']);
    const stagesOf = (i: number) => viaAdmin.get(path.basename(files[i]!))!.stages;
    expect(stagesOf(1)).toEqual([
      ['RECEPTION', 'ok'],
      ['SIGNATURE', 'ok'],
      ['SYNTAXE', 'ok'],
      ['SCHEMA', 'rejected'],
      ['REGLE', 'skipped'],
    ]);
    expect(stagesOf(3).map((s) => s[1])).toEqual(['ok', 'ok', 'rejected', 'skipped', 'skipped']);
    expect(stagesOf(6).map((s) => s[1])).toEqual(['ok', 'ok', 'ok', 'ok', 'partial']);
    expect(viaDeposit.get(path.basename(files[3]!))!.stages.at(-1)).toEqual(['INTEGRATION', 'skipped']);
    expect(viaDeposit.get(path.basename(files[4]!))!.stages.at(-1)).toEqual(['INTEGRATION', 'ok']);
    expect(viaAdmin.get(path.basename(files[5]!))!.findings.map((f) => f.code)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^CPP-/)]),
    );

    // The portal's page of the analysis rejected at SCHEMA: the rules stage was not run, and says so.
    const analysis = await concluded('analyse', path.basename(files[1]!));
    const page = await portal.page(`/portail/flux/${analysis.flow.id}`);
    const row = /<tr>\s*<td>Règles de gestion<\/td>([\s\S]*?)<\/tr>/.exec(page)?.[1] ?? '';
    expect(row).toContain('Non exécutée');
    expect(row).not.toMatch(/\d ms/);
  }, 240000);
});

/** The legacy portal signed in with the partner's code and password: deposits and pages. */
async function portalSession(base: string) {
  const jar = new Map<string, string>();
  const go = async (url: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    if (init.method === 'POST') headers.set('origin', base);
    const res = await fetch(base + url, { ...init, headers, redirect: 'manual' });
    for (const set of res.headers.getSetCookie()) {
      const [pair] = set.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return res;
  };
  const csrf = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';
  const signIn = csrf(await (await go('/portail')).text());
  const login = await go('/portail/connexion', {
    method: 'POST',
    body: new URLSearchParams({ _csrf: signIn, partenaire: PARTNER, motDePasse: PASSWORD }),
  });
  expect(login.status).toBe(303);
  return {
    page: async (url: string) => (await go(url)).text(),
    async deposit(box: 'depot' | 'analyse', bytes: Buffer, name: string) {
      const form = new FormData();
      form.append('_csrf', csrf(await (await go('/portail/deposer')).text()));
      form.append('syntaxeFlux', '');
      form.append('signe', 'non');
      form.append('fichier', new Blob([new Uint8Array(bytes)]), name);
      return go(`/portail/deposer?box=${box}`, { method: 'POST', body: form });
    },
  };
}
