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
import type { PipelineDeps } from '../src/pipeline/stage.ts';
import { rulesStage } from '../src/pipeline/stages/rules.ts';
import { schemaStage } from '../src/pipeline/stages/schema.ts';
import { syntaxStage } from '../src/pipeline/stages/syntax.ts';
import { FlowWorkers } from '../src/pipeline/work/pool.ts';
import { readAndCheck } from '../src/pipeline/read-check.ts';
import { takeTree, treeThread } from '../src/formats/read/kept.ts';
import { DEFAULT_LIMITS } from '../src/formats/limits.ts';
import { detectSyntax } from '../src/formats/registry.ts';
import { ValidationPool } from '../src/schemas/pool.ts';
import { matelasOrNone } from '../src/store/directory.ts';
import type { FlowRecord } from '../src/store/types.ts';
import { CORPUS, corpusRows } from './helpers/env.ts';
import * as h from './helpers/hostile.ts';

const config = buildConfig({ dataDir: '/tmp/passerelle-unused' }, {});
const matelas = matelasOrNone('ABC123', undefined);

function flowOf(bytes: Buffer, name: string): FlowRecord {
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
  return flow;
}

/** SYNTAXE then REGLE, as runStages() does, and what they pass forward. */
async function run(bytes: Buffer, name: string, work?: FlowWorkers) {
  const deps = { config, logger: silentLogger, ...(work ? { work } : {}) } as unknown as PipelineDeps;
  const flow = flowOf(bytes, name);
  const syntax = await syntaxStage.run({ flow, payload: Buffer.from(bytes) }, deps);
  const out = 'output' in syntax ? syntax.output : undefined;
  // What the stage answered, read before REGLE hands the XML to a worker (and detaches it).
  // The key of the kept element tree names the thread that detected: not part of the comparison.
  const syntaxResult = JSON.parse(JSON.stringify(syntax, (k, v: unknown) => (k === 'tree' ? undefined : v))) as unknown;
  const tree = out?.detected?.tree;
  const sameXml = out?.detected !== undefined && out.detected.xml === out.payload;
  const payload = out?.payload && Buffer.from(out.payload);
  const rules = out
    ? await rulesStage.run(
        { flow, detected: out.detected, documents: out.documents, matelas: async () => matelas },
        deps,
      )
    : undefined;
  const invoices = rules && 'output' in rules ? rules.output.invoices : undefined;
  return {
    result: { syntax: syntaxResult, rules: JSON.parse(JSON.stringify({ rules, invoices })) as unknown },
    payload,
    out,
    sameXml,
    tree,
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
    // The bytes went to the worker and came back: the stage's output holds them, whole, for the stages
    // after it (a flow rejected here passes nothing on).
    if (worker.out) expect(worker.payload?.equals(bytes)).toBe(true);
    else expect((worker.result as { syntax: { outcome: string } }).syntax.outcome).toBe('rejected');
    if (worker.out?.detected && !worker.out.documents && worker.out.detected.syntax !== 'facturx-pdf')
      expect(worker.sameXml).toBe(true);
  });

  it('one parse per flow: REGLE reads the tree SYNTAXE kept, in the thread that parsed it', async () => {
    const bytes = readFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example1.xml'));
    const inline = await run(bytes, 'f.xml');
    expect(inline.tree && treeThread(inline.tree)).toBe(0);
    // Taken by REGLE: nothing is left under its key.
    expect(takeTree(inline.tree!, bytes)).toBeUndefined();
    const worker = await run(bytes, 'f.xml', work);
    expect(worker.tree && treeThread(worker.tree)).toBeGreaterThan(0);
    expect(worker.result).toEqual(inline.result);
    // A key that finds nothing (the worker recycled, the tree dropped) reads by parsing again: same answer.
    const req = { xml: bytes, syntax: 'ubl-invoice' as const, rules: ['en16931', 'en16931-ubl'], file: 'f.xml' };
    const checked = readAndCheck({ ...req, limits: DEFAULT_LIMITS, tree: '0:999999' });
    const parsed = readAndCheck({ ...req, limits: DEFAULT_LIMITS });
    expect(JSON.stringify(checked)).toBe(JSON.stringify(parsed));
    expect(parsed.invoices).toHaveLength(1);
  });

  it('REGLE not wanting the XML back: the worker frees it once decoded, same result, nothing handed back', async () => {
    const req = {
      syntax: 'ubl-invoice' as const,
      rules: ['en16931', 'en16931-ubl'],
      limits: DEFAULT_LIMITS,
      file: 'grande.xml',
    };
    const large = h.largeValidUbl(6 * 1024 * 1024, 'rendue');
    const inline = readAndCheck({ ...req, xml: large });
    const sent = Buffer.from(large);
    const freed = await work.readAndCheck({ ...req, xml: sent }, { handBack: false });
    expect(JSON.stringify(freed.checked)).toBe(JSON.stringify(inline));
    expect(freed.bytes.length).toBe(0);
    expect(sent.length).toBe(0); // transferred to the worker, not copied
    // Wanted back (the default): handed back whole.
    const kept = await work.readAndCheck({ ...req, xml: Buffer.from(large) });
    expect(JSON.stringify(kept.checked)).toBe(JSON.stringify(inline));
    expect(kept.bytes.equals(large)).toBe(true);
  });

  it('keeps no tree of a large flow, nor of bytes other than those parsed', async () => {
    const large = await run(h.largeValidUbl(6 * 1024 * 1024, 'grande'), 'grande.xml');
    expect(large.out?.detected).toBeDefined();
    expect(large.tree).toBeUndefined();
    const bytes = readFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example1.xml'));
    const r = await detectSyntax(bytes, { keepTrees: true });
    const key = r.ok ? r.flow.tree : undefined;
    expect(key).toBeDefined();
    const other = Buffer.from(bytes);
    other[other.length - 2] = 0x20;
    expect(takeTree(key!, other)).toBeUndefined();
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

describe('SCHEMA on a zip, each document handed over to the validation worker', () => {
  it('gives the inline result and hands every document back whole, the flow detection with it', async () => {
    const a = h.UBL_EXAMPLE;
    const b = Buffer.from(
      readFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example2.xml'), 'utf8').replace(
        /<cbc:IssueDate>[^<]*</,
        '<cbc:IssueDate>31/12/2017<',
      ),
    );
    const big = h.largeValidUbl(5 * 1024 * 1024, 'lot');
    const zip = h.zipOf([
      { name: 'a.xml', data: a },
      { name: 'b.xml', data: b },
      { name: 'c.xml', data: big },
    ]);
    const outcome = async (threads: number) => {
      const validation = new ValidationPool({ schemaDir: '/tmp/passerelle-no-installed-schemas', threads });
      try {
        const deps = { config, logger: silentLogger, validation } as unknown as PipelineDeps;
        const flow = flowOf(zip, 'lot.zip');
        const syntax = await syntaxStage.run({ flow, payload: Buffer.from(zip) }, deps);
        if (!('output' in syntax)) throw new Error('zip not detected');
        const { detected, documents } = syntax.output;
        const schema = await schemaStage.run(
          { flow, ...(detected ? { detected } : {}), ...(documents ? { documents } : {}) },
          deps,
        );
        return { schema, text: JSON.stringify(schema), sent: documents! };
      } finally {
        await validation.close();
      }
    };
    const inline = await outcome(0);
    const worker = await outcome(1);
    expect(worker.text).toEqual(inline.text);
    expect(worker.schema.outcome).toBe('partial');
    if (!('output' in worker.schema)) throw new Error('no output');
    const docs = worker.schema.output.documents!;
    expect(docs.map((d) => d.detected?.xml.equals(d.name === 'a.xml' ? a : d.name === 'b.xml' ? b : big))).toEqual([
      true,
      true,
      true,
    ]);
    expect(worker.schema.output.detected).toBe(docs[0]!.detected);
    // Handed over, not copied: the inflated entry's Buffer that went to the worker is detached (moved).
    expect(worker.sent[2]!.detected!.xml.byteLength).toBe(0);
    expect(inline.sent[2]!.detected!.xml.equals(big)).toBe(true);
  }, 60000);
});
