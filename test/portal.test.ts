/**
 * The web portal against a real daemon: sign-in, CSRF, a corpus invoice deposited through the form and
 * followed to IN_INTEGRE / 90, a broken file analysed, isolation between partners, escaping, limits.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { PortalSessions } from '../src/gateway/http/portal.ts';
import { sha256 } from '../src/store/accounts.ts';
import type { DbKind } from './helpers/env.ts';
import { cleanup, CORPUS, freePort, postgresAvailable, startDaemon, tempDir, testConfig } from './helpers/env.ts';

const PASSWORD = 'Qualif-Test-2026!';
const VALID = path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example1.xml');
const BROKEN = path.join(CORPUS, 'invalid/cii/mustang-invalidV2Root.xml');
const MAX_KO = 64;

/** A browser in miniature: a cookie jar, the Origin a browser sends on its own forms, no redirects followed. */
class Browser {
  readonly jar = new Map<string, string>();
  readonly base: string;
  constructor(base: string) {
    this.base = base;
  }
  /** The session cookie (`name=value`), '' when signed out. */
  get cookie(): string {
    const v = this.jar.get('passerelle_portail');
    return v ? `passerelle_portail=${v}` : '';
  }
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.jar.size) headers.set('cookie', [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '));
    if (init.method === 'POST' && !headers.has('origin')) headers.set('origin', this.base);
    const res = await fetch(this.base + url, { ...init, headers, redirect: 'manual' });
    for (const set of res.headers.getSetCookie()) {
      const [pair] = set.split(';');
      const eq = pair!.indexOf('=');
      const [k, v] = [pair!.slice(0, eq), pair!.slice(eq + 1)];
      if (v) this.jar.set(k, v);
      else this.jar.delete(k);
    }
    return res;
  }
  async text(url: string): Promise<{ status: number; body: string }> {
    const res = await this.fetch(url);
    return { status: res.status, body: await res.text() };
  }
  async login(code: string, password: string): Promise<Response> {
    const page = await this.text('/portail');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    return this.fetch('/portail/connexion', {
      method: 'POST',
      body: new URLSearchParams({ _csrf: token, partenaire: code, motDePasse: password }),
    });
  }
  async csrf(): Promise<string> {
    const { body } = await this.text('/portail/deposer');
    const m = /name="_csrf" value="([^"]+)"/.exec(body);
    if (!m) throw new Error(`no CSRF token in the deposit page: ${body.slice(0, 300)}`);
    return m[1]!;
  }
  async deposit(
    box: 'depot' | 'analyse',
    file: { bytes: Buffer; name: string },
    opts: { csrf?: string | null; syntaxeFlux?: string; signe?: string } = {},
  ): Promise<Response> {
    const form = new FormData();
    const token = opts.csrf === undefined ? await this.csrf() : opts.csrf;
    if (token !== null) form.append('_csrf', token);
    form.append('syntaxeFlux', opts.syntaxeFlux ?? '');
    form.append('signe', opts.signe ?? 'non');
    form.append('fichier', new Blob([new Uint8Array(file.bytes)]), file.name);
    return this.fetch(`/portail/deposer?box=${box}`, { method: 'POST', body: form });
  }
  /** Follows a flow page until its state is final (no more meta refresh). */
  async waitFinal(flowUrl: string, timeoutMs = 60000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { status, body } = await this.text(flowUrl);
      expect(status).toBe(200);
      if (!body.includes('http-equiv="refresh"')) return body;
      if (Date.now() > deadline) throw new Error(`flow ${flowUrl} not final: ${body.slice(0, 500)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const kind: DbKind = (await postgresAvailable()) ? 'postgres' : 'pglite';

describe(`web portal (${kind})`, () => {
  let dataDir: string;
  let handle: Awaited<ReturnType<typeof startDaemon>>;
  let base: string;

  beforeAll(async () => {
    dataDir = tempDir();
    const config = testConfig(dataDir, {
      http: { port: await freePort() },
      maxFlowSizeKo: MAX_KO,
      sftp: { port: 0, banAfterFailures: 6 },
      partners: [
        { code: 'ABC123', name: 'Société Test', sftp: { password: PASSWORD } },
        { code: 'XYZ789', name: 'Autre Société', sftp: { password: PASSWORD } },
      ],
    });
    handle = await startDaemon(kind, config);
    base = `http://127.0.0.1:${handle.daemon.info!.httpPort}`;
  }, 120000);

  afterAll(async () => {
    await handle?.stop();
    cleanup(dataDir);
  });

  it('signs in with the partner code and password, with a hardened session cookie', async () => {
    const b = new Browser(base);
    expect((await b.text('/portail')).body).toContain('name="motDePasse"');
    const res = await b.login('ABC123', PASSWORD);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/portail/deposer');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await b.text('/portail/deposer');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Le flux est-il signé ?');
    expect(page.body).toContain('Détection automatique');
    expect(page.body).toContain('IN_DP_E1_UBL_INVOICE');
    expect(page.body).toContain('ABC123');
  });

  it('keeps sessions in the database: 30 minutes idle, 8 hours in any case; ids and tokens unguessable', async () => {
    const db = handle.daemon.store.db;
    const sessions = new PortalSessions(() => db);
    const a = await sessions.create('ABC123');
    const b = await sessions.create('ABC123');
    expect(a.sid).not.toBe(b.sid);
    expect(a.sid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.session.csrf).not.toBe(b.session.csrf);
    // Only the SHA-256 of the id is stored.
    const stored = await db.query<{ id_hash: string }>(
      "SELECT id_hash FROM portal_sessions WHERE partner_code = 'ABC123'",
    );
    expect(stored.rows.map((r) => r.id_hash)).not.toContain(a.sid);
    const age = (sid: string, lastSeen: string, created: string) =>
      db.query(
        `UPDATE portal_sessions SET last_seen = now() - $2::interval, created_at = now() - $3::interval
         WHERE id_hash = $1`,
        [sha256(sid), lastSeen, created],
      );
    await age(a.sid, '29 minutes', '29 minutes');
    await age(b.sid, '31 minutes', '31 minutes');
    expect((await sessions.get(a.sid))?.partner).toBe('ABC123'); // and its idle timer restarts
    expect(await sessions.get(b.sid)).toBeUndefined();
    // Kept alive by requests, it still ends 8 hours after sign-in.
    await age(a.sid, '1 minute', '7 hours 59 minutes');
    expect(await sessions.get(a.sid)).toBeDefined();
    await age(a.sid, '1 minute', '8 hours 1 minute');
    expect(await sessions.get(a.sid)).toBeUndefined();
    // A partner session is not an account session, and the reverse.
    const c = await sessions.create('ABC123');
    expect(await sessions.isAccountSession(c.sid)).toBe(false);
    await sessions.delete(c.sid);
    expect(await sessions.get(c.sid)).toBeUndefined();
    // Expired rows are removed by the periodic prune.
    await age(b.sid, '31 minutes', '31 minutes');
    const rows = async () =>
      (await db.query('SELECT 1 FROM portal_sessions WHERE id_hash = ANY($1)', [[sha256(a.sid), sha256(b.sid)]])).rows
        .length;
    expect(await rows()).toBe(2);
    await sessions.prune();
    expect(await rows()).toBe(0);
  });

  it('refuses a wrong password and an unknown partner, and lets no one in without a session', async () => {
    const b = new Browser(base);
    const wrong = await b.login('ABC123', 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Code partenaire ou mot de passe incorrect');
    expect(wrong.headers.getSetCookie().filter((c) => c.startsWith('passerelle_portail='))).toEqual([]);
    expect((await b.login('NOPE99', PASSWORD)).status).toBe(401);
    const anon = await b.fetch('/portail/flux');
    expect(anon.status).toBe(303);
    expect(anon.headers.get('location')).toBe('/portail');
    // A forged cookie is no session either.
    b.jar.set('passerelle_portail', 'forged');
    expect((await b.fetch('/portail/deposer')).status).toBe(303);
  });

  it('refuses a POST without the CSRF token, or with another session’s token', async () => {
    const b = new Browser(base);
    await b.login('ABC123', PASSWORD);
    const bytes = readFileSync(VALID);
    const none = await b.deposit('depot', { bytes, name: 'sans-jeton.xml' }, { csrf: null });
    expect(none.status).toBe(403);
    expect(await none.text()).toContain('CSRF');
    const other = new Browser(base);
    await other.login('ABC123', PASSWORD);
    const foreign = await b.deposit('depot', { bytes, name: 'autre-jeton.xml' }, { csrf: await other.csrf() });
    expect(foreign.status).toBe(403);
    const logout = await b.fetch('/portail/deconnexion', { method: 'POST', body: new URLSearchParams({}) });
    expect(logout.status).toBe(403);
    // Nothing was recorded for the refused deposits.
    const list = await b.text('/portail/flux');
    expect(list.body).not.toContain('sans-jeton.xml');
    expect(list.body).not.toContain('autre-jeton.xml');
  });

  it('deposits a corpus invoice that reaches IN_INTEGRE with status 90, and serves its compte-rendu', async () => {
    const b = new Browser(base);
    await b.login('ABC123', PASSWORD);
    const res = await b.deposit(
      'depot',
      { bytes: readFileSync(VALID), name: 'cen-ubl-tc434-example1.xml' },
      { syntaxeFlux: 'IN_DP_E1_UBL_INVOICE' },
    );
    expect(res.status).toBe(303);
    const flowUrl = res.headers.get('location')!;
    expect(flowUrl).toMatch(/^\/portail\/flux\/\d+$/);
    const page = await b.waitFinal(flowUrl);
    expect(page).toContain('IN_INTEGRE');
    expect(page).toMatch(/Code statut<\/dt>\s*<dd><code>90<\/code>/);
    expect(page).toMatch(/Flux <code>CPP0011100\d{15}<\/code>/);
    expect(page).toContain('Schéma (XSD)');
    expect(page).not.toContain('<tr class="fatal">');
    const link = /href="(\/portail\/flux\/\d+\/compte-rendu\/\d+)"/.exec(page)?.[1];
    expect(link).toBeDefined();
    const cr = await b.fetch(link!);
    expect(cr.status).toBe(200);
    expect(cr.headers.get('content-disposition')).toMatch(/^attachment; filename="[A-Za-z0-9._-]+"$/);
    const xml = await cr.text();
    expect(xml).toContain('CPPStatut');
    expect(xml).toContain('cen-ubl-tc434-example1.xml');
    const list = await b.text('/portail/flux');
    expect(list.body).toContain('cen-ubl-tc434-example1.xml');
    expect(list.body).toContain(`href="${flowUrl}"`);
  }, 90000);

  it('analyses a broken file and shows its FORMAT finding, without a flow number', async () => {
    const b = new Browser(base);
    await b.login('ABC123', PASSWORD);
    const res = await b.deposit('analyse', { bytes: readFileSync(BROKEN), name: 'mustang-invalidV2Root.xml' });
    expect(res.status).toBe(303);
    const page = await b.waitFinal(res.headers.get('location')!);
    expect(page).toMatch(/Analyse <code>ANALYSE-\d+<\/code>/);
    expect(page).toContain('IN_REJETE');
    const rows = [
      ...page.matchAll(/<tr class="fatal">\s*<td>[^<]*<\/td>\s*<td>([A-Z]+)<\/td>\s*<td><code>([^<]+)<\/code>/g),
    ];
    expect(rows.map((r) => r[1])).toContain('FORMAT');
    expect(rows.find((r) => r[1] === 'FORMAT')![2]).toMatch(/^FMT-/);
  }, 90000);

  it('hides a partner’s flow and compte-rendu from another partner', async () => {
    const owner = new Browser(base);
    await owner.login('ABC123', PASSWORD);
    const res = await owner.deposit('depot', { bytes: readFileSync(BROKEN), name: 'prive-abc.xml' });
    const flowUrl = res.headers.get('location')!;
    const page = await owner.waitFinal(flowUrl);
    const link = /href="(\/portail\/flux\/\d+\/compte-rendu\/\d+)"/.exec(page)![1]!;
    const intruder = new Browser(base);
    await intruder.login('XYZ789', PASSWORD);
    expect((await intruder.text(flowUrl)).status).toBe(404);
    expect((await intruder.fetch(link)).status).toBe(404);
    expect((await intruder.text('/portail/flux')).body).not.toContain('prive-abc.xml');
  }, 90000);

  it('escapes an attacker-controlled file name everywhere it is shown', async () => {
    const b = new Browser(base);
    await b.login('ABC123', PASSWORD);
    // No slash (a path separator, cut off) and no double quote (the client percent-encodes it).
    const evil = "<img src=x onerror=alert(1)><script>alert('x')<script>.xml";
    const res = await b.deposit('analyse', { bytes: readFileSync(BROKEN), name: evil });
    expect(res.status).toBe(303);
    const page = await b.waitFinal(res.headers.get('location')!);
    const list = (await b.text('/portail/flux')).body;
    for (const body of [page, list]) {
      expect(body).not.toContain('<script>');
      expect(body).not.toContain('<img');
      expect(body).toContain('&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;script&gt;.xml');
    }
    const head = await b.fetch('/portail/flux');
    expect(head.headers.get('content-security-policy')).toContain("default-src 'none'");
  }, 90000);

  it('accepts a file of exactly maxFlowSizeKo, refuses one byte more, and leaves no temp file', async () => {
    const b = new Browser(base);
    await b.login('ABC123', PASSWORD);
    const limit = MAX_KO * 1024;
    const atLimit = await b.deposit('analyse', { bytes: Buffer.alloc(limit, 0x20), name: 'a-la-limite.xml' });
    expect(atLimit.status).toBe(303);
    for (const size of [limit + 1, 8 * 1024 * 1024]) {
      const res = await b.deposit('depot', { bytes: Buffer.alloc(size, 0x20), name: `trop-gros-${size}.xml` });
      expect(res.status).toBe(413);
      expect(await res.text()).toContain('GDP_MSG_11.022');
    }
    const list = (await b.text('/portail/flux')).body;
    expect(list).toContain('a-la-limite.xml');
    expect(list).not.toContain('trop-gros');
    expect(readdirSync(path.join(dataDir, 'tmp')).filter((n) => n.startsWith('.portail-'))).toEqual([]);
  });

  it('signs out, and bans an address after repeated refused sign-ins', async () => {
    const b = new Browser(base);
    await b.login('ABC123', PASSWORD);
    const token = await b.csrf();
    const out = await b.fetch('/portail/deconnexion', { method: 'POST', body: new URLSearchParams({ _csrf: token }) });
    expect(out.status).toBe(303);
    expect(b.cookie).toBe('');
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await b.login('ABC123', 'wrong-password')).status);
    expect(statuses.slice(0, 6)).toEqual([401, 401, 401, 401, 401, 401]);
    expect(statuses[6]).toBe(429);
    // Even the right password is refused while the address is banned.
    expect((await b.login('ABC123', PASSWORD)).status).toBe(429);
  }, 60000);
});
