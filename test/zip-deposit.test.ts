/**
 * Zip deposits: the archive's limits (unit, on readZip/detectDeposit: bombs, lying headers, names,
 * nesting, encryption), then through the real daemon on PostgreSQL with a matelas: a zip of valid
 * invoices is integrated (90), a zip with bad ones is integrated partly (96, one line per rejected
 * invoice), a bad archive is rejected (93, its ZIP code).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { detectDeposit, sniffInterface } from '../src/formats/registry.ts';
import { ZIP_LIMITS, readZip, writeZip, zipLimits } from '../src/formats/zip.ts';
import { buildConfig, schemaDir } from '../src/config.ts';
import { analyzeBytes } from '../src/pipeline/analyze.ts';
import { ValidationPool } from '../src/schemas/pool.ts';
import { FlowWorkers } from '../src/pipeline/work/pool.ts';
import { mailboxPaths } from '../src/store/mailboxes.ts';
import { generateMatelasSet } from '../src/platform/matelas-service.ts';
import type { KitInvoice } from '../src/platform/samples.ts';
import { buildQualificationKit } from '../src/platform/samples.ts';
import type { DirectoryData } from '../src/store/directory.ts';
import { listInvoices } from '../src/store/invoices.ts';
import { assertValidAgainst, readCppStatut } from './helpers/compte-rendu.ts';
import {
  cleanup,
  CORPUS,
  freePort,
  postgresRequired,
  startDaemon,
  tempDir,
  testConfig,
  waitForFiles,
} from './helpers/env.ts';

/** Decided before the tests are declared: without PostgreSQL they are reported as skipped, not passed (CI requires it). */
const postgres = await postgresRequired();
const pgIt = postgres ? it : it.skip;

// ---------------------------------------------------------------------------------------------
// A tiny zip writer, so that the tests control every field (names, flags, sizes) a hostile archive plays with.

interface RawEntry {
  name: string;
  data: Buffer;
  deflate?: boolean;
  /** Declared uncompressed size, when the header must lie. */
  claimedSize?: number;
  encrypted?: boolean;
}

function zipOf(entries: RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const body = e.deflate === false ? e.data : deflateRawSync(e.data);
    const method = e.deflate === false ? 0 : 8;
    const flags = 0x800 | (e.encrypted ? 1 : 0);
    const size = e.claimedSize ?? e.data.length;
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const UBL = readFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example1.xml'));
const CII = readFileSync(path.join(CORPUS, 'valid/cii/akretion-factur-x-en16931.xml'));
const LIMITS = zipLimits(30000);
const codeOf = async (zip: Buffer, name = 'lot.zip') => {
  const r = await detectDeposit(zip, { fileName: name });
  return r.ok ? 'ok' : r.findings.map((f) => f.code).join(',');
};

describe('zip deposits: the archive', () => {
  it('opens a zip of invoices into documents, leaving out directories, __MACOSX and dotfiles', async () => {
    const zip = zipOf([
      { name: 'factures/', data: Buffer.alloc(0), deflate: false },
      { name: 'factures/a.xml', data: UBL },
      { name: 'factures/b.xml', data: CII, deflate: false },
      { name: '__MACOSX/factures/._a.xml', data: Buffer.from('junk') },
      { name: 'factures/.DS_Store', data: Buffer.from('junk') },
      { name: 'factures/notes.txt', data: Buffer.from('pas une facture') },
    ]);
    const r = await detectDeposit(zip, { fileName: 'lot.zip' });
    if (!r.ok) throw new Error(JSON.stringify(r.findings));
    expect(r.documents!.map((d) => [d.name, d.detected?.syntax ?? d.findings[0]!.code])).toEqual([
      ['factures/a.xml', 'ubl-invoice'],
      ['factures/b.xml', 'cii'],
      ['factures/notes.txt', 'FMT-NOT-XML-OR-PDF'],
    ]);
    // The flow stands as its first document; a not-invoice entry is one rejected document, named.
    expect(r.flow.interfaceCode).toBe('FSO1100A');
    expect(r.documents![2]!.findings[0]).toMatchObject({
      invoice: 'factures/notes.txt',
      location: { file: 'factures/notes.txt' },
    });
    // Intake numbers the flow after its first entry, from the head only.
    expect(sniffInterface(zip.subarray(0, 65536))).toBe('FSO1100A');
  });

  it('checks a declared interface against every document', async () => {
    const zip = zipOf([
      { name: 'a.xml', data: UBL },
      { name: 'b.xml', data: CII },
    ]);
    expect(await codeOf(zip, 'FSO1100A_lot.zip')).toBe('FMT-INTERFACE-MISMATCH');
    expect(await codeOf(zipOf([{ name: 'a.xml', data: UBL }]), 'FSO1100A_lot.zip')).toBe('ok');
  });

  it('rejects a bad archive as a whole, each with its own code', async () => {
    const many = Array.from({ length: 501 }, (_, i) => ({ name: `f${i}.xml`, data: UBL }));
    expect(await codeOf(zipOf(many))).toBe('ZIP-TOO-MANY-ENTRIES');
    expect(await codeOf(zipOf([{ name: '../../etc/cron.d/x.xml', data: UBL }]))).toBe('ZIP-ENTRY-PATH');
    expect(await codeOf(zipOf([{ name: '/tmp/x.xml', data: UBL }]))).toBe('ZIP-ENTRY-PATH');
    expect(await codeOf(zipOf([{ name: 'C:\\x.xml', data: UBL }]))).toBe('ZIP-ENTRY-PATH');
    expect(await codeOf(zipOf([{ name: 'a..b.xml', data: UBL }]))).toBe('ok');
    expect(await codeOf(zipOf([]))).toBe('ZIP-EMPTY');
    expect(await codeOf(zipOf([{ name: 'd/', data: Buffer.alloc(0), deflate: false }]))).toBe('ZIP-EMPTY');
    const inner = zipOf([{ name: 'a.xml', data: UBL }]);
    expect(await codeOf(zipOf([{ name: 'inner.zip', data: inner }]))).toBe('ZIP-NESTED');
    expect(await codeOf(zipOf([{ name: 'renamed.xml', data: inner, deflate: false }]))).toBe('ZIP-NESTED');
    expect(await codeOf(zipOf([{ name: 'a.xml', data: UBL, encrypted: true }]))).toBe('ZIP-ENCRYPTED');
    expect(await codeOf(Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(60)]))).toBe('ZIP-UNREADABLE');
    // Total size: relative to the flow size limit (10 ×).
    const small = await detectDeposit(zipOf([{ name: 'a.xml', data: UBL }]), { fileName: 'lot.zip', maxFlowSizeKo: 1 });
    expect(small.ok ? 'ok' : small.findings[0]!.code).toBe('ZIP-TOO-LARGE');
  });

  it('refuses a zip bomb from its directory, and a lying header by the running cap, without the memory it claims', async () => {
    const zeros = Buffer.alloc(50 * 1024 * 1024);
    const honest = zipOf([{ name: 'bomb.xml', data: zeros }]);
    const lying = zipOf([{ name: 'bomb.xml', data: zeros, claimedSize: 2 * 1024 * 1024 }]);
    expect(honest.length).toBeLessThan(200_000);
    const before = process.memoryUsage().arrayBuffers;
    const r1 = await readZip(honest, 'bomb.zip', LIMITS);
    const r2 = await readZip(lying, 'bomb.zip', LIMITS);
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(r1.ok ? 'ok' : r1.findings[0]!.code).toBe('ZIP-RATIO');
    expect(r1.ok ? '' : r1.findings[0]!.detail).toContain('52428800');
    // The lying header is stopped at 2 MiB (what it claims), by our cap or yauzl's size check.
    expect(r2.ok ? 'ok' : r2.findings[0]!.code).toMatch(/^ZIP-(RATIO|UNREADABLE)$/);
    expect(grown).toBeLessThan(20 * 1024 * 1024);
  });
});

// ---------------------------------------------------------------------------------------------
// The configured limits (config `zip`) and `passerelle analyze`, without a daemon.

describe('zip deposits: configured limits and passerelle analyze', () => {
  let dir: string;
  const pools: ValidationPool[] = [];
  const analyze = async (zip: Buffer, raw: Record<string, unknown> = {}) => {
    const config = testConfig(dir, raw);
    const validation = new ValidationPool({ schemaDir: schemaDir(config), threads: 0 });
    pools.push(validation);
    return analyzeBytes(zip, 'lot.zip', { config, validation });
  };
  const three = zipOf([
    { name: 'a.xml', data: UBL },
    { name: 'b.xml', data: CII },
    { name: 'c.xml', data: UBL, deflate: false },
  ]);

  beforeAll(async () => {
    dir = tempDir();
  });
  afterAll(async () => {
    for (const p of pools) await p.close();
    if (dir) cleanup(dir);
  });

  it('an XSD-invalid entry is one rejected invoice, named from the tree detection kept (inline and in a worker)', async () => {
    const invalid = Buffer.from(UBL.toString('utf8').replace('</cbc:ID>', '</cbc:ID><cbc:Inconnu>x</cbc:Inconnu>'));
    const zip = zipOf([
      { name: 'a.xml', data: CII },
      { name: 'b.xml', data: invalid },
    ]);
    const config = testConfig(dir, {});
    const validation = new ValidationPool({ schemaDir: schemaDir(config), threads: 0 });
    pools.push(validation);
    const work = new FlowWorkers({ threads: 1 });
    try {
      for (const r of [
        await analyzeBytes(zip, 'lot.zip', { config, validation }),
        await analyzeBytes(zip, 'lot.zip', { config, validation, work }),
      ]) {
        expect(r.verdict).toBe('partial');
        const line = r.findings.find((f) => f.location?.file === 'b.xml' && f.invoice !== 'b.xml');
        expect(line).toMatchObject({ invoice: '12115118', location: { file: 'b.xml' } });
        expect(line?.detail).toMatch(/^Facture 12115118, fournisseur /);
      }
    } finally {
      await work.close();
    }
  });

  it('defaults to the platform limits of ZIP_LIMITS', () => {
    const config = buildConfig({}, {});
    expect(config.zip).toEqual({ maxInvoices: 500, maxEntries: 2000, maxRatio: 100 });
    expect(zipLimits(config.maxFlowSizeKo, config.zip)).toEqual(zipLimits(config.maxFlowSizeKo));
    expect(zipLimits(30000, config.zip)).toMatchObject({
      maxEntries: ZIP_LIMITS.maxEntries,
      maxRawEntries: ZIP_LIMITS.maxRawEntries,
      maxRatio: ZIP_LIMITS.maxRatio,
      maxTotalBytes: ZIP_LIMITS.totalSizeFactor * 30000 * 1024,
    });
    expect(() => buildConfig({ zip: { maxInvoices: 0 } }, {})).toThrow(/zip\.maxInvoices/);
  });

  it('rejects with a lower configured limit a zip the defaults accept', async () => {
    const byDefault = await analyze(three);
    expect({ verdict: byDefault.verdict, codes: byDefault.findings.filter((f) => f.severity === 'fatal') }).toEqual({
      verdict: 'accepted',
      codes: [],
    });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ maxInvoices: 2 }, 'ZIP-TOO-MANY-ENTRIES'],
      [{ maxEntries: 2 }, 'ZIP-TOO-MANY-ENTRIES'],
      [{ maxUncompressedKo: 1 }, 'ZIP-TOO-LARGE'],
    ];
    for (const [zip, code] of cases) {
      const r = await analyze(three, { zip });
      expect([zip, r.verdict, r.findings.map((f) => f.code)]).toEqual([zip, 'rejected', [code]]);
    }
    // The ratio is judged past 1 Mo: an invoice followed by 2 Mo of a comment that compresses ~65× passes
    // at 100 and not at 10.
    let x = 1;
    const lines: string[] = [];
    for (let i = 0; i < 40000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      lines.push(' '.repeat(48) + x.toString(16).slice(-3));
    }
    const padded = writeZip([
      { name: 'a.xml', bytes: Buffer.concat([UBL, Buffer.from(`<!--\n${lines.join('\n')}\n-->\n`)]) },
    ]);
    expect((await readZip(padded, 'lot.zip', zipLimits(30000))).ok).toBe(true);
    const low = await analyze(padded, { zip: { maxRatio: 10 } });
    expect(low.findings.map((f) => f.code)).toEqual(['ZIP-RATIO']);
  });

  it('says a partly good zip is partly accepted (96), in the report and in the CLI', async () => {
    const partly = writeZip([
      { name: 'ok.xml', bytes: UBL },
      { name: 'casse.xml', bytes: Buffer.from('<Invoice') },
    ]);
    const r = await analyze(partly);
    expect({ accepted: r.accepted, verdict: r.verdict }).toEqual({ accepted: false, verdict: 'partial' });
    expect(r.findings.filter((f) => f.severity === 'fatal').map((f) => f.code)).toEqual(['FMT-XML-MALFORMED']);
    const none = await analyze(writeZip([{ name: 'casse.xml', bytes: Buffer.from('<Invoice') }]));
    expect(none.verdict).toBe('rejected');

    const cfg = path.join(dir, 'passerelle.yaml');
    writeFileSync(cfg, `dataDir: ${JSON.stringify(dir)}\nschemas:\n  fetchOnStart: false\n`);
    const file = path.join(dir, 'lot-partiel.zip');
    writeFileSync(file, partly);
    const cli = spawnSync(process.execPath, ['bin/passerelle.js', 'analyze', '-c', cfg, file], { encoding: 'utf8' });
    expect(cli.stdout.split('\n')[0]).toMatch(/^lot-partiel\.zip: ACCEPTÉ PARTIELLEMENT \/ partly accepted \(96\)/);
    expect(cli.stdout).toContain('FMT-XML-MALFORMED');
  }, 30000);
});

// ---------------------------------------------------------------------------------------------
// Through the daemon.

const PARTNER = 'ZIP001';

describe('zip deposits through the daemon on PostgreSQL, with a matelas', () => {
  const it = pgIt;
  let dataDir: string;
  let handle: Awaited<ReturnType<typeof startDaemon>> | undefined;
  let box: ReturnType<typeof mailboxPaths>;
  let data: DirectoryData;
  const seen = new Set<string>();
  let hasZipTool = true;

  async function deposit(name: string, content: Buffer) {
    writeFileSync(path.join(box.depot, name), content);
    const [crName] = await waitForFiles(
      box.retour,
      1,
      30000,
      (n) =>
        !seen.has(n) &&
        n.startsWith('FEN1200A_') &&
        !n.startsWith('FEN1200A_CDV_') &&
        readCppStatut(readFileSync(path.join(box.retour, n), 'utf8')).originalName === name,
    );
    seen.add(crName!);
    const xml = readFileSync(path.join(box.retour, crName!), 'utf8');
    assertValidAgainst('CPPStatut.xsd', xml);
    return readCppStatut(xml);
  }
  const kit = (tag: string) => buildQualificationKit(data, { tag });
  const good = (k: KitInvoice[]) => k.filter((i) => i.expected === 'integree');

  beforeAll(async () => {
    try {
      execFileSync('zip', ['-v'], { stdio: 'ignore' });
    } catch {
      hasZipTool = false;
    }
    dataDir = tempDir();
    const config = testConfig(dataDir, {
      http: { port: await freePort() },
      partners: [{ code: PARTNER, name: 'Lots', returnSyntax: 'CPPStatut' }],
    });
    handle = await startDaemon('postgres', config);
    box = mailboxPaths(dataDir, PARTNER);
    const made = await generateMatelasSet(handle.daemon.store.db, {
      seed: 'zip-tests',
      partner: PARTNER,
      set: 1,
      folder: path.join(dataDir, 'matelas'),
    });
    data = made.data;
  }, 120000);

  afterAll(async () => {
    await handle?.stop();
    if (dataDir) cleanup(dataDir);
  });

  it('integrates a zip of 3 valid invoices (90), each at its own position', async () => {
    const three = good(kit('ZA')).slice(0, 3);
    expect(three).toHaveLength(3);
    let zip: Buffer;
    if (hasZipTool) {
      // Built by Info-ZIP, as a partner would.
      const dir = path.join(dataDir, 'zip-a');
      mkdirSync(dir, { recursive: true });
      for (const inv of three) writeFileSync(path.join(dir, inv.fileName), inv.xml);
      execFileSync('zip', ['-q', '-X', 'lot.zip', ...three.map((i) => i.fileName)], { cwd: dir });
      zip = readFileSync(path.join(dir, 'lot.zip'));
    } else zip = zipOf(three.map((i) => ({ name: i.fileName, data: Buffer.from(i.xml) })));
    const report = await deposit('lot-valide.zip', zip);
    expect(report).toMatchObject({ status: '90', lines: [] });
    // The matelas holds invoices of its own: only this kit's are looked at.
    const invoices = (await listInvoices(handle!.daemon.store.db, { partner: PARTNER })).filter((i) =>
      i.number.includes('ZA'),
    );
    expect(invoices.map((i) => i.number).sort()).toEqual(three.map((i) => i.invoiceNumber).sort());
    expect(invoices.every((i) => i.status === 'MISE_A_DISPOSITION')).toBe(true);
    expect(invoices.map((i) => i.flowPosition).sort()).toEqual([1, 2, 3]);
  }, 90000);

  it('integrates the good invoices of a zip partly (96): one line per rejected invoice, naming it', async () => {
    const k = kit('ZB');
    const [ok1, ok2] = good(k);
    const routing = k.find((i) => i.expected === 'rejetee' && i.codes.length === 1)!;
    // Schema-invalid (an unknown element), still readable: its line names the invoice.
    const invalid = ok2!.xml.replace('<cbc:IssueDate>', '<cbc:Inconnu>x</cbc:Inconnu><cbc:IssueDate>');
    const zip = zipOf([
      { name: 'ok.xml', data: Buffer.from(ok1!.xml) },
      { name: 'routage.xml', data: Buffer.from(routing.xml) },
      { name: 'xsd.xml', data: Buffer.from(invalid) },
      { name: 'casse.xml', data: Buffer.from('<Invoice') },
      { name: 'ok-bis.xml', data: Buffer.from(ok1!.xml) },
    ]);
    const report = await deposit('lot-partiel.zip', zip);
    expect(report.status).toBe('96');
    expect(report.lines).toHaveLength(4);
    const line = (needle: string) => report.lines.find((l) => l.description?.includes(needle));
    expect(line(`Facture ${routing.invoiceNumber}`)!.code).toBe(routing.codes[0]);
    expect(line(`Facture ${routing.invoiceNumber}`)!.description).toContain('routage.xml');
    expect(line(`Facture ${ok2!.invoiceNumber}`)!.nature).toBe('SCHEMA');
    expect(line(`Facture ${ok2!.invoiceNumber}`)!.description).toContain('xsd.xml');
    expect(line('casse.xml')!.code).toBe('FMT-XML-MALFORMED');
    // The same invoice twice in the zip: the second is a duplicate.
    expect(line('ok-bis.xml')!.code).toBe('CPP-FACTURE-DOUBLON');
    const numbers = (await listInvoices(handle!.daemon.store.db, { partner: PARTNER })).map((i) => i.number);
    expect(numbers.filter((n) => n === ok1!.invoiceNumber)).toHaveLength(1);
    expect(numbers).not.toContain(routing.invoiceNumber);
    expect(numbers).not.toContain(ok2!.invoiceNumber);
  }, 90000);

  it('rejects a zip whose every invoice is rejected (93)', async () => {
    const zip = zipOf([
      { name: 'a.xml', data: Buffer.from('<Invoice') },
      { name: 'b.txt', data: Buffer.from('texte') },
    ]);
    const report = await deposit('lot-rejete.zip', zip);
    expect(report.status).toBe('93');
    expect(report.lines.map((l) => l.code)).toEqual(['FMT-XML-MALFORMED', 'FMT-NOT-XML-OR-PDF']);
  }, 60000);

  it('rejects bad archives (93, their ZIP code): bomb, too many entries, path traversal, empty, nested', async () => {
    const ubl = Buffer.from(good(kit('ZC'))[0]!.xml);
    const cases: Array<[string, Buffer, string]> = [
      ['bombe.zip', zipOf([{ name: 'bomb.xml', data: Buffer.alloc(50 * 1024 * 1024) }]), 'ZIP-RATIO'],
      [
        'nombreux.zip',
        zipOf(Array.from({ length: 501 }, (_, i) => ({ name: `f${i}.xml`, data: ubl }))),
        'ZIP-TOO-MANY-ENTRIES',
      ],
      ['chemin.zip', zipOf([{ name: '../retour/x.xml', data: ubl }]), 'ZIP-ENTRY-PATH'],
      ['vide.zip', zipOf([]), 'ZIP-EMPTY'],
      ['gigogne.zip', zipOf([{ name: 'in.zip', data: zipOf([{ name: 'a.xml', data: ubl }]) }]), 'ZIP-NESTED'],
    ];
    for (const [name, zip, code] of cases) {
      const report = await deposit(name, zip);
      expect([name, report.status, report.lines.map((l) => l.code)]).toEqual([name, '93', [code]]);
    }
    const numbers = (await listInvoices(handle!.daemon.store.db, { partner: PARTNER })).map((i) => i.number);
    expect(numbers).not.toContain(good(kit('ZC'))[0]!.invoiceNumber);
  }, 120000);
});
