/**
 * The hostile mailbox catalogue (issue 14): a real daemon (a child process on PostgreSQL) is fed what a
 * partner with a shell on the drop folders, an SFTP client or the portal can put in a mailbox — symlinks to
 * files and folders outside, FIFOs, devices, hard links, folders, a symlink planted in retour/, growing
 * files, odd names (236/240/255 bytes, invalid UTF-8, control characters, a leading dash, NFC/NFD, `..`),
 * an unknown partner's folder. Each case asserts its exact answer (status and code in the compte-rendu, or
 * the log line), that nothing outside the data folder was read or written, and that /health answers; RSS
 * stays bounded. Then the daemon is SIGKILLed and started again with poison left behind (a spool sidecar
 * whose name holds a NUL, a recorded return flow whose name is too long for the file system, an API deposit
 * whose nomFichier holds a NUL): it starts, and every flow has its answer.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it as jestIt } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import SftpClient from 'ssh2-sftp-client';
import { stringify } from 'yaml';
import { mailboxPaths } from '../src/store/mailboxes.ts';
import { readCppStatut } from './helpers/compte-rendu.ts';
import type { ReadReport } from './helpers/compte-rendu.ts';
import {
  CORPUS,
  PG_URL,
  cleanup,
  dropSchema,
  freePort,
  postgresRequired,
  tempDir,
  uniqueSchema,
} from './helpers/env.ts';

/** Decided before the tests are declared: without PostgreSQL they are reported as skipped, not passed (CI requires it). */
const postgres = await postgresRequired();
const it = postgres ? jestIt : jestIt.skip;

const PASSWORD = 'Qualif-Test-2026!';
const P = 'ABC123';
const VALID = readFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example1.xml'), 'utf8');
/** Distinct valid invoices (the same bytes twice would be a duplicate). */
const invoice = (tag: string) => VALID.replace('<cbc:ID>', `<!-- ${tag} --><cbc:ID>`);

let dataDir: string;
let outside: string;
let schema: string;
let httpPort: number;
let sftpPort: number;
let configFile: string;
let child: ChildProcess | undefined;
let logs: Array<Record<string, unknown>> = [];
const box = () => mailboxPaths(dataDir, P);

function startChild(): ChildProcess {
  logs = [];
  const c = spawn(process.execPath, ['bin/passerelle.js', 'start', '--config', configFile], {
    env: { ...process.env, PASSERELLE_DB_SCHEMA: schema, DATABASE_URL: PG_URL, PASSERELLE_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let rest = '';
  c.stdout.on('data', (chunk: Buffer) => {
    rest += chunk.toString('utf8');
    const lines = rest.split('\n');
    rest = lines.pop()!;
    for (const l of lines) {
      try {
        logs.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  });
  return c;
}

async function health(timeoutMs = 2000): Promise<number> {
  const t0 = Date.now();
  const res = await fetch(`http://127.0.0.1:${httpPort}/health`, { signal: AbortSignal.timeout(timeoutMs) });
  expect(res.status).toBe(200);
  return Date.now() - t0;
}

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, ms = 60000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function waitStarted(): Promise<void> {
  await until(
    () => {
      if (child?.exitCode !== null) throw new Error(`the daemon exited (${child?.exitCode}) instead of starting`);
      return logs.some((l) => l.msg === 'passerelle started') ? true : undefined;
    },
    'the daemon to start',
    90000,
  );
  await health();
}

function rssKb(): number {
  const status = readFileSync(`/proc/${child!.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
}

/** The compte-rendu (FEN1200A_*) whose IdFlux is `name`. */
function depositAnswer(name: string): Promise<{ file: string; report: ReadReport }> {
  return until(() => {
    for (const f of readdirSync(box().retour)) {
      if (!f.startsWith('FEN1200A_')) continue;
      const report = readCppStatut(readFileSync(path.join(box().retour, f), 'utf8'));
      if (report.originalName === name) return { file: f, report };
    }
    return undefined;
  }, `the compte-rendu of ${name}`);
}

/** The analysis report under exactly `file` in retour/. */
function analysisAnswer(file: string): Promise<ReadReport> {
  return until(() => {
    const p = path.join(box().retour, file);
    return existsSync(p) ? readCppStatut(readFileSync(p, 'utf8')) : undefined;
  }, `the analysis report ${file}`);
}

function expectRefused(r: ReadReport, kindFr: string): void {
  expect(r.status).toBe('93');
  expect(r.lines.map((l) => l.code)).toEqual(['REC-FICHIER-SPECIAL']);
  expect(r.lines[0]!.nature).toBe('RECEPTION');
  expect(r.lines[0]!.description).toContain(kindFr);
}

function logged(msg: string, match: (l: Record<string, unknown>) => boolean = () => true) {
  return until(() => logs.find((l) => String(l.msg).includes(msg) && match(l)), `log line "${msg}"`);
}

beforeAll(async () => {
  dataDir = tempDir('passerelle-hostile-');
  outside = tempDir('passerelle-outside-');
  schema = uniqueSchema();
  httpPort = await freePort();
  sftpPort = await freePort();
  configFile = path.join(dataDir, 'passerelle.yaml');
  writeFileSync(
    configFile,
    stringify({
      dataDir,
      http: { port: httpPort },
      sftp: { port: sftpPort },
      folders: { stableMs: 300, rescanMs: 1000 },
      pipeline: { retryDelaySeconds: 1, validationThreads: 0 },
      schemas: { fetchOnStart: false },
      partners: [
        { code: P, name: 'Test', sftp: { password: PASSWORD } },
        { code: 'DEF456', name: 'Autre' },
      ],
    }),
  );
  child = startChild();
  await waitStarted();
}, 120000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
  if (postgres) await dropSchema(schema);
  if (dataDir) cleanup(dataDir);
  if (outside) cleanup(outside);
});

describe('hostile mailbox (drop folders, SFTP, portal)', () => {
  let rssBefore = 0;

  // After every case the daemon is still up and answers /health.
  afterEach(async () => {
    if (postgres && child?.exitCode === null) await health();
  });

  it('1. a symlink in depot/ to /etc/passwd is refused unread, with a compte-rendu naming it', async () => {
    rssBefore = rssKb();
    symlinkSync('/etc/passwd', path.join(box().depot, 'passwd.xml'));
    const { report } = await depositAnswer('passwd.xml');
    expectRefused(report, 'lien symbolique');
    expect(JSON.stringify(report)).not.toContain('root:');
    await logged('not a regular file: refused without being read', (l) => l.file === 'passwd.xml');
    expect(existsSync('/etc/passwd')).toBe(true);
    await health();
  });

  it('2. a symlink in analyse/ to /proc/self/environ is refused unread', async () => {
    symlinkSync('/proc/self/environ', path.join(box().analyse, 'environ.xml'));
    const report = await analysisAnswer('ANALYSE_environ.xml.xml');
    expectRefused(report, 'lien symbolique');
    expect(JSON.stringify(report)).not.toContain('PATH=');
  });

  it('3. a symlink to a folder outside is refused, and the folder is left untouched', async () => {
    writeFileSync(path.join(outside, 'secret.xml'), invoice('secret'));
    symlinkSync(outside, path.join(box().depot, 'dossier-lie'));
    const { report } = await depositAnswer('dossier-lie');
    expectRefused(report, 'lien symbolique');
    expect(readdirSync(outside)).toEqual(['secret.xml']);
  });

  it('4. a folder in depot/ is taken out of the mailbox and refused', async () => {
    mkdirSync(path.join(box().depot, 'sous-dossier'));
    writeFileSync(path.join(box().depot, 'sous-dossier', 'f.xml'), invoice('in-folder'));
    const { report } = await depositAnswer('sous-dossier');
    expectRefused(report, 'répertoire');
    await until(() => (existsSync(path.join(box().depot, 'sous-dossier')) ? undefined : true), 'the folder to go');
  });

  it('5. a FIFO in depot/ is refused without being opened (the daemon is never blocked)', async () => {
    execFileSync('mkfifo', [path.join(box().depot, 'tube.xml')]);
    const { report } = await depositAnswer('tube.xml');
    expectRefused(report, 'tube nommé');
    expect(await health()).toBeLessThan(1000);
  });

  // mknod needs root: reported as skipped otherwise.
  (postgres && process.getuid?.() === 0 ? jestIt : jestIt.skip)(
    '6. a device node in analyse/ is refused without being opened',
    async () => {
      execFileSync('mknod', [path.join(box().analyse, 'zero.xml'), 'c', '1', '5']);
      expectRefused(await analysisAnswer('ANALYSE_zero.xml.xml'), 'périphérique');
    },
  );

  it('7. a hard link to a file outside the mailbox is refused unread', async () => {
    const target = path.join(dataDir, 'outside-file.xml'); // same file system, outside the mailbox
    writeFileSync(target, 'secret-bytes-not-to-read');
    linkSync(target, path.join(box().depot, 'lien-physique.xml'));
    const { report } = await depositAnswer('lien-physique.xml');
    expectRefused(report, 'lien physique');
    expect(JSON.stringify(report)).not.toContain('secret-bytes');
    expect(readFileSync(target, 'utf8')).toBe('secret-bytes-not-to-read');
  });

  it('8. a symlink planted in retour/ at the next report name (and at the old temp name) writes nothing outside', async () => {
    const victim = path.join(outside, 'victim.txt');
    const victim2 = path.join(outside, 'victim2.txt');
    writeFileSync(victim, 'untouched');
    writeFileSync(victim2, 'untouched');
    symlinkSync(victim, path.join(box().retour, 'ANALYSE_piege.xml.xml'));
    symlinkSync(victim2, path.join(box().retour, `.ANALYSE_piege.xml.xml.${child!.pid}.tmp`));
    writeFileSync(path.join(box().analyse, 'piege.xml'), invoice('piege'));
    const report = await until(() => {
      const st = lstatSync(path.join(box().retour, 'ANALYSE_piege.xml.xml'));
      return st.isFile()
        ? readCppStatut(readFileSync(path.join(box().retour, 'ANALYSE_piege.xml.xml'), 'utf8'))
        : undefined;
    }, 'the report to replace the planted symlink');
    expect(report.originalName).toBe('piege.xml');
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(readFileSync(victim2, 'utf8')).toBe('untouched');
  });

  it('9. a file appended slower than stableMs while held open is taken only once complete', async () => {
    const text = invoice('slow');
    const file = path.join(box().depot, 'lent.xml');
    const fd = openSync(file, 'w');
    const parts = 4;
    const step = Math.ceil(text.length / parts);
    for (let i = 0; i < parts; i++) {
      writeSync(fd, text.slice(i * step, (i + 1) * step));
      await new Promise((r) => setTimeout(r, 700)); // > stableMs (300)
      if (i < parts - 1) expect(existsSync(file)).toBe(true); // not taken while open
    }
    closeSync(fd);
    const { report } = await depositAnswer('lent.xml');
    expect(report.status).toBe('90');
  }, 30000);

  it('10. files appended faster than stableMs (20 at once, every 100 ms) are all taken complete', async () => {
    const fds = Array.from({ length: 20 }, (_, i) => openSync(path.join(box().depot, `rapide-${i}.xml`), 'w'));
    const texts = fds.map((_, i) => invoice(`fast-${i}`));
    for (let k = 0; k < 8; k++) {
      fds.forEach((fd, i) => {
        const t = texts[i]!;
        const step = Math.ceil(t.length / 8);
        writeSync(fd, t.slice(k * step, (k + 1) * step));
      });
      await new Promise((r) => setTimeout(r, 100));
    }
    fds.forEach((fd) => closeSync(fd));
    for (let i = 0; i < 20; i++) expect((await depositAnswer(`rapide-${i}.xml`)).report.status).toBe('90');
  }, 60000);

  it('11-13. names of 236, 240 and 255 bytes are answered under a name that fits, the original kept in IdFlux', async () => {
    for (const n of [236, 240, 255]) {
      const name = `${'n'.repeat(n - 4)}.xml`;
      writeFileSync(path.join(box().analyse, name), invoice(`long-${n}`));
      // Deterministic: `ANALYSE_<name>.xml` when it fits in 255 bytes, else shortened with a hash of the whole name.
      const file =
        n + 12 <= 255
          ? `ANALYSE_${name}.xml`
          : await until(
              () => readdirSync(box().retour).find((f) => /^ANALYSE_n+~[0-9a-f]{12}\.xml$/.test(f)),
              `the report of a ${n}-byte name`,
            );
      expect(Buffer.byteLength(file)).toBeLessThanOrEqual(255);
      const report = await analysisAnswer(file);
      expect(report.originalName).toBe(name);
      expect(report.status).toBe('90');
    }
  }, 60000);

  it('14. a deposit named with invalid UTF-8 bytes is answered, its name escaped as %XX', async () => {
    const name = Buffer.concat([Buffer.from('facture-'), Buffer.from([0xe9, 0xff]), Buffer.from('.xml')]);
    writeFileSync(Buffer.concat([Buffer.from(box().depot + '/'), name]), invoice('latin1'));
    const { report } = await depositAnswer('facture-%E9%FF.xml');
    expect(report.status).toBe('90');
  });

  it('15. an analysis named with invalid UTF-8 bytes gets ANALYSE_<escaped>.xml', async () => {
    const name = Buffer.concat([Buffer.from('analyse-'), Buffer.from([0xc3, 0x28]), Buffer.from('.xml')]);
    writeFileSync(Buffer.concat([Buffer.from(box().analyse + '/'), name]), invoice('latin1-a'));
    const report = await analysisAnswer('ANALYSE_analyse-%C3(.xml.xml');
    expect(report.originalName).toBe('analyse-%C3(.xml');
  });

  it('16. control characters in a name are escaped in the report name and in IdFlux', async () => {
    writeFileSync(path.join(box().analyse, 'ctl\x01\x1b[31m.xml'), invoice('ctl'));
    const report = await analysisAnswer('ANALYSE_ctl%01%1B[31m.xml.xml');
    expect(report.originalName).toBe('ctl%01%1B[31m.xml');
  });

  it('16b. XML markup in a name is text in the report (escaped, read back whole)', async () => {
    const name = `a&b<c>"d'e.xml`;
    writeFileSync(path.join(box().analyse, name), invoice('markup'));
    const file = path.join(box().retour, "ANALYSE_a&b-c--d'e.xml.xml");
    const report = await analysisAnswer("ANALYSE_a&b-c--d'e.xml.xml");
    expect(report.originalName).toBe(name);
    expect(readFileSync(file, 'utf8')).toContain('<IdFlux>a&amp;b&lt;c&gt;"d\'e.xml</IdFlux>');
  });

  it('17. a leading dash is only a name', async () => {
    writeFileSync(path.join(box().analyse, '-rf.xml'), invoice('dash'));
    expect((await analysisAnswer('ANALYSE_-rf.xml.xml')).status).toBe('90');
  });

  it('18. NFC and NFD spellings of the same name are two flows, each answered under its own bytes', async () => {
    const nfc = 'été.xml'.normalize('NFC');
    const nfd = 'été.xml'.normalize('NFD');
    writeFileSync(path.join(box().analyse, nfc), invoice('nfc'));
    writeFileSync(path.join(box().analyse, nfd), invoice('nfd'));
    expect((await analysisAnswer(`ANALYSE_${nfc}.xml`)).originalName).toBe(nfc);
    expect((await analysisAnswer(`ANALYSE_${nfd}.xml`)).originalName).toBe(nfd);
  });

  it('19. dots in a name (`..`) stay inside retour/', async () => {
    writeFileSync(path.join(box().analyse, 'facture..xml'), invoice('dots'));
    expect((await analysisAnswer('ANALYSE_facture..xml.xml')).originalName).toBe('facture..xml');
    expect(readdirSync(path.dirname(box().retour)).sort()).toEqual(['analyse', 'depot', 'retour']);
  });

  it('20. a file in an unknown partner folder is left untouched, said once in the log', async () => {
    const depot = path.join(dataDir, 'mailboxes', 'ZZZ999', 'depot');
    mkdirSync(depot, { recursive: true });
    writeFileSync(path.join(depot, 'inconnu.xml'), invoice('unknown'));
    await logged('unknown or inactive partner', (l) => l.partner === 'ZZZ999');
    expect(readdirSync(depot)).toEqual(['inconnu.xml']);
  });

  it('21. SFTP: a 240-byte name in /analyse is answered (its temporary name never exceeds the limit)', async () => {
    const sftp = new SftpClient();
    await sftp.connect({ host: '127.0.0.1', port: sftpPort, username: P, password: PASSWORD });
    try {
      const name = `${'s'.repeat(236)}.xml`;
      await sftp.put(Buffer.from(invoice('sftp-long')), `/analyse/${name}`);
      const file = `ANALYSE_${name}.xml`;
      expect((await analysisAnswer(file)).originalName).toBe(name);
      // And the partner can fetch it through SFTP (a name of at most 255 bytes).
      const listed = (await sftp.list('/retour')).map((e) => e.name);
      expect(listed).toContain(file);
    } finally {
      await sftp.end();
    }
  }, 60000);

  it('22. SFTP: a symlink planted in retour/ is not served', async () => {
    symlinkSync('/etc/passwd', path.join(box().retour, 'FEN1200A_piege.xml'));
    const sftp = new SftpClient();
    await sftp.connect({ host: '127.0.0.1', port: sftpPort, username: P, password: PASSWORD });
    try {
      await expect(sftp.get('/retour/FEN1200A_piege.xml')).rejects.toThrow();
      expect((await sftp.list('/retour')).map((e) => e.name)).not.toContain('FEN1200A_piege.xml');
    } finally {
      await sftp.end();
    }
  });

  it('22b. SFTP: a retour/ folder replaced by a symlink to /etc is neither listed nor served', async () => {
    const real = `${box().retour}.real`;
    renameSync(box().retour, real);
    symlinkSync('/etc', box().retour);
    const sftp = new SftpClient();
    await sftp.connect({ host: '127.0.0.1', port: sftpPort, username: P, password: PASSWORD });
    try {
      await expect(sftp.list('/retour')).rejects.toThrow();
      await expect(sftp.get('/retour/passwd')).rejects.toThrow();
      await expect(sftp.put(Buffer.from('x'), '/depot/x.xml')).resolves.toBeDefined();
    } finally {
      await sftp.end();
      rmSync(box().retour);
      renameSync(real, box().retour);
    }
    await logged('mailbox folder is not a real directory: refused', (l) => l.folder === 'retour');
  });

  it('23. portal: an analysis named with 240 bytes is answered', async () => {
    const base = `http://127.0.0.1:${httpPort}`;
    const jar = new Map<string, string>();
    const go = async (url: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
      const res = await fetch(base + url, { ...init, headers, redirect: 'manual' });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair!.indexOf('=');
        jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
      }
      return res;
    };
    // The partner sign-in form carries its own token (login CSRF), set with a cookie by the page.
    const signIn = await (await go('/portail')).text();
    const loginToken = /name="_csrf" value="([^"]+)"/.exec(signIn)![1]!;
    await go('/portail/connexion', {
      method: 'POST',
      headers: { origin: base },
      body: new URLSearchParams({ _csrf: loginToken, partenaire: P, motDePasse: PASSWORD }),
    });
    const page = await (await go('/portail/deposer')).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const form = new FormData();
    form.append('_csrf', csrf);
    form.append('syntaxeFlux', '');
    form.append('signe', 'non');
    const name = `${'p'.repeat(236)}.xml`;
    form.append('fichier', new Blob([invoice('portal-long')]), name);
    const res = await go('/portail/deposer?box=analyse', { method: 'POST', body: form });
    expect(res.status).toBe(303);
    expect((await analysisAnswer(`ANALYSE_${name}.xml`)).originalName).toBe(name);
  }, 60000);

  it('24. a retour/ folder replaced by a symlink to elsewhere is never written through', async () => {
    const other = mailboxPaths(dataDir, 'DEF456');
    const elsewhere = path.join(outside, 'elsewhere');
    mkdirSync(elsewhere);
    renameSync(other.retour, `${other.retour}.moved`);
    symlinkSync(elsewhere, other.retour);
    writeFileSync(path.join(other.analyse, 'x.xml'), invoice('def'));
    await logged('return flow could not be written', (l) => l.partner === 'DEF456');
    expect(readdirSync(elsewhere)).toEqual([]);
    await health();
    // Put right (for the restart below): the answer is then delivered.
    rmSync(other.retour);
    renameSync(`${other.retour}.moved`, other.retour);
  });

  it('25. RSS stayed bounded through the catalogue and /health answers fast', async () => {
    expect(await health()).toBeLessThan(1000);
    expect(rssKb() - rssBefore).toBeLessThan(400 * 1024);
  });

  it('a restart after SIGKILL, with poison left behind, starts and every flow has its answer', async () => {
    // An API deposit whose nomFichier holds a NUL: refused at the door with a codeRetour (nothing stored).
    const api = await fetch(`http://127.0.0.1:${httpPort}/cpro/factures/v1/deposer/flux`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'cpro-account': Buffer.from(`${P}:${PASSWORD}`).toString('base64'),
      },
      body: JSON.stringify({
        fichierFlux: Buffer.from(invoice('api-nul')).toString('base64'),
        nomFichier: 'api\u0000nul.xml',
        syntaxeFlux: 'IN_DP_E1_UBL_INVOICE',
      }),
    });
    expect(api.status).toBe(400);
    expect(((await api.json()) as { codeRetour: number }).codeRetour).toBe(20000);
    // An analysis whose name is 236 characters long (the poison of issue 14), just before the kill.
    writeFileSync(path.join(box().analyse, `${'k'.repeat(232)}.xml`), invoice('kill-long'));
    await new Promise((r) => setTimeout(r, 400));
    child!.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    // Left behind as an earlier version could: a spooled flow whose sidecar name holds a NUL and invalid text,
    const spool = path.join(dataDir, 'spool', hostname());
    const key = `poison-${randomUUID()}`;
    writeFileSync(path.join(spool, key), invoice('spool-nul'));
    writeFileSync(
      path.join(spool, `${key}.json`),
      JSON.stringify({
        key,
        partner: P,
        box: 'analyse',
        originalName: 'spool\u0000nul\ud800.xml',
        transport: 'folder',
        hasSignature: false,
      }),
    );
    // and a recorded, undelivered return flow whose name is too long for any file system.
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(
      `INSERT INTO "${schema}".return_flows (flow_id, partner, kind, file_name, content) VALUES (NULL, $1, 'cycle-de-vie', $2, '<x/>')`,
      [P, `FEN1200A_CDV_${'z'.repeat(300)}.xml`],
    );
    // and a mailbox folder replaced by a plain file (mkdir -p of the mailbox would throw).
    const other = mailboxPaths(dataDir, 'DEF456');
    rmSync(other.depot, { recursive: true });
    writeFileSync(other.depot, 'not a folder');
    child = startChild();
    await waitStarted();
    expect(await health()).toBeLessThan(1000);
    await logged('mailbox folder is not a real directory', (l) => l.partner === 'DEF456' && l.box === 'depot');
    await analysisAnswer('ANALYSE_spool%00nul\ufffd.xml.xml');
    await analysisAnswer(`ANALYSE_${'k'.repeat(232)}.xml.xml`);
    await until(
      async () => {
        const r = await c.query(
          `SELECT count(*)::int AS n FROM "${schema}".flows WHERE state NOT IN ('IN_INTEGRE', 'IN_INTEGRE_PARTIEL', 'IN_REJETE', 'IN_INCIDENTE')`,
        );
        const d = await c.query(`SELECT count(*)::int AS n FROM "${schema}".return_flows WHERE delivered_at IS NULL`);
        return r.rows[0].n === 0 && d.rows[0].n === 0 ? true : undefined;
      },
      'every flow concluded and every return flow delivered',
      90000,
    );
    const flows = await c.query(
      `SELECT f.original_name, f.original_name_bytes, count(r.id)::int AS answers FROM "${schema}".flows f
       LEFT JOIN "${schema}".return_flows r ON r.flow_id = f.id AND r.kind IN ('compte-rendu', 'analyse')
       GROUP BY f.id ORDER BY f.id`,
    );
    await c.end();
    expect(flows.rows.length).toBeGreaterThan(35);
    expect(flows.rows.filter((r) => r.answers !== 1)).toEqual([]);
    expect(flows.rows.find((r) => r.original_name === 'api%00nul.xml')).toBeUndefined();
    expect(readdirSync(box().retour).some((f) => /^FEN1200A_CDV_z+~[0-9a-f]{12}\.xml$/.test(f))).toBe(true);
  }, 180000);
});
