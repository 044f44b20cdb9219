/**
 * A new transport is one module handed to the composition root (src/gateway/root.ts, TransportModule): here
 * an in-memory one, wired next to the built-in ones, delivers a flow, and a flow and its detached `.p7s` as
 * two separate files, through `services.intake` with its own label. The intake pairs the signature and the
 * pipeline answers with a compte-rendu; the fake transport is started last and stopped first.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { TRANSPORTS } from '../src/gateway/root.ts';
import type { TransportModule } from '../src/gateway/root.ts';
import type { Intake } from '../src/gateway/services.ts';
import { certificateRegistry } from '../src/pipeline/signature-trust.ts';
import { makeTestPki } from '../src/signature/test-pki.ts';
import { listFlows } from '../src/store/flows.ts';
import { mailboxPaths } from '../src/store/mailboxes.ts';
import { readCppStatut } from './helpers/compte-rendu.ts';
import { CORPUS, cleanup, postgresAvailable, startDaemon, tempDir, testConfig } from './helpers/env.ts';

const invoice = readFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example1.xml'));
let dataDir: string;
let handle: Awaited<ReturnType<typeof startDaemon>> | undefined;
let pki: ReturnType<typeof makeTestPki>;
const events: string[] = [];

/** The in-memory transport: files handed to it by the test go to the intake, one by one, labelled `memory`. */
let memory: { deliver(partner: string, name: string, bytes: Buffer): Promise<void> } | undefined;
const memoryTransport: TransportModule = {
  name: 'memory',
  create: (parts) => {
    const intake: Intake = parts.services.intake;
    const tmp = path.join(parts.services.config.dataDir, 'tmp');
    return {
      name: 'memory',
      start: async () => {
        mkdirSync(tmp, { recursive: true });
        memory = {
          deliver: async (partner, name, bytes) => {
            const file = path.join(tmp, `.memory-${randomUUID()}`);
            writeFileSync(file, bytes);
            await intake.take({ partner, box: 'depot', path: file, originalName: name, transport: 'memory' });
          },
        };
        events.push('start memory');
      },
      stop: async () => {
        memory = undefined;
        events.push('stop memory');
      },
      port: () => null,
    };
  },
};

/** The built-in transports, each recording its start and stop around the real one. */
const recorded = TRANSPORTS.map(
  (m): TransportModule => ({
    name: m.name,
    create: (parts, opts) => {
      const t = m.create(parts, opts);
      if (!t) return null;
      return {
        ...t,
        start: () => (events.push(`start ${t.name}`), t.start()),
        stop: () => (events.push(`stop ${t.name}`), t.stop()),
      };
    },
  }),
);

async function reportFor(partner: string, originalName: string): Promise<ReturnType<typeof readCppStatut>> {
  const retour = mailboxPaths(dataDir, partner).retour;
  const deadline = Date.now() + 30000;
  for (;;) {
    for (const n of readdirSync(retour).filter((x) => x.startsWith('FEN1200A_'))) {
      const r = readCppStatut(readFileSync(path.join(retour, n), 'utf8'));
      if (r.originalName === originalName) return r;
    }
    if (Date.now() > deadline) throw new Error(`no compte-rendu for ${originalName}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function flowsOf(partner: string) {
  const flows = await listFlows(handle!.daemon.store.db, { partner, limit: 100 });
  return flows
    .map((f) => ({ originalName: f.originalName, transport: f.transport, signed: f.signatureSha256 !== null }))
    .sort((a, b) => a.originalName.localeCompare(b.originalName));
}

describe('a transport registered with the composition root', () => {
  beforeAll(async () => {
    dataDir = tempDir();
    const trustDir = path.join(dataDir, 'trust');
    mkdirSync(trustDir, { recursive: true });
    pki = makeTestPki(path.join(dataDir, 'pki'), { partner: 'MEMSIG', keyType: 'rsa' });
    copyFileSync(pki.caCert, path.join(trustDir, 'ca.pem'));
    const config = testConfig(dataDir, {
      partners: [
        { code: 'MEM001', name: 'Partenaire en mémoire', returnSyntax: 'CPPStatut' },
        { code: 'MEMSIG', name: 'Partenaire signataire', returnSyntax: 'CPPStatut', signature: { signed: true } },
      ],
      signature: { trustDir, detachedWaitMs: 2000 },
    });
    certificateRegistry(dataDir).add('MEMSIG', readFileSync(pki.cert, 'utf8'));
    handle = await startDaemon((await postgresAvailable()) ? 'postgres' : 'pglite', config, {
      transports: [...recorded, memoryTransport],
    });
  }, 120000);

  afterAll(async () => {
    await handle?.stop();
    cleanup(dataDir);
  });

  it('delivers a flow that gets its compte-rendu, recorded with the transport label', async () => {
    await memory!.deliver('MEM001', 'memoire.xml', invoice);
    const r = await reportFor('MEM001', 'memoire.xml');
    expect(r.status).toBe('90');
    expect(await flowsOf('MEM001')).toEqual([{ originalName: 'memoire.xml', transport: 'memory', signed: false }]);
  });

  it('delivers a flow and its detached .p7s one after the other: the intake pairs them', async () => {
    const work = path.join(dataDir, 'work');
    mkdirSync(work, { recursive: true });
    const bytes = Buffer.from(invoice.toString('utf8').replace('<cbc:ID>', '<!-- memory --><cbc:ID>'));
    writeFileSync(path.join(work, 'signee.xml'), bytes);
    execFileSync('openssl', [
      'cms', '-sign', '-binary', '-md', 'sha256', '-in', path.join(work, 'signee.xml'),
      '-signer', pki.cert, '-inkey', pki.key, '-outform', 'DER', '-out', path.join(work, 'signee.xml.p7s'),
    ]); // prettier-ignore
    await memory!.deliver('MEMSIG', 'signee.xml', bytes);
    await memory!.deliver('MEMSIG', 'signee.xml.p7s', readFileSync(path.join(work, 'signee.xml.p7s')));
    const r = await reportFor('MEMSIG', 'signee.xml');
    expect({ status: r.status, signatureLines: r.lines.filter((l) => l.nature === 'SIGNATURE') }).toEqual({
      status: '90',
      signatureLines: [],
    });
    expect(await flowsOf('MEMSIG')).toEqual([{ originalName: 'signee.xml', transport: 'memory', signed: true }]);
  });

  it('is started after the built-in transports and stopped before them', async () => {
    await handle!.stop();
    handle = undefined;
    const builtIn = events.filter((e) => e.startsWith('start ') && e !== 'start memory').map((e) => e.slice(6));
    expect(builtIn.length).toBeGreaterThan(0);
    expect(events).toEqual([
      ...builtIn.map((n) => `start ${n}`),
      'start memory',
      'stop memory',
      ...[...builtIn].reverse().map((n) => `stop ${n}`),
    ]);
  });
});
