/**
 * Stages SYNTAXE and REGLE give the same results whether their pure work runs in worker threads
 * (FlowWorkers, as in the daemon) or on the calling thread (tests, `passerelle analyze`): every corpus
 * file, plus a zip of invoices and hostile flows, through both; and the flow's bytes come back usable.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildConfig } from '../src/config.ts';
import { silentLogger } from '../src/log.ts';
import type { FlowContext, PipelineDeps } from '../src/pipeline/stage.ts';
import { rulesStage } from '../src/pipeline/stages/rules.ts';
import { syntaxStage } from '../src/pipeline/stages/syntax.ts';
import { FlowWorkers } from '../src/pipeline/work/pool.ts';
import { ValidationPool } from '../src/schemas/pool.ts';
import type { FlowRecord, PartnerAccount } from '../src/store/types.ts';
import { CORPUS, corpusRows } from './helpers/env.ts';
import * as h from './helpers/hostile.ts';

const config = buildConfig({ dataDir: '/tmp/passerelle-unused' }, {});
const partner: PartnerAccount = {
  code: 'ABC123',
  name: 'T',
  active: true,
  returnSyntax: 'CPPStatut',
  sftpAuthorizedKeys: [],
  signed: false,
};

function contextOf(bytes: Buffer, name: string): FlowContext {
  const now = new Date();
  const flow = {
    id: 1,
    flowNumber: null,
    box: 'analyse',
    partner: 'ABC123',
    originalName: name,
    size: bytes.length,
    sha256: '',
    stored: true,
    signatureSha256: null,
    spoolKey: '',
    transport: 'cli',
    declaredInterface: null,
    declaredSigned: null,
    interfaceCode: null,
    syntax: null,
    syntaxeFlux: null,
    profile: null,
    state: 'IN_RECU',
    statusCode: null,
    waitingFor: null,
    receivedAt: now,
    updatedAt: now,
    finishedAt: null,
  } as FlowRecord;
  return { flow, partner, bytes, signature: null, payload: bytes };
}

/** SYNTAXE then REGLE, as the runner does, and what they leave in the context. */
async function run(bytes: Buffer, name: string, work?: FlowWorkers) {
  const deps = { config, logger: silentLogger, extras: work ? { work } : {} } as unknown as PipelineDeps;
  const ctx = contextOf(Buffer.from(bytes), name);
  const syntax = await syntaxStage.run(ctx, deps);
  const rules = syntax.outcome === 'rejected' ? undefined : await rulesStage.run(ctx, deps);
  return {
    result: JSON.parse(JSON.stringify({ syntax, rules, detected: ctx.detected, invoices: ctx.invoices })) as unknown,
    payload: ctx.payload,
    ctx,
  };
}

describe('flow work in worker threads', () => {
  let work: FlowWorkers;
  beforeAll(() => {
    work = new FlowWorkers({ threads: 1 });
  });
  afterAll(async () => {
    await work.close();
  });

  const corpus = corpusRows().map((r) => [r.file, readFileSync(path.join(CORPUS, r.file))] as const);
  const extra: Array<readonly [string, Buffer]> = [
    [
      'lot.zip',
      h.zipOf([
        { name: 'a.xml', data: h.UBL_EXAMPLE },
        { name: 'b.xml', data: readFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example2.xml')) },
        { name: 'c.txt', data: Buffer.from('pas une facture') },
      ]),
    ],
    ['profond.xml', h.deepXml(1000)],
    ['bombe.pdf', h.pdfObjectStreamBomb(64)],
    ['moyenne.xml', h.largeValidUbl(6 * 1024 * 1024, 'moyenne')],
  ];

  it.each([...corpus, ...extra])('%s: same stage results inline and in a worker', async (name, bytes) => {
    const inline = await run(bytes, name);
    const worker = await run(bytes, name, work);
    expect(worker.result).toEqual(inline.result);
    // The bytes went to the worker and came back: the context holds them, whole.
    expect(worker.payload?.equals(bytes)).toBe(true);
    if (worker.ctx.detected && !worker.ctx.documents && worker.ctx.detected.syntax !== 'facturx-pdf')
      expect(worker.ctx.detected.xml).toBe(worker.ctx.payload);
  });
});

describe('XSD validation handing the document over', () => {
  it('validates in the worker without a copy and hands the bytes back whole', async () => {
    const pool = new ValidationPool({ schemaDir: '/tmp/passerelle-no-installed-schemas', threads: 1 });
    try {
      const refs = [{ set: 'ubl-2.1', entry: 'maindoc/UBL-Invoice-2.1.xsd' }];
      for (const bytes of [h.UBL_EXAMPLE, h.largeValidUbl(5 * 1024 * 1024, 'xsd')]) {
        const sent = Buffer.from(bytes);
        const copy = await pool.validate(bytes, refs);
        const { outcome, xml } = await pool.validateHandingOver(sent, refs, 'f.xml');
        expect(outcome).toEqual(copy);
        expect(outcome.ok).toBe(true);
        expect(xml.equals(bytes)).toBe(true);
      }
    } finally {
      await pool.close();
    }
  }, 60000);
});
