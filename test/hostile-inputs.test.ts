/**
 * Hostile inputs (issue 14, item 4): each flow is generated here, dropped into a real daemon's depot (some
 * uploaded over SFTP, some through `passerelle analyze`), and must get its exact answer — the status and
 * the code of its compte-rendu — while the daemon stays up: `/health` answers after every flow, and stays
 * fast during the ones that used to stall it; for the large ones the process's peak RSS above its level
 * before the flow is bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import SftpClient from 'ssh2-sftp-client';
import { mailboxPaths } from '../src/store/mailboxes.ts';
import { readCppStatut } from './helpers/compte-rendu.ts';
import { cleanup, freePort, postgresRequired, startDaemon, tempDir, testConfig } from './helpers/env.ts';
import * as h from './helpers/hostile.ts';

/** Decided before the tests are declared: without PostgreSQL they are reported as skipped, not passed (CI requires it). */
const postgres = await postgresRequired();
const pgIt = postgres ? it : it.skip;

const MB = 1024 * 1024;
const PASSWORD = 'Hostile-Test-2026!';

function status(field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'));
  return Number(m![1]) * 1024;
}

/** Resets the peak RSS (VmHWM) of this process, where the daemon and its worker threads run. */
function resetPeak(): void {
  writeFileSync('/proc/self/clear_refs', '5');
}

interface Answer {
  status: string;
  codes: string[];
  lines: ReturnType<typeof readCppStatut>['lines'];
  /** Slowest /health answer while the flow was processed. */
  slowestHealthMs: number;
  /** Peak RSS above the level before the flow. */
  peakAboveMB: number;
}

describe('hostile inputs through the drop folder, SFTP and passerelle analyze', () => {
  let dir: string;
  let handle: Awaited<ReturnType<typeof startDaemon>> | undefined;
  let httpPort = 0;

  beforeAll(async () => {
    if (!postgres) return;
    dir = tempDir();
    httpPort = await freePort();
    const config = testConfig(dir, {
      http: { port: httpPort },
      sftp: { port: await freePort() },
      // The real set-up: XSD and the flow work off the main thread.
      pipeline: { retryDelaySeconds: 1, validationThreads: 1, workerThreads: 1 },
      partners: [
        { code: 'ABC123', name: 'Hostile', returnSyntax: 'CPPStatut', sftp: { password: PASSWORD } },
        { code: 'SIG001', name: 'Signe', returnSyntax: 'CPPStatut', signature: { signed: true } },
      ],
    });
    handle = await startDaemon('postgres', config);
  }, 120000);

  /** What each flow cost, printed at the end (the figures quoted in docs/security.md). */
  const measured: string[] = [];

  afterAll(async () => {
    await handle?.stop();
    if (dir) cleanup(dir);
    if (measured.length) process.stdout.write(`\nhostile inputs, per flow:\n${measured.join('\n')}\n`);
  });

  async function healthMs(): Promise<number> {
    const t0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${httpPort}/health`, { signal: AbortSignal.timeout(30000) });
    expect(res.status).toBe(200);
    await res.text();
    return performance.now() - t0;
  }

  /** The compte-rendu whose IdFlux is `name`, in the partner's retour/. */
  function reportOf(partner: string, name: string): ReturnType<typeof readCppStatut> | undefined {
    const retour = mailboxPaths(dir, partner).retour;
    for (const n of readdirSync(retour)) {
      if (!n.startsWith('FEN1200A_')) continue;
      const r = readCppStatut(readFileSync(path.join(retour, n), 'utf8'));
      if (r.originalName === name) return r;
    }
    return undefined;
  }

  /** Waits for the answer to `name`, asking /health all along, and measures the peak RSS meanwhile. */
  async function answerTo(partner: string, name: string, start: () => Promise<void> | void): Promise<Answer> {
    (globalThis as { gc?: () => void }).gc?.();
    const before = status('VmRSS');
    resetPeak();
    let slowest = 0;
    let done = false;
    const prober = (async () => {
      while (!done) {
        slowest = Math.max(slowest, await healthMs());
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    try {
      await start();
      const until = Date.now() + 120000;
      for (;;) {
        const r = reportOf(partner, name);
        if (r) {
          const answer = {
            status: r.status,
            codes: r.lines.map((l) => l.code),
            lines: r.lines,
            slowestHealthMs: slowest,
            peakAboveMB: (status('VmHWM') - before) / MB,
          };
          measured.push(
            `  ${name.padEnd(28)} ${answer.status} ${(answer.codes.join(',') || '-').padEnd(30)} ` +
              `slowest /health ${slowest.toFixed(0).padStart(5)} ms, peak RSS +${answer.peakAboveMB.toFixed(0)} MB`,
          );
          return answer;
        }
        if (Date.now() > until) throw new Error(`no compte-rendu for ${name}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      done = true;
      await prober;
      // The daemon is still up and answering.
      expect(await healthMs()).toBeLessThan(1000);
    }
  }

  /** Drops a file into the depot as partners do: written under a temporary name, then renamed. */
  function drop(partner: string, name: string, bytes: Buffer, signature?: Buffer): Promise<Answer> {
    const depot = mailboxPaths(dir, partner).depot;
    return answerTo(partner, name, () => {
      if (signature) writeFileSync(path.join(depot, `${name}.p7s`), signature);
      writeFileSync(path.join(depot, `.${name}.tmp`), bytes);
      renameSync(path.join(depot, `.${name}.tmp`), path.join(depot, name));
    });
  }

  const rejectedWith = (a: Answer, code: string) => {
    expect(a.status).toBe('93');
    expect(a.codes).toEqual([code]);
  };

  // Flows that used to stall the event loop for tens of seconds (or minutes): now answered at once. The
  // 100 ms goal is measured by `npm run bench -- memory`; a test on a shared 2-core machine (two test files
  // at once) keeps a margin over it, still far below the 35 s and 11 min these flows used to cost.
  const FAST_MS = 1000;

  describe('XML', () => {
    const it = pgIt;
    it.each([
      ['billion-laughs.xml', 'FMT-XML-DOCTYPE', () => h.billionLaughs],
      ['xxe.xml', 'FMT-XML-DOCTYPE', () => h.externalEntity],
      ['doctype.xml', 'FMT-XML-DOCTYPE', () => h.doctypeOnly],
      ['entite-non-declaree.xml', 'FMT-XML-MALFORMED', () => h.undeclaredEntity],
      ['nul.xml', 'FMT-XML-MALFORMED', () => h.nulBytes],
      ['latin1-en-utf8.xml', 'FMT-XML-ENCODING-INVALID', () => h.latin1AsUtf8],
      ['utf32.xml', 'FMT-XML-ENCODING-UNSUPPORTED', () => h.utf32],
      ['ebcdic.xml', 'FMT-XML-ENCODING-UNSUPPORTED', () => h.ebcdicDeclared],
      ['xinclude.xml', 'XSD-UNEXPECTED-ELEMENT', () => h.xinclude],
    ])('%s is rejected with %s', async (name, code, bytes) => {
      rejectedWith(await drop('ABC123', name, bytes()), code);
    });

    it.each([60000, 200000])(
      '%i nested elements: FMT-XML-TOO-DEEP at once, /health fast',
      async (depth) => {
        // These stalled /health for 35 s and more than 11 minutes. On a shared 2-core machine any process can be
        // descheduled for 100 ms now and then, so up to three deposits: a stall caused by the flow shows in each.
        const slowest: number[] = [];
        for (let attempt = 1; attempt <= 3 && !slowest.some((ms) => ms < FAST_MS); attempt++) {
          const t0 = performance.now();
          const a = await drop('ABC123', `profond-${depth}-${attempt}.xml`, h.deepXml(depth));
          rejectedWith(a, 'FMT-XML-TOO-DEEP');
          expect(a.lines[0]!.description).toContain('256');
          expect(performance.now() - t0).toBeLessThan(10000);
          slowest.push(a.slowestHealthMs);
        }
        expect(Math.min(...slowest)).toBeLessThan(FAST_MS);
      },
      60000,
    );

    it.each([
      ['attribut-29mo.xml', 'FMT-XML-ATTRIBUTE-TOO-LARGE', () => h.hugeAttribute(29 * MB)],
      ['texte-29mo.xml', 'FMT-XML-TEXT-TOO-LARGE', () => h.hugeText(29 * MB)],
      ['cdata-20mo.xml', 'FMT-XML-TEXT-TOO-LARGE', () => h.hugeCdata(20 * MB)],
    ])(
      '%s is rejected with %s, memory bounded',
      async (name, code, bytes) => {
        const flow = bytes();
        const a = await drop('ABC123', name, flow);
        rejectedWith(a, code);
        expect(a.peakAboveMB).toBeLessThan(BIG_BOUND_MB(flow.length));
      },
      120000,
    );
  });

  describe('zip', () => {
    const it = pgIt;
    const zipped = h.zipOf([{ name: 'a.xml', data: h.UBL_EXAMPLE }]);
    it.each([
      ['bombe-taux.zip', 'ZIP-RATIO', () => h.zipBomb(1024)],
      ['bombe-entete-menteur.zip', 'ZIP-UNREADABLE', () => h.zipBomb(1024, 1000)],
      [
        'bombe-total.zip',
        'ZIP-TOO-LARGE',
        () =>
          h.zipOf(
            [0, 1, 2, 3].map((i) => ({
              name: `f${i}.xml`,
              data: Buffer.alloc(0),
              body: randomBytes(1.1 * MB),
              claimedSize: 100 * MB,
            })),
          ),
      ],
      ['zip-slip.zip', 'ZIP-ENTRY-PATH', () => h.zipOf([{ name: '../../etc/cron.d/x.xml', data: h.UBL_EXAMPLE }])],
      ['chemin-absolu.zip', 'ZIP-ENTRY-PATH', () => h.zipOf([{ name: '/tmp/x.xml', data: h.UBL_EXAMPLE }])],
      [
        'lien.zip',
        'ZIP-ENTRY-LINK',
        () => h.zipOf([{ name: 'facture.xml', data: Buffer.from('/etc/passwd'), symlink: true, deflate: false }]),
      ],
      ['chiffre.zip', 'ZIP-ENCRYPTED', () => h.zipOf([{ name: 'a.xml', data: h.UBL_EXAMPLE, encrypted: true }])],
      ['tronque.zip', 'ZIP-UNREADABLE', () => zipped.subarray(0, Math.floor(zipped.length / 2))],
      ['imbrique.zip', 'ZIP-NESTED', () => h.zipOf([{ name: 'inner.zip', data: zipped }])],
    ])(
      '%s is rejected with %s',
      async (name, code, bytes) => {
        const a = await drop('ABC123', name, bytes());
        rejectedWith(a, code);
        expect(a.slowestHealthMs).toBeLessThan(1000);
      },
      60000,
    );
  });

  describe('PDF', () => {
    const it = pgIt;
    it.each([
      ['bombe-objstm.pdf', 'FMT-PDF-TOO-LARGE', () => h.pdfObjectStreamBomb(1024)],
      ['bombe-facturx.pdf', 'FMT-PDF-TOO-LARGE', () => h.pdfWithFacturX(h.zlibZeros(1024))],
      ['sans-piece-jointe.pdf', 'FMT-PDF-NO-INVOICE-XML', () => h.pdfWithoutAttachment],
    ])(
      '%s is rejected with %s at once, memory bounded',
      async (name, code, bytes) => {
        const t0 = performance.now();
        const a = await drop('ABC123', name, bytes());
        rejectedWith(a, code);
        expect(performance.now() - t0).toBeLessThan(10000);
        // 1 GiB inflated before; now stopped at the budget (the flow size limit).
        expect(a.peakAboveMB).toBeLessThan(BIG_BOUND_MB(30000 * 1024));
      },
      60000,
    );
  });

  describe('signatures', () => {
    const it = pgIt;
    const valid = h.UBL_EXAMPLE;
    it('CMS garbage as an enveloped .p7m: SIG-CMS-MALFORMED', async () => {
      rejectedWith(await drop('SIG001', 'garbage.xml.p7m', h.cmsGarbage(5000)), 'SIG-CMS-MALFORMED');
    });
    it('CMS garbage as a detached .p7s: SIG-CMS-MALFORMED', async () => {
      rejectedWith(await drop('SIG001', 'facture-a.xml', valid, h.cmsGarbage(5000)), 'SIG-CMS-MALFORMED');
    });
    it('a 40 Mo .p7s: SIG-TOO-LARGE, not parsed', async () => {
      const a = await drop('SIG001', 'facture-b.xml', valid, h.cmsGarbage(40 * MB));
      rejectedWith(a, 'SIG-TOO-LARGE');
      expect(a.peakAboveMB).toBeLessThan(BIG_BOUND_MB(40 * MB));
    }, 120000);
    it('a .p7m over the flow size limit: REC-TAILLE-MAX, not parsed', async () => {
      rejectedWith(await drop('SIG001', 'enorme.xml.p7m', h.cmsGarbage(31 * MB)), 'REC-TAILLE-MAX');
    }, 120000);
  });

  describe('a valid flow of 30,000 Ko', () => {
    const it = pgIt;
    it('is integrated (90), the daemon answering meanwhile, memory bounded', async () => {
      const flow = h.largeValidUbl(30000 * 1024 - 512, 'hostile');
      const a = await drop('ABC123', 'grosse-facture.xml', flow);
      expect(a.status).toBe('90');
      expect(a.slowestHealthMs).toBeLessThan(LARGE_FLOW_HEALTH_MS);
      expect(a.peakAboveMB).toBeLessThan(BIG_BOUND_MB(flow.length));
      // Its bytes waited on disk while libxml2 validated its own copy, and were taken back by REGLE.
      expect(readdirSync(path.join(dir, 'parked', hostname(), String(process.pid)))).toEqual([]);
    }, 180000);
  });

  describe('over SFTP', () => {
    const it = pgIt;
    const upload = async (name: string, bytes: Buffer) => {
      const c = new SftpClient();
      await c.connect({
        host: '127.0.0.1',
        port: handle!.daemon.info!.sftpPort!,
        username: 'ABC123',
        password: PASSWORD,
        retries: 0,
      });
      try {
        await c.put(bytes, `/depot/${name}`);
      } finally {
        await c.end();
      }
    };
    it.each([
      ['sftp-profond.xml', 'FMT-XML-TOO-DEEP', () => h.deepXml(200000)],
      ['sftp-bombe.zip', 'ZIP-RATIO', () => h.zipBomb(1024)],
      ['sftp-bombe.pdf', 'FMT-PDF-TOO-LARGE', () => h.pdfObjectStreamBomb(1024)],
    ])(
      '%s is rejected with %s',
      async (name, code, bytes) => {
        const a = await answerTo('ABC123', name, () => upload(name, bytes()));
        rejectedWith(a, code);
      },
      60000,
    );
  });

  describe('passerelle analyze', () => {
    it.each([
      ['profond.xml', 'FMT-XML-TOO-DEEP', () => h.deepXml(200000)],
      ['bombe-facturx.pdf', 'FMT-PDF-TOO-LARGE', () => h.pdfWithFacturX(h.zlibZeros(1024))],
      ['zip-slip.zip', 'ZIP-ENTRY-PATH', () => h.zipOf([{ name: '../x.xml', data: h.UBL_EXAMPLE }])],
    ])(
      '%s: rejected with %s, exit code 1',
      async (name, code, bytes) => {
        const file = path.join(tempDir(), name);
        writeFileSync(file, bytes());
        const run = await promisify(execFile)(process.execPath, ['bin/passerelle.js', 'analyze', '--json', file], {
          env: { ...process.env, PASSERELLE_LOG_LEVEL: 'error' },
        }).then(
          (r) => ({ code: 0, out: r.stdout }),
          (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
        );
        expect(run.code).toBe(1);
        const report = JSON.parse(run.out) as { verdict: string; findings: Array<{ code: string }> };
        expect(report.verdict).toBe('rejected');
        expect(report.findings.map((f) => f.code)).toEqual([code]);
        cleanup(path.dirname(file));
      },
      60000,
    );
  });
});

/**
 * Peak RSS allowed above the level before a large flow: the anchor, 4 × the flow's size, plus what
 * this process holds besides the daemon (the test's own copy of the flow, the compte-rendu reader).
 */
function BIG_BOUND_MB(bytes: number): number {
  return (4 * bytes) / MB + 2 * (bytes / MB) + 64;
}

/** `/health` during a valid 30,000 Ko flow: see docs/security.md for what still holds the main thread. */
const LARGE_FLOW_HEALTH_MS = 2000;
