/**
 * The spool keeps who deposited what in the spooled file's name (no sidecar file a flow), falling back to
 * a sidecar only when the name cannot carry it. Flows spooled but not recorded (a crash between the
 * rename and the transaction) are recorded by a later intake's recovery with everything they were
 * deposited with; flows recorded but still spooled (a crash before the removal) are removed, not doubled.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { FlowIntake } from '../src/gateway/intake.ts';
import type { IntakeRequest } from '../src/gateway/intake-types.ts';
import { silentLogger } from '../src/log.ts';
import { openStore } from '../src/store/index.ts';
import type { Store } from '../src/store/index.ts';
import { mailboxPaths } from '../src/store/mailboxes.ts';
import { upsertPartner } from '../src/store/partners.ts';
import { getContent, listFlows } from '../src/store/flows.ts';
import { cleanup, tempDir } from './helpers/env.ts';

interface Spooled {
  sidecar: { key: string };
  file: string | Buffer;
  sidecarFile?: string;
}

/** Spools without recording: what a crash right after the rename leaves behind. */
function spoolOnly(intake: FlowIntake, req: IntakeRequest): Promise<Spooled> {
  return (intake as unknown as { spool(r: IntakeRequest): Promise<Spooled> }).spool(req);
}

function intakeFor(dataDir: string, store: Store, detachedWaitMs?: number): FlowIntake {
  return new FlowIntake({
    dataDir,
    maxFlowBytes: 1 << 20,
    unknownInterfaceCode: 'FSO0000A',
    store,
    logger: silentLogger,
    fsync: true,
    ...(detachedWaitMs !== undefined ? { detachedWaitMs } : {}),
  });
}

describe('spool: metadata in the spooled file name', () => {
  let dataDir: string;
  let store: Store;
  beforeEach(async () => {
    dataDir = tempDir();
    store = await openStore({}, { retryLimit: 1, retryDelaySeconds: 1, expireSeconds: 60 });
    await upsertPartner(store.db, { code: 'ABC123', name: 'Société Test', returnSyntax: 'CPPStatut' });
  });
  afterEach(async () => {
    await store.close();
    cleanup(dataDir);
  });

  test('a crash after spooling: every kind of name recovered once, with its metadata; one file a flow', async () => {
    const box = mailboxPaths(dataDir, 'ABC123');
    mkdirSync(box.depot, { recursive: true });
    const deposit = (name: string | Buffer, content = `<x>${String(name)}</x>`) => {
      const file = Buffer.concat([Buffer.from(`${box.depot}/`), Buffer.from(name)]);
      writeFileSync(file, content);
      return file;
    };
    const longName = `${'n'.repeat(230)}.xml`; // too long for NAME_MAX with the prefix: sidecar
    const latin1 = Buffer.from('facture-\xe9t\xe9~1.xml', 'latin1'); // not UTF-8, and holds the separator
    const first = intakeFor(dataDir, store);
    const spooled = [
      await spoolOnly(first, {
        partner: 'ABC123',
        box: 'depot',
        path: deposit('a.xml'),
        originalName: 'a.xml',
        transport: 'folder',
      }),
      await spoolOnly(first, {
        partner: 'ABC123',
        box: 'analyse',
        path: deposit(latin1),
        originalName: latin1.toString('latin1'),
        nameBytes: latin1,
        transport: 'folder',
      }),
      await spoolOnly(first, {
        partner: 'ABC123',
        box: 'depot',
        path: deposit('api'),
        originalName: 'envoi\u0001api.xml', // a control character, as HTTP may bring
        transport: 'http',
        declaredInterface: 'FSO1100A',
        declaredSigned: false,
      }),
      await spoolOnly(first, {
        partner: 'ABC123',
        box: 'depot',
        path: deposit('signed.xml'),
        originalName: 'SIGNE_signed.xml',
        transport: 'sftp',
        declaredSigned: true,
        signaturePath: deposit('signed.xml.p7s', 'signature'),
      }),
      await spoolOnly(first, {
        partner: 'ABC123',
        box: 'depot',
        path: deposit(longName),
        originalName: longName,
        transport: 'sftp',
      }),
    ];
    const spool = path.join(dataDir, 'spool', hostname());
    const names = readdirSync(spool);
    // One file a flow, plus the detached signature, plus the one sidecar of the name too long to carry it.
    expect(names).toHaveLength(5 + 1 + 1);
    expect(names.filter((n) => n.endsWith('.json'))).toEqual([`${spooled[4]!.sidecar.key}.json`]);
    expect(spooled.slice(0, 4).every((s) => s.sidecarFile === undefined)).toBe(true);
    expect(readdirSync(box.depot)).toEqual([]);

    // A flow recorded but left in the spool (crash before the removal): copied back after its recording.
    const recordedEarlier = await spoolOnly(first, {
      partner: 'ABC123',
      box: 'depot',
      path: deposit('done.xml'),
      originalName: 'done.xml',
      transport: 'folder',
    });
    await (first as unknown as { record(e: Spooled): Promise<unknown> }).record(recordedEarlier);
    expect(existsSync(recordedEarlier.file)).toBe(false);
    writeFileSync(recordedEarlier.file, '<x>done.xml</x>');

    // The next start.
    const second = intakeFor(dataDir, store);
    expect(await second.recoverSpool()).toBe(5);
    expect(readdirSync(spool)).toEqual([]);
    expect(await second.recoverSpool()).toBe(0);

    const rows = (
      await store.db.query(
        `SELECT box, partner, original_name, original_name_bytes, transport, declared_interface, declared_signed,
                signature_sha256, spool_key FROM flows ORDER BY id`,
      )
    ).rows;
    expect(rows).toHaveLength(6); // 5 recovered + the one recorded before, not doubled
    const byKey = new Map(rows.map((r) => [r.spool_key as string, r]));
    const row = (i: number) => byKey.get(spooled[i]!.sidecar.key)!;
    expect(row(0)).toMatchObject({
      box: 'depot',
      original_name: 'a.xml',
      transport: 'folder',
      declared_interface: null,
    });
    expect(row(1)).toMatchObject({ box: 'analyse', original_name: 'facture-%E9t%E9~1.xml' });
    expect(Buffer.from(row(1).original_name_bytes as Uint8Array).equals(latin1)).toBe(true);
    expect(row(2)).toMatchObject({
      original_name: 'envoi%01api.xml',
      transport: 'http',
      declared_interface: 'FSO1100A',
      declared_signed: false,
    });
    expect(row(3)).toMatchObject({ original_name: 'SIGNE_signed.xml', transport: 'sftp', declared_signed: true });
    expect(row(3).signature_sha256).toEqual(expect.stringMatching(/^[0-9a-f]{64}$/));
    expect(row(4)).toMatchObject({ original_name: longName, transport: 'sftp', declared_signed: null });
  });

  test('a flow taken and recorded leaves nothing in the spool', async () => {
    const box = mailboxPaths(dataDir, 'ABC123');
    mkdirSync(box.depot, { recursive: true });
    const intake = intakeFor(dataDir, store);
    const file = path.join(box.depot, 'facture.xml');
    writeFileSync(file, '<x/>');
    const res = await intake.claim({
      partner: 'ABC123',
      box: 'depot',
      path: file,
      originalName: 'facture.xml',
      transport: 'folder',
    });
    expect(res.flowNumber).toMatch(/^CPP/);
    expect(readdirSync(path.join(dataDir, 'spool', hostname()))).toEqual([]);
    expect(await intake.recoverSpool()).toBe(0);
  });

  describe('a flow waiting for its detached signature', () => {
    const signedDeposit = (name: string, transport = 'sftp'): IntakeRequest => {
      const box = mailboxPaths(dataDir, 'ABC123');
      mkdirSync(box.depot, { recursive: true });
      const file = path.join(box.depot, `.up-${name}`);
      writeFileSync(file, name.endsWith('.p7s') ? 'signature' : `<x>${name}</x>`);
      return { partner: 'ABC123', box: 'depot', path: file, originalName: name, transport, declaredSigned: true };
    };
    const recorded = async () =>
      (await listFlows(store.db, { partner: 'ABC123', limit: 100 }))
        .map((f) => ({ name: f.originalName, transport: f.transport, signed: f.signatureSha256 !== null }))
        .sort((a, b) => a.name.localeCompare(b.name));

    test('is durable: after a stop (or crash) while it waits, the next intake holds it again and pairs it', async () => {
      const first = intakeFor(dataDir, store, 60000);
      const long = `${'n'.repeat(240)}.xml`; // too long for the name to carry the metadata: a sidecar
      await first.take(signedDeposit('facture.xml'));
      await first.take(signedDeposit(long));
      await first.drain(); // what a stop leaves: held entries in the spool, nothing recorded
      expect(await recorded()).toEqual([]);
      const next = intakeFor(dataDir, store, 60000);
      expect(await next.recoverSpool()).toBe(0); // held again, not recorded alone
      expect(await next.recoverSpool()).toBe(0); // and only once
      await next.take(signedDeposit('facture.xml.p7s'));
      await next.take(signedDeposit(`${long}.p7s`));
      await next.drain();
      expect(await recorded()).toEqual([
        { name: 'facture.xml', transport: 'sftp', signed: true },
        { name: long, transport: 'sftp', signed: true },
      ]);
      expect(readdirSync(path.join(dataDir, 'spool', hostname()))).toEqual([]);
    });

    test('a pairing cut short (its .p7s already next to it) is finished by recovery', async () => {
      const first = intakeFor(dataDir, store, 60000);
      const { spoolKey } = await first.take(signedDeposit('coupee.xml', 'portal'));
      await first.drain();
      writeFileSync(path.join(dataDir, 'spool', hostname(), `${spoolKey}.p7s`), 'signature');
      expect(await intakeFor(dataDir, store, 60000).recoverSpool()).toBe(1);
      expect(await recorded()).toEqual([{ name: 'coupee.xml', transport: 'portal', signed: true }]);
    });

    test('past the wait, a flow is recorded alone and an orphan .p7s as a flow of its own', async () => {
      const intake = intakeFor(dataDir, store, 50);
      await intake.take(signedDeposit('seule.xml'));
      await intake.take(signedDeposit('orpheline.xml.p7s'));
      await new Promise((r) => setTimeout(r, 200));
      await intake.drain();
      expect(await recorded()).toEqual([
        { name: 'orpheline.xml.p7s', transport: 'sftp', signed: false },
        { name: 'seule.xml', transport: 'sftp', signed: false },
      ]);
    });

    test('a spooled file is read through the descriptor that synced it; none outlives its entry, held or recorded', async () => {
      const spool = path.join(dataDir, 'spool', hostname());
      const openInSpool = () =>
        readdirSync('/proc/self/fd')
          .map((fd) => {
            try {
              return readlinkSync(`/proc/self/fd/${fd}`);
            } catch {
              return '';
            }
          })
          .filter((target) => target.startsWith(spool));
      const intake = intakeFor(dataDir, store, 60000);
      for (const name of ['un.xml', 'deux.xml'])
        await intake.take({ ...signedDeposit(name), declaredSigned: undefined });
      await intake.take(signedDeposit('attend.xml')); // held for its .p7s
      expect(openInSpool()).toEqual([]); // the held flow's descriptor closed at once
      await intake.drain();
      expect(openInSpool()).toEqual([]);
      const flows = await listFlows(store.db, { partner: 'ABC123', limit: 100 });
      expect(flows.map((f) => f.originalName).sort()).toEqual(['deux.xml', 'un.xml']);
      for (const f of flows)
        expect((await getContent(store.db, f.sha256))?.toString()).toBe(`<x>${f.originalName}</x>`);
      expect(readdirSync(spool).filter((n) => !n.includes('attend'))).toEqual([]);
    });

    test('a transport label is checked before anything moves', async () => {
      const req = signedDeposit('label.xml', 'Not A Label');
      await expect(intakeFor(dataDir, store).take(req)).rejects.toThrow('invalid transport label');
      expect(existsSync(req.path)).toBe(true);
    });
  });
});
