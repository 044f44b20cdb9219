/**
 * Hostile catalogue, the doors: brute force on SFTP and the API twin, bans shared by every door and every
 * node, connections already open when a ban falls, idle sockets before authentication, large bodies
 * without credentials, malformed deposits, secrets and partner data where they do not belong. Real
 * daemons on PostgreSQL (two nodes on one schema), real ssh2 clients, real HTTP requests from distinct
 * loopback addresses (127.0.0.x) so that each attack has its own source; every case ends by checking that
 * the daemon still answers.
 */
import { afterAll, beforeAll, describe, expect, it as jestIt } from '@jest/globals';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import ssh2 from 'ssh2';
import type { AuthHandlerMiddleware, NextAuthHandler } from 'ssh2';
import SftpClient from 'ssh2-sftp-client';
import { Daemon } from '../src/gateway/daemon.ts';
import { silentLogger } from '../src/log.ts';
import { listFlows } from '../src/store/flows.ts';
import {
  CORPUS,
  PG_URL,
  cleanup,
  dropSchema,
  freePort,
  postgresRequired,
  tempDir,
  testConfig,
  uniqueSchema,
} from './helpers/env.ts';

/** Decided before the tests are declared: without PostgreSQL they are reported as skipped, not passed (CI requires it). */
const postgres = await postgresRequired();
const it = postgres ? jestIt : jestIt.skip;

const PASSWORD = 'Qualif-Test-2026!';
const VALID = path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example1.xml');
const LIMIT = 10;
const ACCOUNT_LIMIT = 25;
const MAX_KO = 30000;
/** Node A's pre-authentication timeout (node B's is long: its open connection waits for a ban on A). */
const PRE_AUTH_A = 8;
// One partner per attack, so that account counts of one case do not spill into another.
const CODES = ['BRUTE1', 'OPEN01', 'NODEB1', 'APIBF1', 'LOCK01', 'GOOD01'] as const;
let schema: string;
const dirs: string[] = [];
let nodeA: Daemon;
let nodeB: Daemon;

function config(dataDir: string, sftpPort: number, httpPort: number, preAuthTimeoutSeconds: number) {
  const c = testConfig(dataDir, {
    sftp: { port: sftpPort, preAuthTimeoutSeconds, maxPreAuthPerAddress: 4, maxPreAuthConnections: 50 },
    http: { port: httpPort },
    maxFlowSizeKo: MAX_KO,
    defender: {
      banAfterFailures: LIMIT,
      accountBanAfterFailures: ACCOUNT_LIMIT,
      banWindowSeconds: 300,
      banSeconds: 900,
      cacheMs: 200,
    },
    partners: CODES.map((code) => ({ code, name: `Partenaire ${code}`, sftp: { password: PASSWORD } })),
  });
  c.databaseUrl = PG_URL;
  return c;
}

beforeAll(async () => {
  schema = uniqueSchema();
  for (let i = 0; i < 2; i++) {
    const dir = tempDir();
    dirs.push(dir);
    const cfg = config(dir, await freePort(), await freePort(), i === 0 ? PRE_AUTH_A : 60);
    const d = new Daemon({ config: cfg, logger: silentLogger, schema });
    await d.start();
    if (i === 0) nodeA = d;
    else nodeB = d;
  }
}, 180000);

afterAll(async () => {
  await nodeB?.stop();
  await nodeA?.stop();
  if (schema) await dropSchema(schema);
  for (const d of dirs) cleanup(d);
});

const auth = (code: string, password: string) => Buffer.from(`${code}:${password}`).toString('base64');

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Body bytes the client had written when the answer came. */
  writtenAtAnswer: number;
}

/**
 * One HTTP request from `localAddress`. A body given as `{ size, chunk }` is streamed (the same chunk
 * again and again, with back-pressure) and the streaming stops as soon as the answer arrives.
 */
function request(
  d: Daemon,
  opts: {
    path: string;
    method?: string;
    from?: string;
    headers?: Record<string, string>;
    body?: string | Buffer | { size: number; chunk: Buffer };
  },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const streamed = opts.body && !(typeof opts.body === 'string' || Buffer.isBuffer(opts.body)) ? opts.body : null;
    const fixed = streamed ? undefined : (opts.body as string | Buffer | undefined);
    const headers: Record<string, string> = { ...opts.headers };
    if (streamed) headers['content-length'] = String(streamed.size);
    else if (fixed !== undefined) headers['content-length'] = String(Buffer.byteLength(fixed));
    const req = http.request(
      {
        host: '127.0.0.1',
        port: d.info!.httpPort!,
        path: opts.path,
        method: opts.method ?? 'POST',
        localAddress: opts.from ?? '127.0.0.1',
        headers,
        agent: false,
      },
      (res) => {
        answered = true;
        const at = written;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
            writtenAtAnswer: at,
          });
          req.destroy();
        });
      },
    );
    req.on('error', (e) => {
      if (!answered) reject(e);
    });
    if (fixed !== undefined) {
      req.end(fixed);
      written = Buffer.byteLength(fixed);
      return;
    }
    if (!streamed) {
      req.end();
      return;
    }
    const pump = () => {
      while (!answered && written < streamed.size) {
        const n = Math.min(streamed.chunk.length, streamed.size - written);
        written += n;
        if (!req.write(n === streamed.chunk.length ? streamed.chunk : streamed.chunk.subarray(0, n))) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    pump();
  });
}

const json = (a: Answer) => JSON.parse(a.body) as Record<string, unknown>;

function depositBody(nomFichier: string, bytes: Buffer = readFileSync(VALID)): string {
  return JSON.stringify({
    fichierFlux: bytes.toString('base64'),
    nomFichier,
    syntaxeFlux: 'IN_DP_E1_UBL_INVOICE',
    avecSignature: false,
  });
}

const deposit = (d: Daemon, from: string, code: string, password: string, body = depositBody('facture.xml')) =>
  request(d, {
    path: '/cpro/factures/v1/deposer/flux',
    from,
    headers: { 'cpro-account': auth(code, password), 'content-type': 'application/json' },
    body,
  });

/**
 * An ssh2 client from `from` that offers `passwords` one after the other (after `gate`, when given) and
 * reports whether it got in. `waiting` resolves once the server has answered the handshake.
 */
function sshTry(
  d: Daemon,
  opts: { from: string; username: string; passwords: string[]; gate?: Promise<void> },
): { done: Promise<{ ready: boolean; offered: number }>; waiting: Promise<void> } {
  let offered = 0;
  let ready = false;
  let signalWaiting: () => void = () => undefined;
  const waiting = new Promise<void>((r) => (signalWaiting = r));
  const done = new Promise<{ ready: boolean; offered: number }>((resolve) => {
    const c = new ssh2.Client();
    c.on('ready', () => {
      ready = true;
      c.end();
    });
    c.on('error', () => undefined);
    c.on('close', () => resolve({ ready, offered }));
    const handler: AuthHandlerMiddleware = (_left, _partial, next: NextAuthHandler) => {
      signalWaiting();
      void (async () => {
        if (offered === 0 && opts.gate) await opts.gate;
        if (offered >= opts.passwords.length) return (next as unknown as (x: false) => void)(false);
        next({ type: 'password', username: opts.username, password: opts.passwords[offered++]! });
      })();
    };
    c.connect({
      host: '127.0.0.1',
      port: d.info!.sftpPort!,
      localAddress: opts.from,
      username: opts.username,
      readyTimeout: 30000,
      authHandler: handler,
    });
  });
  return { done, waiting };
}

async function sftpLogin(d: Daemon, from: string, code: string): Promise<SftpClient> {
  const c = new SftpClient();
  await c.connect({
    host: '127.0.0.1',
    port: d.info!.sftpPort!,
    localAddress: from,
    username: code,
    password: PASSWORD,
    retries: 0,
    readyTimeout: 10000,
  });
  return c;
}

async function checks(d: Daemon, door: string, result: string): Promise<number> {
  const m = await d.metrics.registry.getSingleMetric('passerelle_auth_checks_total')!.get();
  return m.values.filter((v) => v.labels.door === door && v.labels.result === result).reduce((a, v) => a + v.value, 0);
}

async function refusals(d: Daemon, reason: string): Promise<number> {
  const m = await d.metrics.registry.getSingleMetric('passerelle_sftp_refusals_total')!.get();
  return m.values.filter((v) => v.labels.reason === reason).reduce((a, v) => a + v.value, 0);
}

async function banned(kind: string, key: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    const r = await c.query(
      `SELECT 1 FROM "${schema}".defender_records WHERE kind = $1 AND key = $2 AND banned_until > now()`,
      [kind, key],
    );
    return r.rows.length === 1;
  } finally {
    await c.end();
  }
}

/** The daemon still answers: /health, and a partner logs in over SFTP from a clean address. */
async function alive(d: Daemon = nodeA): Promise<void> {
  const h = await request(d, { path: '/health', method: 'GET' });
  expect(h.status).toBe(200);
  const c = await sftpLogin(d, '127.0.0.1', 'GOOD01');
  expect((await c.list('/')).map((e) => e.name).sort()).toEqual(expect.arrayContaining(['depot', 'retour']));
  await c.end();
}

const wrong = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `Mauvais-${tag}-${i}!`);

describe('hostile doors (PostgreSQL, two nodes)', () => {
  it('SFTP: 4 parallel connections × 5 passwords from one address get exactly 10 passwords checked, then a ban', async () => {
    const from = '127.0.0.11';
    const before = await checks(nodeA, 'sftp', 'failed');
    const runs = Array.from({ length: 4 }, (_, k) =>
      sshTry(nodeA, { from, username: 'BRUTE1', passwords: wrong(5, `p${k}`) }),
    );
    const results = await Promise.all(runs.map((r) => r.done));
    expect(results.every((r) => !r.ready)).toBe(true);
    // The ban closes connections whose last check may still be finishing: let the counts settle.
    const until = Date.now() + 5000;
    while ((await checks(nodeA, 'sftp', 'failed')) - before < LIMIT && Date.now() < until)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1000));
    expect((await checks(nodeA, 'sftp', 'failed')) - before).toBe(LIMIT);
    expect(await banned('address', from)).toBe(true);
    // The right password from the banned address does not get in either.
    await expect(sftpLogin(nodeA, from, 'BRUTE1')).rejects.toThrow();
    await alive();
  }, 60000);

  it('SFTP: a connection opened before the ban does not log in afterwards, even with the right password', async () => {
    const from = '127.0.0.12';
    let open: () => void = () => undefined;
    const gate = new Promise<void>((r) => (open = r));
    const early = sshTry(nodeA, { from, username: 'OPEN01', passwords: [PASSWORD], gate });
    await early.waiting;
    const timeouts = await refusals(nodeA, 'SFTP-AUTH-TIMEOUT');
    const bans = await refusals(nodeA, 'SFTP-BANNED');
    const burst = [0, 1].map((k) => sshTry(nodeA, { from, username: 'OPEN01', passwords: wrong(5, `o${k}`) }));
    await Promise.all(burst.map((b) => b.done));
    expect(await banned('address', from)).toBe(true);
    open();
    expect((await early.done).ready).toBe(false);
    // Closed because of the ban, not by the pre-auth timeout.
    expect(await refusals(nodeA, 'SFTP-AUTH-TIMEOUT')).toBe(timeouts);
    expect(await refusals(nodeA, 'SFTP-BANNED')).toBeGreaterThan(bans);
    await alive();
  }, 60000);

  it('a ban decided on one node refuses the next attempt on the other, on a connection already open there', async () => {
    const from = '127.0.0.13';
    let open: () => void = () => undefined;
    const gate = new Promise<void>((r) => (open = r));
    const onB = sshTry(nodeB, { from, username: 'NODEB1', passwords: [PASSWORD], gate });
    await onB.waiting;
    // The brute force goes through node A's API twin.
    const answers = await Promise.all(wrong(LIMIT, 'nb').map((pw) => deposit(nodeA, from, 'NODEB1', pw)));
    expect(answers.map((a) => a.status)).toEqual(Array(LIMIT).fill(401));
    const refusedOnB = await checks(nodeB, 'sftp', 'refused');
    open();
    expect((await onB.done).ready).toBe(false);
    // Node B asked the database: the password was not even checked.
    expect(await checks(nodeB, 'sftp', 'refused')).toBe(refusedOnB + 1);
    expect(await checks(nodeB, 'sftp', 'failed')).toBe(0);
    const onBApi = await deposit(nodeB, from, 'NODEB1', PASSWORD);
    expect(onBApi.status).toBe(429);
    expect(json(onBApi)).toMatchObject({ codeRetour: 429 });
    await alive(nodeB);
    await alive();
  }, 60000);

  it('SFTP: 200 idle sockets from 10 addresses do not lock a partner out, and are closed after the pre-auth timeout', async () => {
    const sockets: net.Socket[] = [];
    const closed: boolean[] = [];
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const s = net.connect({
          host: '127.0.0.1',
          port: nodeA.info!.sftpPort!,
          localAddress: `127.0.0.${21 + (i % 10)}`,
        });
        const k = sockets.push(s) - 1;
        closed[k] = false;
        s.on('error', () => undefined);
        s.resume(); // reads (and drops) the server's banner, so that its close is seen
        s.on('close', () => (closed[k] = true));
        return new Promise<void>((r) => s.once('connect', () => r()).once('close', () => r()));
      }),
    );
    const t0 = Date.now();
    // A real partner gets in at once, from its own address.
    const partner = await sftpLogin(nodeA, '127.0.0.40', 'GOOD01');
    expect(Date.now() - t0).toBeLessThan(5000);
    await partner.put(readFileSync(VALID), '/depot/pendant-attaque.xml');
    await partner.end();
    // 4 per address were let in (maxPreAuthPerAddress); the pre-auth timeout closes those too.
    const open = closed.filter((c) => !c).length;
    expect(open).toBeLessThanOrEqual(40);
    const until = Date.now() + PRE_AUTH_A * 1000 + 6000;
    while (closed.some((c) => !c) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(closed.filter((c) => !c)).toEqual([]);
    for (const s of sockets) s.destroy();
    await alive();
  }, 60000);

  it('API twin: 20 parallel wrong passwords from one address get exactly 10 checked (401), the rest 429; then the right one is refused', async () => {
    const from = '127.0.0.50';
    const answers = await Promise.all(wrong(20, 'api').map((pw) => deposit(nodeA, from, 'APIBF1', pw)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([...Array(LIMIT).fill(401), ...Array(20 - LIMIT).fill(429)]);
    expect(json(answers.find((a) => a.status === 401)!)).toEqual({
      codeRetour: 401,
      libelle: 'Authentification refusée (en-tête cpro-account)',
    });
    const late = await deposit(nodeA, from, 'APIBF1', PASSWORD);
    expect(late.status).toBe(429);
    expect(Number(late.headers['retry-after'])).toBeGreaterThan(800);
    expect(json(late).libelle).toMatch(/^Trop de tentatives d’authentification : réessayez dans \d+ minute\(s\)$/);
    await alive();
  }, 60000);

  it('API twin: 30 parallel requests with the right password from one address are all let through', async () => {
    const answers = await Promise.all(
      Array.from({ length: 30 }, () =>
        request(nodeA, {
          path: '/cpro/transverses/v1/consulterCR',
          from: '127.0.0.55',
          headers: { 'cpro-account': auth('GOOD01', PASSWORD), 'content-type': 'application/json' },
          body: JSON.stringify({ numeroFluxDepot: 'CPP0000000000000000000000' }),
        }),
      ),
    );
    // Authenticated every time: the flow is unknown (20004), never 401 / 429.
    expect(answers.map((a) => `${a.status} ${String(json(a).codeRetour)}`)).toEqual(Array(30).fill('404 20004'));
    await alive();
  }, 60000);

  it('the API twin ban is shared with the portal, SFTP and the admin API', async () => {
    const from = '127.0.0.50'; // banned by the previous case
    const page = await request(nodeA, { path: '/portail', method: 'GET', from });
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const cookie = String(page.headers['set-cookie']![0]).split(';')[0]!;
    const portal = await request(nodeA, {
      path: '/portail/connexion',
      from,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ _csrf: token, partenaire: 'GOOD01', motDePasse: PASSWORD }).toString(),
    });
    expect(portal.status).toBe(429);
    expect(portal.body).toContain('Trop de tentatives de connexion');
    await expect(sftpLogin(nodeA, from, 'GOOD01')).rejects.toThrow();
    const admin = await request(nodeA, {
      path: '/admin/partners',
      method: 'GET',
      from,
      headers: { authorization: `Bearer ${nodeA.info!.token}` },
    });
    expect(admin.status).toBe(429);
    await alive();
  }, 60000);

  it('ops see the bans and lift one on one node; the other node lets the address in within cacheMs', async () => {
    const admin = (d: Daemon, method: string, path: string) =>
      request(d, { path, method, headers: { authorization: `Bearer ${d.info!.token}` } });
    const list = await admin(nodeB, 'GET', '/admin/bans');
    expect(list.status).toBe(200);
    const bans = JSON.parse(list.body) as Array<{ kind: string; key: string }>;
    expect(bans.map((b) => `${b.kind} ${b.key}`)).toEqual(
      expect.arrayContaining(['address 127.0.0.11', 'address 127.0.0.50']),
    );
    expect((await admin(nodeB, 'DELETE', '/admin/bans/address/127.0.0.50')).status).toBe(200);
    expect((await admin(nodeB, 'DELETE', '/admin/bans/address/127.0.0.50')).status).toBe(404);
    // Node A decided this ban and cached it; its cache is trusted for cacheMs (200 ms here) only.
    await new Promise((r) => setTimeout(r, 300));
    const back = await request(nodeA, {
      path: '/cpro/transverses/v1/consulterCR',
      from: '127.0.0.50',
      headers: { 'cpro-account': auth('APIBF1', PASSWORD), 'content-type': 'application/json' },
      body: JSON.stringify({ numeroFluxDepot: 'CPP0000000000000000000000' }),
    });
    expect(`${back.status} ${String(json(back).codeRetour)}`).toBe('404 20004');
    await alive();
  }, 60000);

  it('an account guessed from several addresses is locked for password sign-in, other accounts are not', async () => {
    const statuses: number[] = [];
    for (const [k, from] of ['127.0.0.60', '127.0.0.61', '127.0.0.62'].entries())
      for (const pw of wrong(9, `lock${k}`)) statuses.push((await deposit(nodeA, from, 'LOCK01', pw)).status);
    expect(statuses).toEqual([...Array(ACCOUNT_LIMIT).fill(401), ...Array(27 - ACCOUNT_LIMIT).fill(429)]);
    expect(await banned('account', 'LOCK01')).toBe(true);
    const locked = await deposit(nodeA, '127.0.0.63', 'LOCK01', PASSWORD);
    expect(locked.status).toBe(429);
    const other = await deposit(nodeA, '127.0.0.63', 'GOOD01', PASSWORD, depositBody('autre-compte.xml'));
    expect(other.status).toBe(200);
    expect(json(other)).toMatchObject({ codeRetour: 0, libelle: 'TRA_MSG_00.000' });
    await alive();
  }, 60000);

  it('10 concurrent unauthenticated 40 MB bodies are refused before they are read (RSS bounded)', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x41);
    const flood = async (first: number, headers: Record<string, string>) => {
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          request(nodeA, {
            path: '/cpro/factures/v1/deposer/flux',
            from: `127.0.0.${first + i}`,
            headers: { 'content-type': 'application/json', ...headers },
            body: { size: 40 * 1024 * 1024, chunk },
          }),
        ),
      );
      clearInterval(sampler);
      for (const a of answers) {
        expect(a.status).toBe(401);
        expect(json(a)).toEqual({ codeRetour: 401, libelle: 'Authentification refusée (en-tête cpro-account)' });
        expect(a.writtenAtAnswer).toBeLessThan(20 * 1024 * 1024);
      }
      return peak - before;
    };
    // Without credentials nothing but headers is handled: the 400 MB sent cost (almost) no memory.
    expect(await flood(70, {})).toBeLessThan(64 * 1024 * 1024);
    // With a wrong password the bodies are not read either; what memory there is is scrypt's (32 MB a
    // check, as many at once as libuv has threads), never the bodies' 400 MB.
    expect(await flood(80, { 'cpro-account': auth('GOOD01', 'pas-le-bon') })).toBeLessThan(250 * 1024 * 1024);
    await alive();
  }, 60000);

  it('API twin: a nomFichier with a NUL or a control character is refused with codeRetour 20000, no flow, no 500', async () => {
    const before = (await listFlows(nodeA.store.db, { partner: 'GOOD01', limit: 1000 })).length;
    for (const name of ['fac\u0000ture.xml', 'fac\u0007ture.xml', 'facture.xml\n', '../']) {
      const a = await deposit(nodeA, '127.0.0.1', 'GOOD01', PASSWORD, depositBody(name));
      expect(a.status).toBe(400);
      expect(json(a).codeRetour).toBe(20000);
      expect(String(json(a).libelle)).toMatch(/^Paramètres invalides : nomFichier \(/);
    }
    expect((await listFlows(nodeA.store.db, { partner: 'GOOD01', limit: 1000 })).length).toBe(before);
    await alive();
  }, 60000);

  it('API twin: a 35 MB file is answered 413 with codeRetour 20001 and the size message (a clean answer to fetch)', async () => {
    const body = depositBody('enorme.xml', Buffer.alloc(35 * 1024 * 1024, 0x20));
    const res = await fetch(`http://127.0.0.1:${nodeA.info!.httpPort}/cpro/factures/v1/deposer/flux`, {
      method: 'POST',
      headers: { 'cpro-account': auth('GOOD01', PASSWORD), 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      codeRetour: 20001,
      libelle: `GDP_MSG_11.022 : la taille du fichier dépasse la taille maximale autorisée (${MAX_KO} Ko)`,
    });
    await alive();
  }, 60000);

  it('API twin: a file 3 bytes over maxFlowSizeKo (body under the limit) gets the same 413 / 20001', async () => {
    const a = await deposit(
      nodeA,
      '127.0.0.1',
      'GOOD01',
      PASSWORD,
      depositBody('juste-trop.xml', Buffer.alloc(MAX_KO * 1024 + 3, 0x20)),
    );
    expect(a.status).toBe(413);
    expect(json(a)).toEqual({
      codeRetour: 20001,
      libelle: `GDP_MSG_11.022 : la taille du fichier dépasse la taille maximale autorisée (${MAX_KO} Ko)`,
    });
    await alive();
  }, 60000);

  it('API twin: malformed multipart, broken JSON and missing fields each get a codeRetour, never a 500', async () => {
    const send = (contentType: string, body: string) =>
      request(nodeA, {
        path: '/cpro/factures/v1/deposer/flux',
        headers: { 'cpro-account': auth('GOOD01', PASSWORD), 'content-type': contentType },
        body,
      });
    const multipart = await send('multipart/form-data; boundary=zz', '--zz\r\ngarbage without end');
    expect(multipart.status).toBe(415);
    expect(json(multipart)).toEqual({
      codeRetour: 20000,
      libelle: 'Paramètres invalides : le corps de la requête doit être du JSON (application/json)',
    });
    const broken = await send('application/json', '{"fichierFlux": "PGEv');
    expect(broken.status).toBe(400);
    expect(json(broken)).toEqual({
      codeRetour: 20000,
      libelle: 'Paramètres invalides : corps de requête illisible (FST_ERR_CTP_INVALID_JSON_BODY)',
    });
    const missing = await send('application/json', '{}');
    expect(missing.status).toBe(400);
    expect(json(missing).codeRetour).toBe(20000);
    for (const field of ['fichierFlux', 'nomFichier', 'syntaxeFlux'])
      expect(String(json(missing).libelle)).toContain(field);
    const cr = await request(nodeA, {
      path: '/cpro/transverses/v1/consulterCR',
      headers: { 'cpro-account': auth('GOOD01', PASSWORD), 'content-type': 'application/json' },
      body: '[',
    });
    expect(cr.status).toBe(400);
    expect(json(cr).codeRetour).toBe(20000);
    await alive();
  }, 60000);

  it('/metrics shows no partner code nor per-partner count without authentication', async () => {
    const ok = await deposit(nodeA, '127.0.0.1', 'GOOD01', PASSWORD, depositBody('pour-les-metriques.xml'));
    expect(json(ok).codeRetour).toBe(0);
    const m = await request(nodeA, { path: '/metrics', method: 'GET' });
    expect(m.status).toBe(200);
    expect(m.body).toMatch(/passerelle_flows_received_total\{box="depot",transport="http"\} [1-9]/);
    expect(m.body).toMatch(/passerelle_auth_checks_total\{door="sftp",result="failed"\} [1-9]/);
    for (const code of CODES) expect(m.body).not.toContain(code);
    expect(m.body).not.toContain('partner=');
    await alive();
  }, 60000);

  it('/admin/partners never returns a password hash', async () => {
    const a = await request(nodeA, {
      path: '/admin/partners',
      method: 'GET',
      headers: { authorization: `Bearer ${nodeA.info!.token}` },
    });
    expect(a.status).toBe(200);
    const partners = JSON.parse(a.body) as Array<Record<string, unknown>>;
    expect(partners.map((p) => p.code)).toEqual([...CODES].sort());
    for (const p of partners) {
      expect(p).not.toHaveProperty('sftpPasswordHash');
      expect(p.password).toBe(true);
    }
    expect(a.body).not.toContain('$scrypt$');
    await alive();
  }, 60000);

  it('the admin API refuses a missing or wrong token, and bans an address that keeps guessing', async () => {
    const from = '127.0.0.90';
    const none = await request(nodeA, { path: '/admin/flows', method: 'GET', from });
    expect(none.status).toBe(401);
    expect(json(none)).toEqual({ error: 'admin token required (see <dataDir>/daemon.json)' });
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT; i++)
      statuses.push(
        (
          await request(nodeA, {
            path: '/admin/flows',
            method: 'GET',
            from,
            headers: { authorization: `Bearer x${i}` },
          })
        ).status,
      );
    // The first refusal (no token) counted too: LIMIT - 1 more 401, then banned.
    expect(statuses).toEqual([...Array(LIMIT - 1).fill(401), 429]);
    const right = await request(nodeA, {
      path: '/admin/flows',
      method: 'GET',
      from,
      headers: { authorization: `Bearer ${nodeA.info!.token}` },
    });
    expect(right.status).toBe(429);
    await alive();
  }, 60000);

  it('portal: a cross-site Origin is refused, Origin: null with the form token signs in, no token is refused', async () => {
    const from = '127.0.0.95';
    const signIn = async (headers: Record<string, string>, withToken = true) => {
      const page = await request(nodeA, { path: '/portail', method: 'GET', from });
      expect(page.headers['referrer-policy']).toBe('same-origin');
      const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
      const cookie = String(page.headers['set-cookie']![0]).split(';')[0]!;
      return request(nodeA, {
        path: '/portail/connexion',
        from,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, ...headers },
        body: new URLSearchParams({
          ...(withToken ? { _csrf: token } : {}),
          partenaire: 'GOOD01',
          motDePasse: PASSWORD,
        }).toString(),
      });
    };
    expect((await signIn({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await signIn({ origin: 'null', 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await signIn({ origin: 'null' }, false)).status).toBe(403);
    const ok = await signIn({ origin: 'null', 'sec-fetch-site': 'same-origin' });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/portail/deposer');
    const same = await signIn({ origin: `http://127.0.0.1:${nodeA.info!.httpPort}` });
    expect(same.status).toBe(303);
    await alive();
  }, 60000);

  it('after the whole catalogue, a partner still deposits through the API twin and gets its flow number', async () => {
    const a = await deposit(nodeA, '127.0.0.1', 'GOOD01', PASSWORD, depositBody('apres-attaques.xml'));
    expect(a.status).toBe(200);
    expect(json(a)).toMatchObject({
      codeRetour: 0,
      libelle: 'TRA_MSG_00.000',
      numeroFluxDepot: expect.stringMatching(/^CPP/),
    });
    await alive();
    await alive(nodeB);
  }, 60000);
});
