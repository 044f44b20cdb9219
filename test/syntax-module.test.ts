/**
 * A syntax module is the unit of a syntax: a made-up syntax, declared in this file as one module and
 * registered with one line (`syntaxRegistry([...SYNTAXES, fakeInvoice])`), is detected, XSD-validated
 * against its own schema (test/fixtures/fake-syntax/), read into the invoice model and judged by the rule
 * sets its validation set names, through the functions the pipeline uses. And the product registry's own
 * declarations hold together (known rule sets and schema sets, one rule scope per syntax and profile).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readInvoice } from '../src/formats/read/index.ts';
import { child, loc } from '../src/formats/read/tree.ts';
import { emptyInvoice, put, val } from '../src/formats/read/values.ts';
import {
  SCHEMA_SETS_NEEDED,
  SYNTAXES,
  SYNTAX_REGISTRY,
  detectDeposit,
  syntaxRegistry,
} from '../src/formats/registry.ts';
import type { XmlSyntaxModule } from '../src/formats/syntax.ts';
import type { ValidationSet } from '../src/formats/types.ts';
import { DEFAULT_LIMITS } from '../src/formats/limits.ts';
import { writeZip } from '../src/formats/zip.ts';
import { checkInvoice } from '../src/rules/engine.ts';
import { RULE_SETS } from '../src/rules/sets.ts';
import { addLocalSchemaSet, setDef } from '../src/schemas/catalog.ts';
import { ValidationPool } from '../src/schemas/pool.ts';

// ---- the fake syntax: one module ----

const NS = 'urn:passerelle:test:fake-invoice:1';

const FAKE_SET: ValidationSet = {
  id: 'fake-invoice',
  version: '1.0',
  schemas: [{ set: 'fake-1.0', entry: 'FakeInvoice.xsd' }],
  rules: ['en16931'],
};

const fakeInvoice: XmlSyntaxModule<'fake-invoice'> = {
  kind: 'xml',
  id: 'fake-invoice',
  label: 'Fake invoice',
  interfaceCode: 'FSO9999A',
  syntaxeFlux: 'IN_DP_E1_FAKE',
  root: { uri: NS, local: 'FakeInvoice' },
  probes: [],
  sets: [FAKE_SET],
  describe: () => FAKE_SET,
  reader: (root) => {
    // Its values follow the UBL binding's conventions (ISO dates, plain codes).
    const inv = emptyInvoice('ubl', loc(root));
    put(inv, 'number', val(child(root, 'Number')));
    put(inv, 'issueDate', val(child(root, 'IssueDate')));
    put(inv, 'typeCode', val(child(root, 'TypeCode')));
    put(inv, 'currency', val(child(root, 'Currency')));
    return [inv];
  },
};

// ---- …and one registry line ----

const registry = syntaxRegistry([...SYNTAXES, fakeInvoice]);

const fake = (body: string) =>
  Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<FakeInvoice xmlns="${NS}">${body}</FakeInvoice>\n`);
const GOOD = fake(
  '<Number>F-1</Number><IssueDate>2026-11-30</IssueDate><TypeCode>380</TypeCode><Currency>EUR</Currency>',
);
const UBL = readFileSync(path.resolve('test/corpus/valid/ubl/peppol-base-example.xml'));

addLocalSchemaSet('fake-1.0', path.resolve('test/fixtures/fake-syntax'));
const pool = new ValidationPool({
  schemaDir: mkdtempSync(path.join(os.tmpdir(), 'passerelle-fake-syntax-')),
  threads: 0,
});
afterAll(() => pool.close());

/** Detection, XSD, reading and rules, as stages SYNTAXE, SCHEMA and REGLE chain them. */
async function judge(bytes: Buffer, fileName = 'fake.xml') {
  const detection = await registry.detectDeposit(bytes, { fileName });
  if (!detection.ok) throw new Error(detection.findings.map((f) => f.code).join(', '));
  const flow = detection.flow;
  const xsd = await pool.validate(flow.xml, flow.schemas, fileName);
  const read = readInvoice(flow.xml, flow.syntax, DEFAULT_LIMITS, registry);
  const rules = read.invoices.flatMap((inv) => checkInvoice(inv, flow));
  return { flow, xsd, read, codes: rules.map((f) => f.code) };
}

describe('a fake syntax registered in one place', () => {
  it('is detected, with its interface code, validation set and rule scope', async () => {
    const { flow } = await judge(GOOD);
    expect(flow.syntax).toBe('fake-invoice');
    expect(flow.interfaceCode).toBe('FSO9999A');
    expect(flow.syntaxeFlux).toBe('IN_DP_E1_FAKE');
    expect(flow.validation).toEqual({ id: 'fake-invoice', version: '1.0' });
    expect(flow.schemas).toEqual([{ set: 'fake-1.0', entry: 'FakeInvoice.xsd' }]);
    expect(flow.rules).toEqual(['en16931']);
    expect(registry.sniffInterface(GOOD)).toBe('FSO9999A');
    expect(registry.interfaceCodes).toContain('FSO9999A');
    expect(registry.schemaSets).toContain('fake-1.0');
    // A declared interface is checked against it like any other.
    const declared = await registry.detectDeposit(GOOD, { fileName: 'FSO1100A_fake.xml' });
    expect(declared.ok ? 'ok' : declared.findings[0]?.code).toBe('FMT-INTERFACE-MISMATCH');
    expect((await registry.detectDeposit(GOOD, { fileName: 'FSO9999A_fake.xml' })).ok).toBe(true);
  });

  it('is unknown to the product registry', async () => {
    const r = await detectDeposit(GOOD, { fileName: 'fake.xml' });
    expect(r.ok ? 'ok' : r.findings[0]?.code).toBe('FMT-SYNTAX-UNKNOWN');
    expect(SYNTAX_REGISTRY.syntax('fake-invoice')).toBeUndefined();
  });

  it('is validated against its own XSD', async () => {
    expect((await judge(GOOD)).xsd).toEqual({ ok: true });
    const bad = await judge(
      fake('<Number>F-2</Number><IssueDate>30/11/2026</IssueDate><TypeCode>380</TypeCode><Currency>EUR</Currency>'),
    );
    expect(bad.xsd.ok).toBe(false);
    const findings = bad.xsd.ok === false ? bad.xsd.findings : [];
    expect(findings.map((f) => f.nature)).toEqual(['SCHEMA']);
    expect(findings[0]?.detail).toContain('IssueDate');
  });

  it('is read into the invoice model by its reader', async () => {
    const { read } = await judge(GOOD);
    expect(read.findings).toEqual([]);
    expect(read.invoices).toHaveLength(1);
    const inv = read.invoices[0]!;
    expect(inv.number?.value).toBe('F-1');
    expect(inv.issueDate?.value).toBe('2026-11-30');
    expect(inv.currency?.value).toBe('EUR');
    expect(inv.number?.loc.xpath).toContain('Number');
  });

  it('is judged by the rule sets its validation set names, and by no other', async () => {
    const good = await judge(GOOD);
    // EN 16931 (its set): what it carries passes, what it lacks (seller, specification id) fails.
    expect(good.codes).toEqual(expect.arrayContaining(['BR-01', 'BR-06']));
    for (const id of ['BR-02', 'BR-03', 'BR-04', 'BR-05', 'BR-CL-01', 'BR-CL-04']) expect(good.codes).not.toContain(id);
    // No syntax binding or Factur-X artefact: those sets are not in its scope.
    expect(good.codes.filter((c) => /^(UBL|CII|FX)-/.test(c))).toEqual([]);
    const noNumber = await judge(
      fake('<IssueDate>2026-11-30</IssueDate><TypeCode>380</TypeCode><Currency>XYZ</Currency>'),
    );
    expect(noNumber.xsd).toEqual({ ok: true });
    expect(noNumber.codes).toEqual(expect.arrayContaining(['BR-02', 'BR-CL-04']));
  });

  it('goes into a zip deposit next to a product syntax', async () => {
    const zip = writeZip([
      { name: 'a.xml', bytes: GOOD },
      { name: 'b.xml', bytes: UBL },
    ]);
    const r = await registry.detectDeposit(zip, { fileName: 'lot.zip' });
    if (!r.ok) throw new Error(r.findings.map((f) => f.code).join(', '));
    expect(r.documents?.map((d) => d.detected?.syntax)).toEqual(['fake-invoice', 'ubl-invoice']);
  });

  it('cannot be registered twice, nor claim a root another syntax has', () => {
    expect(() => syntaxRegistry([...SYNTAXES, fakeInvoice, fakeInvoice])).toThrow(/registered twice/);
    const thief: XmlSyntaxModule<'thief'> = {
      ...fakeInvoice,
      id: 'thief',
      root: { uri: '', local: 'CPPFactureMixte' },
    };
    expect(() => syntaxRegistry([...SYNTAXES, thief])).toThrow(/already claimed/);
  });
});

describe('the product registry', () => {
  const sets = SYNTAXES.flatMap((s) => s.sets.map((v) => ({ syntax: s.id, set: v })));

  it('names only rule sets the engine has and schema sets the catalogue has', () => {
    const ruleSets = new Set(RULE_SETS.map((r) => r.id));
    for (const { set } of sets) {
      for (const r of set.rules) expect(ruleSets.has(r) ? r : `${set.id}: unknown rule set ${r}`).toBe(r);
      for (const s of set.schemas) expect(setDef(s.set)?.id).toBe(s.set);
    }
    // The sets the daemon checks for at start (their flows wait while one is missing).
    expect([...SCHEMA_SETS_NEEDED].sort()).toEqual(['cii-d16b', 'facturx-1.0.9', 'passerelle', 'ubl-2.1']);
  });

  it('gives one rule scope per syntax and profile, whichever validation set detection picks', () => {
    // The one exception: a bare CII with the plain EN 16931 guideline is labelled EN16931 but judged by the CEN
    // artefact alone (the Factur-X EN16931 artefact judges the Factur-X token), as the conformance run shows.
    const plainEn16931 = (id: string) => id === 'cii:en16931-cen';
    for (const { syntax, set } of sets.filter(({ set }) => !plainEn16931(set.id)))
      expect({ id: set.id, ...SYNTAX_REGISTRY.ruleScope(syntax, set.profile) }).toEqual({
        id: set.id,
        ...(set.profile ? { profile: set.profile } : {}),
        rules: set.rules,
      });
    const plain = sets.find(({ set }) => plainEn16931(set.id))!.set;
    expect(plain.rules).toEqual(SYNTAX_REGISTRY.ruleScope('cii').rules);
    expect(SYNTAX_REGISTRY.ruleScope('cii', 'EN16931').rules).toEqual([...plain.rules, 'facturx-en16931']);
    expect(new Set(sets.map(({ set }) => set.id)).size).toBe(sets.length);
  });

  it('has a reader for every syntax but the Cycle de vie one', () => {
    expect(SYNTAXES.filter((s) => s.reader === 'not-an-invoice').map((s) => s.id)).toEqual(['cdv-cpp-statut']);
  });
});
