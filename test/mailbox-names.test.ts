/**
 * The naming rules of the mailbox jail, deterministic and documented (docs/return-flows.md): how a flow's
 * name is stored (flowName) and how a return file is named when the flow's name cannot be used as is
 * (fitFileName), plus the lstat/open checks of openRegular and writeExclusive on real files.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, readFileSync, readdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { analysisFileName, fitFileName, lifecycleFileName } from '../src/formats/return/index.ts';
import { ensureMailbox, flowName, openMailboxFolder, openRegular, writeExclusive } from '../src/store/mailboxes.ts';
import { cleanup, tempDir } from './helpers/env.ts';

describe('flowName', () => {
  it('keeps a clean name as it is, with no bytes kept aside', () => {
    expect(flowName('facture-été.xml')).toEqual({ name: 'facture-été.xml', bytes: null });
    expect(flowName(Buffer.from('été.xml'.normalize('NFD')))).toEqual({
      name: 'été.xml'.normalize('NFD'),
      bytes: null,
    });
  });
  it('escapes invalid UTF-8 bytes and control characters as %XX and keeps the original bytes', () => {
    const raw = Buffer.from([0x61, 0xe9, 0x00, 0x62, 0x1b, 0xc2, 0x85, 0xf0, 0x9f, 0x98, 0x80]);
    expect(flowName(raw)).toEqual({ name: 'a%E9%00b%1B%C2%85😀', bytes: raw });
    expect(flowName('a\u0000b').name).toBe('a%00b');
    // Overlong and surrogate encodings are invalid UTF-8 too.
    expect(flowName(Buffer.from([0xc0, 0xaf, 0xed, 0xa0, 0x80])).name).toBe('%C0%AF%ED%A0%80');
    // A lone surrogate in a string (JSON) cannot be stored: it becomes U+FFFD.
    expect(flowName('x\ud800y').name).toBe('x\ufffdy');
  });
});

describe('return-file names', () => {
  it('keep the name whole up to 255 bytes', () => {
    const name = `${'a'.repeat(239)}.xml`; // ANALYSE_ + 243 + .xml = 255
    expect(analysisFileName(name)).toBe(`ANALYSE_${name}.xml`);
    expect(Buffer.byteLength(analysisFileName(name))).toBe(255);
  });
  it('past 255 bytes: readable start, ~, 12 hex digits of SHA-256 of the whole name, extension', () => {
    const a = analysisFileName(`${'a'.repeat(300)}.xml`);
    const b = analysisFileName(`${'a'.repeat(301)}.xml`);
    expect(a).toMatch(/^ANALYSE_a+~[0-9a-f]{12}\.xml$/);
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(255);
    expect(a).not.toBe(b);
    expect(analysisFileName(`${'a'.repeat(300)}.xml`)).toBe(a); // deterministic
  });
  it('cut on a character boundary (multi-byte names)', () => {
    const f = analysisFileName(`${'é'.repeat(200)}.xml`);
    expect(Buffer.byteLength(f)).toBeLessThanOrEqual(255);
    expect(Buffer.from(f, 'utf8').toString('utf8')).toBe(f);
    expect(f).toMatch(/^ANALYSE_é+~[0-9a-f]{12}\.xml$/);
  });
  it('never hold a separator or a control character', () => {
    expect(analysisFileName('../../etc/x\u0001.xml')).toBe('ANALYSE_.._.._etc_x-.xml.xml');
    expect(fitFileName('a/b')).toBe('a_b');
    expect(lifecycleFileName('CPPStatut', 'CPP0011100000000000000001', 'F'.repeat(400), 1)).toMatch(
      /^FEN1200A_CDV_CPP0011100000000000000001_F+~[0-9a-f]{12}\.xml$/,
    );
  });
});

describe('openRegular and writeExclusive (real files)', () => {
  it('opens only a regular file with one name', async () => {
    const dir = tempDir();
    try {
      writeFileSync(path.join(dir, 'f'), 'ok');
      symlinkSync(path.join(dir, 'f'), path.join(dir, 'l'));
      mkdirSync(path.join(dir, 'd'));
      execFileSync('mkfifo', [path.join(dir, 'p')]);
      writeFileSync(path.join(dir, 'h1'), 'h');
      linkSync(path.join(dir, 'h1'), path.join(dir, 'h2'));
      const f = await openRegular(path.join(dir, 'f'));
      expect(f.ok).toBe(true);
      if (f.ok) {
        expect((await f.fh.readFile()).toString()).toBe('ok');
        await f.fh.close();
      }
      expect(await openRegular(path.join(dir, 'l'))).toEqual({ ok: false, kind: 'symlink' });
      expect(await openRegular(path.join(dir, 'd'))).toEqual({ ok: false, kind: 'directory' });
      expect(await openRegular(path.join(dir, 'p'))).toEqual({ ok: false, kind: 'fifo' });
      expect(await openRegular(path.join(dir, 'h2'))).toEqual({ ok: false, kind: 'hardlink' });
    } finally {
      cleanup(dir);
    }
  });
  it('replaces a symlink planted at the target name instead of writing through it', async () => {
    const dir = tempDir();
    const outside = tempDir();
    try {
      writeFileSync(path.join(outside, 'victim'), 'untouched');
      symlinkSync(path.join(outside, 'victim'), path.join(dir, 'R.xml'));
      await writeExclusive(dir, 'R.xml', '<r/>', { durable: true });
      expect(readFileSync(path.join(outside, 'victim'), 'utf8')).toBe('untouched');
      expect(readFileSync(path.join(dir, 'R.xml'), 'utf8')).toBe('<r/>');
      expect(readdirSync(dir)).toEqual(['R.xml']); // no temporary file left
    } finally {
      cleanup(dir);
      cleanup(outside);
    }
  });
  it('openMailboxFolder: a folder swapped for a symlink after the check still gets the write, never elsewhere', async () => {
    const dataDir = tempDir();
    const outside = tempDir();
    try {
      const box = ensureMailbox(dataDir, 'ABC123');
      const folder = await openMailboxFolder(dataDir, 'ABC123', 'retour');
      if ('unsafe' in folder) throw new Error(folder.unsafe);
      renameSync(box.retour, `${box.retour}.moved`);
      symlinkSync(outside, box.retour);
      await writeExclusive(folder.dir, 'R.xml', '<r/>');
      await folder.close();
      expect(readdirSync(outside)).toEqual([]);
      expect(readdirSync(`${box.retour}.moved`)).toEqual(['R.xml']);
      // Opened now, the symlinked folder is refused.
      expect(await openMailboxFolder(dataDir, 'ABC123', 'retour')).toMatchObject({ missing: false });
      expect(await openMailboxFolder(dataDir, 'NOPE01', 'retour')).toMatchObject({ missing: true });
    } finally {
      cleanup(dataDir);
      cleanup(outside);
    }
  });
});
