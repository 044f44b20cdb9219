/**
 * The partner sign-in's sessions live in the database: two daemons on one PostgreSQL schema share them
 * (signed in on one, recognised by the other; signed out on one, out everywhere), and a restart keeps them.
 */
import { afterAll, beforeAll, expect, it as jestIt } from '@jest/globals';
import { Daemon } from '../src/gateway/daemon.ts';
import { silentLogger } from '../src/log.ts';
import type { Config } from '../src/config.ts';
import {
  cleanup,
  dropSchema,
  freePort,
  PG_URL,
  postgresRequired,
  tempDir,
  testConfig,
  uniqueSchema,
} from './helpers/env.ts';

const PASSWORD = 'Qualif-Test-2026!';
let schema: string;
const dirs: string[] = [];
const configs: Config[] = [];
const daemons: Daemon[] = [];
/** Decided before the tests are declared: without PostgreSQL they are reported as skipped, not passed (CI requires it). */
const postgres = await postgresRequired();
const it = postgres ? jestIt : jestIt.skip;

async function startNode(i: number): Promise<Daemon> {
  const d = new Daemon({ config: configs[i]!, logger: silentLogger, schema });
  await d.start();
  daemons[i] = d;
  return d;
}

const base = (d: Daemon) => `http://127.0.0.1:${d.info!.httpPort}`;

/** A GET or POST with the given cookies, redirects not followed. */
async function request(d: Daemon, url: string, cookie: string, body?: URLSearchParams): Promise<Response> {
  return fetch(base(d) + url, {
    method: body ? 'POST' : 'GET',
    headers: { cookie, ...(body ? { origin: base(d) } : {}) },
    ...(body ? { body } : {}),
    redirect: 'manual',
  });
}

const cookieOf = (res: Response, name: string): string =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith(`${name}=`)) ?? '';

async function signIn(d: Daemon): Promise<string> {
  const page = await request(d, '/portail', '');
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  const res = await request(
    d,
    '/portail/connexion',
    cookieOf(page, 'passerelle_connexion'),
    new URLSearchParams({ _csrf: token, partenaire: 'ABC123', motDePasse: PASSWORD }),
  );
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/portail/deposer');
  return cookieOf(res, 'passerelle_portail');
}

beforeAll(async () => {
  if (!postgres) return;
  schema = uniqueSchema();
  for (let i = 0; i < 2; i++) {
    const dir = tempDir();
    dirs.push(dir);
    const config = testConfig(dir, {
      http: { port: await freePort() },
      sftp: { port: 0 },
      partners: [{ code: 'ABC123', name: 'Société Test', sftp: { password: PASSWORD } }],
    });
    config.databaseUrl = PG_URL;
    configs.push(config);
    await startNode(i); // the second start finds the migrations done
  }
}, 120000);

afterAll(async () => {
  for (const d of daemons) await d?.stop();
  if (postgres) {
    await dropSchema(schema);
    for (const dir of dirs) cleanup(dir);
  }
});

it('a session opened on one daemon is valid on the other, and signing out on one ends it on both', async () => {
  const [a, b] = daemons as [Daemon, Daemon];
  const session = await signIn(a);
  expect(session).toMatch(/^passerelle_portail=[A-Za-z0-9_-]{43}$/);
  const onB = await request(b, '/portail/deposer', session);
  expect(onB.status).toBe(200);
  const page = await onB.text();
  expect(page).toContain('Société Test');
  // The CSRF token is the session's, the same on both daemons: signing out through B is accepted.
  const token = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
  expect((await request(b, '/portail', session)).headers.get('location')).toBe('/portail/deposer');
  const out = await request(b, '/portail/deconnexion', session, new URLSearchParams({ _csrf: token }));
  expect(out.status).toBe(303);
  const onA = await request(a, '/portail/deposer', session);
  expect(onA.status).toBe(303);
  expect(onA.headers.get('location')).toBe('/portail');
}, 60000);

it('a restart keeps the sessions', async () => {
  const session = await signIn(daemons[0]!);
  await daemons[0]!.stop();
  const restarted = await startNode(0);
  const res = await request(restarted, '/portail/flux', session);
  expect(res.status).toBe(200);
  expect(await res.text()).toContain('ABC123');
}, 60000);
