/**
 * A large document is not held twice while libxml2 validates it (issue 14 item 4): the validation worker frees
 * the bytes once libxml2 has its own copy when the caller does not want them back, and the caller parks them on
 * disk meanwhile (src/pipeline/parked.ts) — with the same outcomes as when they are kept.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { LARGE_DOCUMENT_BYTES, isDetached } from '../src/buffers.ts';
import { parkingIn } from '../src/pipeline/parked.ts';
import { ValidationPool } from '../src/schemas/pool.ts';
import { SchemaValidator } from '../src/schemas/validator.ts';
import { cleanup, tempDir } from './helpers/env.ts';
import * as h from './helpers/hostile.ts';

const UBL_REFS = [{ set: 'ubl-2.1', entry: 'maindoc/UBL-Invoice-2.1.xsd' }];
const NO_INSTALLED = '/tmp/passerelle-no-installed-schemas';

/** `bytes` in an ArrayBuffer of their own, as a flow read from the store is. */
const owned = (bytes: Buffer) => Buffer.from(new Uint8Array(bytes));

describe('SchemaValidator: release of a large document once copied', () => {
  const v = new SchemaValidator(NO_INSTALLED);
  afterAll(() => v.dispose());
  const large = h.largeValidUbl(LARGE_DOCUMENT_BYTES + 1024 * 1024, 'libere');

  it('frees a valid large document and still finds it valid', () => {
    const xml = owned(large);
    expect(v.validateAll(xml, UBL_REFS, 'grande.xml', { release: true })).toEqual({ ok: true });
    expect(isDetached(xml)).toBe(true);
  });

  it('gives the same findings for an invalid large document, freed or kept', () => {
    const bad = Buffer.from(large.toString('utf8').replace('<cbc:IssueDate>', '<cbc:IssueDate>pas-une-date'));
    const kept = v.validateAll(owned(bad), UBL_REFS, 'grande.xml');
    const freedXml = owned(bad);
    const freed = v.validateAll(freedXml, UBL_REFS, 'grande.xml', { release: true });
    expect(isDetached(freedXml)).toBe(true);
    expect(kept.ok).toBe(false);
    expect(freed).toEqual(kept);
  });

  it('keeps a small document, and a large one without release', () => {
    const small = owned(h.UBL_EXAMPLE);
    expect(v.validateAll(small, UBL_REFS, 'petite.xml', { release: true })).toEqual({ ok: true });
    expect(isDetached(small)).toBe(false);
    const xml = owned(large);
    expect(v.validateAll(xml, UBL_REFS, 'grande.xml')).toEqual({ ok: true });
    expect(isDetached(xml)).toBe(false);
  });

  it('keeps a large document whose schema set is missing (the flow waits and needs it again)', () => {
    const xml = owned(large);
    const out = v.validateAll(xml, [...UBL_REFS, { set: 'absent-1.0', entry: 'x.xsd' }], 'grande.xml', {
      release: true,
    });
    expect(out).toEqual({ ok: 'missing-set', setId: 'absent-1.0' });
    expect(isDetached(xml)).toBe(false);
  });
});

describe('ValidationPool: a large document not handed back', () => {
  let pool: ValidationPool;
  beforeAll(() => {
    pool = new ValidationPool({ schemaDir: NO_INSTALLED, threads: 1 });
  });
  afterAll(async () => {
    await pool.close();
  });

  it('comes back empty (released) with its outcome; handed back otherwise', async () => {
    const large = h.largeValidUbl(LARGE_DOCUMENT_BYTES + 1024 * 1024, 'pool');
    const freed = await pool.validateHandingOver(owned(large), UBL_REFS, 'grande.xml', { handBack: false });
    expect(freed.outcome).toEqual({ ok: true });
    expect(freed.released).toBe(true);
    expect(freed.xml.length).toBe(0);
    const back = await pool.validateHandingOver(owned(large), UBL_REFS, 'grande.xml');
    expect(back.outcome).toEqual({ ok: true });
    expect(back.released).toBeUndefined();
    expect(back.xml.equals(large)).toBe(true);
    // A small document is always handed back: REGLE reads it from memory.
    const small = await pool.validateHandingOver(owned(h.UBL_EXAMPLE), UBL_REFS, 'petite.xml', { handBack: false });
    expect(small.released).toBeUndefined();
    expect(small.xml.equals(h.UBL_EXAMPLE)).toBe(true);
  }, 60000);
});

describe('parked bytes', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = tempDir();
  });
  afterAll(() => cleanup(dataDir));
  const folder = () => path.join(dataDir, 'parked', hostname(), String(process.pid));

  it('come back whole once, and the file is gone', async () => {
    const park = parkingIn(dataDir);
    const bytes = h.largeValidUbl(LARGE_DOCUMENT_BYTES + 1024, 'gare');
    const parked = await park(bytes);
    expect(readdirSync(folder())).toHaveLength(1);
    expect((await parked.take()).equals(bytes)).toBe(true);
    expect(readdirSync(folder())).toEqual([]);
    await expect(parked.take()).rejects.toThrow(/already taken/);
  });

  it('dropped when not wanted, and a folder left by a stopped daemon is emptied at start', async () => {
    const park = parkingIn(dataDir);
    const parked = await park(Buffer.from('<a/>'));
    await parked.drop();
    expect(readdirSync(folder())).toEqual([]);
    writeFileSync(path.join(folder(), 'left-by-a-crash'), 'x');
    // A daemon of this host that stopped (no such process), and one still running (this process's parent).
    const host = path.join(dataDir, 'parked', hostname());
    mkdirSync(path.join(host, '999999999'));
    writeFileSync(path.join(host, '999999999', 'left'), 'x');
    mkdirSync(path.join(host, String(process.ppid)));
    parkingIn(dataDir);
    expect(readdirSync(folder())).toEqual([]);
    expect(readdirSync(host).sort()).toEqual([String(process.pid), String(process.ppid)].sort());
  });

  it('never writes through a link planted in the folder', async () => {
    const park = parkingIn(dataDir);
    const outside = path.join(dataDir, 'outside.txt');
    // Names are random: a link planted under any name is never the file written.
    symlinkSync(outside, path.join(folder(), 'planted'));
    const parked = await park(Buffer.from('<b/>'));
    expect(existsSync(outside)).toBe(false);
    expect((await parked.take()).toString()).toBe('<b/>');
  });
});
