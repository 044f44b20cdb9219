/**
 * The account journey over plain HTTP on the embedded database (PGlite, as the demo runs), mails in the
 * outbox folder: sign-up, activation from the .eml, account lock after 5 failures, forged forms, session
 * expiry in the database, a raccordement refused through the admin API.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { insertFlow } from '../src/store/flows.ts';
import { cleanup, freePort, startDaemon, tempDir, testConfig } from './helpers/env.ts';

const NUMBERS = ['zéro', 'un', 'deux', 'trois', 'quatre', 'cinq', 'six', 'sept', 'huit', 'neuf'];
const PASSWORD = 'Qualification-2026-été';

/** One browser: its cookies, no redirects followed. */
class Client {
  readonly cookies = new Map<string, string>();
  readonly base: string;
  constructor(base: string) {
    this.base = base;
  }
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(this.base + url, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const value = pair!.slice(eq + 1);
      if (value) this.cookies.set(pair!.slice(0, eq), value);
      else this.cookies.delete(pair!.slice(0, eq));
    }
    return res;
  }
  async page(url: string): Promise<string> {
    return (await this.fetch(url)).text();
  }
  post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return this.fetch(url, { method: 'POST', body: new URLSearchParams(form), headers });
  }
}
const token = (body: string): string => /name="_csrf" value="([^"]+)"/.exec(body)![1]!;

describe('portal accounts over HTTP (PGlite, outbox)', () => {
  let dataDir: string;
  let handle: Awaited<ReturnType<typeof startDaemon>>;
  let base: string;

  beforeAll(async () => {
    dataDir = tempDir('passerelle-accounts-');
    const config = testConfig(dataDir, { http: { port: await freePort() } });
    handle = await startDaemon('pglite', config);
    base = `http://127.0.0.1:${handle.daemon.info!.httpPort}`;
  }, 120000);
  afterAll(async () => {
    await handle?.stop();
    cleanup(dataDir);
  });

  const outbox = () => path.join(dataDir, 'mail', 'outbox');
  const lastMail = (kind: string): string => {
    const name = readdirSync(outbox())
      .filter((n) => n.includes(`-${kind}-`))
      .sort()
      .at(-1)!;
    return readFileSync(path.join(outbox(), name), 'utf8')
      .replace(/=\r?\n/g, '')
      .replace(/=3D/g, '=');
  };

  async function signUp(c: Client, email: string, answer?: string): Promise<Response> {
    const form = await c.page('/portail/inscription');
    const [, a, b] = /Combien font (\S+) plus (\S+) \?/.exec(form)!;
    return c.post('/portail/inscription', {
      _csrf: token(form),
      email,
      email2: email,
      nom: 'Lefèvre',
      prenom: 'Sam',
      defi: /name="defi" value="([^"]+)"/.exec(form)![1]!,
      reponseDefi: answer ?? String(NUMBERS.indexOf(a!) + NUMBERS.indexOf(b!)),
    });
  }

  async function activate(c: Client, email: string): Promise<void> {
    const link = new RegExp(`${base}/portail/activation\\?jeton=[A-Za-z0-9_-]+`).exec(lastMail('activation'))![0];
    expect(lastMail('activation')).toContain(`To: ${email}`);
    const form = await c.page(link.slice(base.length));
    const res = await c.post('/portail/activation', {
      _csrf: token(form),
      jeton: /name="jeton" value="([^"]+)"/.exec(form)![1]!,
      motDePasse: PASSWORD,
      confirmation: PASSWORD,
      question: 'Couleur préférée ?',
      reponse: 'Vert',
    });
    expect(res.status).toBe(303);
  }

  it('signs up with the outbox, refuses robots and forged forms, locks after 5 failures', async () => {
    const c = new Client(base);
    const robot = await signUp(c, 'robot@example.test', '99');
    expect(robot.status).toBe(400);
    expect(await robot.text()).toContain('anti-robot');
    // A form posted without the browser's form cookie (another site, or a replay) is refused.
    const bare = new Client(base);
    const forged = await bare.post('/portail/inscription', { _csrf: 'x', email: 'a@b.test' });
    expect(forged.status).toBe(403);
    // Another site's origin is refused even with a valid token.
    const page = await c.page('/portail/compte/connexion');
    const cross = await c.post(
      '/portail/compte/connexion',
      { _csrf: token(page), identifiant: 'x@y.test', motDePasse: 'x' },
      { origin: 'https://evil.example' },
    );
    expect(cross.status).toBe(403);

    const ok = await signUp(c, 'sam@example.test');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('720 heures');
    await activate(c, 'sam@example.test');

    const login = async (password: string) => {
      const form = await c.page('/portail/compte/connexion');
      // `Origin: null` is what a browser sends under a strict referrer policy: the token decides.
      return c.post(
        '/portail/compte/connexion',
        { _csrf: token(form), identifiant: 'SAM@example.test', motDePasse: password },
        { origin: 'null' },
      );
    };
    const good = await login(PASSWORD);
    expect(good.status).toBe(303);
    expect(good.headers.get('location')).toBe('/portail/accueil');
    expect(good.headers.getSetCookie().join()).toMatch(
      /passerelle_compte=[A-Za-z0-9_-]{43}; Path=\/portail; HttpOnly; SameSite=Lax/,
    );
    expect(await c.page('/portail/accueil')).toContain('Bienvenue, Sam Lefèvre');
    // The portal's home sends an account session to Accueil, not to the partner sign-in.
    const home = await c.fetch('/portail');
    expect(home.status).toBe(303);
    expect(home.headers.get('location')).toBe('/portail/accueil');

    // Sessions live in the database: expiring the row signs the browser out.
    await handle.daemon.store.db.query("UPDATE portal_sessions SET last_seen = now() - interval '31 minutes'");
    const expired = await c.fetch('/portail/accueil');
    expect(expired.status).toBe(303);
    expect(expired.headers.get('location')).toBe('/portail/compte/connexion');
    // Signed out, the home shows both sign-ins, the account's first.
    const signedOut = await c.page('/portail');
    expect(signedOut.indexOf('/portail/compte/connexion')).toBeGreaterThan(-1);
    expect(signedOut.indexOf('/portail/compte/connexion')).toBeLessThan(signedOut.indexOf('name="partenaire"'));

    for (let i = 0; i < 5; i++) expect((await login('Mauvais-mot-2026')).status).toBe(401);
    const locked = await login(PASSWORD);
    expect(locked.status).toBe(423);
    expect(await locked.text()).toContain('verrouillé');
    const stored = await handle.daemon.store.db.query<{ password_hash: string; secret_answer_hash: string }>(
      "SELECT password_hash, secret_answer_hash FROM portal_accounts WHERE login_email = 'sam@example.test'",
    );
    expect(stored.rows[0]!.password_hash).toMatch(/^\$scrypt\$/);
    expect(stored.rows[0]!.secret_answer_hash).toMatch(/^\$scrypt\$/);
    expect(readdirSync(outbox()).some((n) => n.endsWith('.eml'))).toBe(true);
  }, 120000);

  it('raccordements refused and approved (API) through the admin API; the API twin opens; Suivi des flux search and pages', async () => {
    const c = new Client(base);
    await signUp(c, 'alix@example.test');
    await activate(c, 'alix@example.test');
    let form = await c.page('/portail/compte/connexion');
    await c.post('/portail/compte/connexion', {
      _csrf: token(form),
      identifiant: 'alix@example.test',
      motDePasse: PASSWORD,
    });
    form = await c.page('/portail/mon-compte');
    expect((await c.post('/portail/mon-compte/matelas/create', { _csrf: token(form) })).status).toBe(303);
    for (let i = 0; i < 200 && !(await c.page('/portail/mon-compte')).includes('id="matelas-etat">Terminé'); i++)
      await new Promise((r) => setTimeout(r, 250));
    const account = await c.page('/portail/mon-compte');
    const partner = account.match(/<code>(U\d{7})<\/code>/)![1]!;
    // The CSV is named after the account's identifier, as the platform names it, not the partner code.
    const accountId = /id="identifiant-compte"><code>(\d+)<\/code>/.exec(account)![1]!;
    const csvName = new RegExp(`Rapport_${accountId}_CREATION_\\d{12}\\.csv`).exec(account)?.[0];
    expect(csvName).toBeDefined();
    const csv = await c.fetch(`/portail/mon-compte/matelas/fichier/${csvName}`);
    expect(csv.status).toBe(200);
    expect((await csv.text()).split('\n')[0]).toBe('Entite;Libelle;Valeur');
    const gp = await handle.daemon.store.db.query<{ login: string; password: string }>(
      `SELECT u.login, u.password FROM directory_users u JOIN directory_structures s ON s.id = u.structure_id
       WHERE s.partner = $1 AND u.role = 'GP' ORDER BY u.id LIMIT 1`,
      [partner],
    );
    const user = new Client(base);
    form = await user.page('/portail/compte/connexion');
    await user.post('/portail/compte/connexion', {
      _csrf: token(form),
      identifiant: gp.rows[0]!.login,
      motDePasse: gp.rows[0]!.password,
    });
    // Without the space, Suivi des flux is closed to a test user.
    expect((await user.fetch('/portail/espace/suivi')).status).toBe(403);
    form = await user.page('/portail/espaces');
    await user.post('/portail/espaces', { _csrf: token(form), 'espace-raccordement': 'oui' });
    form = await user.page('/portail/raccordement');
    const weak = await user.post('/portail/raccordement', {
      _csrf: token(form),
      mode: 'API',
      contactNom: 'Tech',
      contactEmail: 'tech.api@example.test',
      motDePasse: 'court',
    });
    expect(weak.status).toBe(400);
    const sent = await user.post('/portail/raccordement', {
      _csrf: token(form),
      mode: 'API',
      contactNom: 'Tech',
      contactEmail: 'tech.api@example.test',
      motDePasse: 'Api-Qualif-2026!',
    });
    expect(sent.status).toBe(200);
    const id = /Demande n° (\d+) envoyée/.exec(await sent.text())![1]!;
    const info = handle.daemon.info!;
    const admin = (route: string, body?: unknown) =>
      fetch(`${base}/admin${route}`, {
        method: body ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${info.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    const listed = (await (await admin('/raccordements?state=DEMANDEE')).json()) as Array<Record<string, unknown>>;
    expect(listed.find((r) => String(r.id) === id)).toMatchObject({ mode: 'API', credential: 'password', partner });
    expect(JSON.stringify(listed)).not.toContain('scrypt');
    const refused = await admin(`/raccordements/${id}/refuse`, { comment: 'SIRET de test inconnu' });
    expect(await refused.json()).toMatchObject({ state: 'REFUSEE', decisionComment: 'SIRET de test inconnu' });
    expect((await admin(`/raccordements/${id}/approve`, {})).status).toBe(409);
    expect(lastMail('raccordement-refuse')).toContain('tech.api@example.test');
    const page = await user.page('/portail/raccordement');
    expect(page).toContain('Refusée');
    expect(page).toContain('SIRET de test inconnu');
    // The partner stays closed.
    const p = await handle.daemon.accounts().getPartner(partner);
    expect(p?.active).toBe(false);
    const before = await fetch(`${base}/cpro/factures/v1/deposer/flux`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'cpro-account': Buffer.from(`${partner}:Api-Qualif-2026!`).toString('base64'),
      },
      body: JSON.stringify({ syntaxeFlux: 'IN_DP_E1_UBL_INVOICE', nomFichier: 'a.xml', fichierFlux: 'PGEvPg==' }),
    });
    expect(before.status).toBe(401);

    // A second request, API, approved: the partner opens with AIFEStatut and the password of the request.
    form = await user.page('/portail/raccordement');
    const again = await user.post('/portail/raccordement', {
      _csrf: token(form),
      mode: 'API',
      contactNom: 'Tech',
      contactEmail: 'tech.api@example.test',
      motDePasse: 'Api-Qualif-2026!',
    });
    const id2 = /Demande n° (\d+) envoyée/.exec(await again.text())![1]!;
    const approved = await admin(`/raccordements/${id2}/approve`, { returnSyntax: 'AIFEStatut' });
    expect(await approved.json()).toMatchObject({ state: 'VALIDEE', partner });
    const mail = lastMail('raccordement-valide');
    expect(mail).toContain(`Identifiant : ${partner}`);
    expect(mail).toContain('/cpro/factures/v1/deposer/flux');
    expect(await user.page('/portail/raccordement')).toContain('Validée');
    const opened = await handle.daemon.accounts().getPartner(partner);
    expect(opened).toMatchObject({ active: true, returnSyntax: 'AIFEStatut' });
    const deposit = await fetch(`${base}/cpro/factures/v1/deposer/flux`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'cpro-account': Buffer.from(`${partner}:Api-Qualif-2026!`).toString('base64'),
      },
      body: JSON.stringify({
        syntaxeFlux: 'IN_DP_E1_UBL_INVOICE',
        nomFichier: 'api.xml',
        fichierFlux: Buffer.from('<Invoice/>').toString('base64'),
      }),
    });
    expect(deposit.status).toBe(200);
    expect(((await deposit.json()) as { numeroFluxDepot: string }).numeroFluxDepot).toMatch(/^CPP0011100\d{15}$/);

    // Suivi des flux: 25 flows of the account (24 here + the API deposit), 20 a page, searchable; the test user needs the space.
    for (let i = 1; i <= 24; i++)
      await insertFlow(handle.daemon.store.db, {
        box: 'depot',
        partner,
        originalName: `facture-${String(i).padStart(2, '0')}.xml`,
        size: 10,
        sha256: `${i}`.padStart(64, '0'),
        bytes: null,
        signature: null,
        spoolKey: `test-${partner}-${i}`,
        transport: 'http',
        declaredInterface: 'FSO1100A',
        declaredSigned: false,
        numberInterface: '1100',
      });
    form = await user.page('/portail/espaces');
    await user.post('/portail/espaces', { _csrf: token(form), 'espace-suivi': 'oui' });
    const first = await user.page('/portail/espace/suivi');
    expect(first).toContain('25 flux — page 1 / 2');
    expect(first.match(/<tr>\s*<td>/g)).toHaveLength(20);
    expect(first).toContain('rel="next"');
    const second = await user.page('/portail/espace/suivi?page=2');
    expect(second.match(/<tr>\s*<td>/g)).toHaveLength(5);
    expect(second).toContain('facture-01.xml');
    expect(await user.page('/portail/espace/suivi?fichier=facture-2')).toContain('5 flux');
    expect(await user.page('/portail/espace/suivi?type=cdv')).toContain('0 flux');
    expect(await user.page('/portail/espace/suivi?du=2999-01-01')).toContain('0 flux');
    const today = new Date().toLocaleDateString('sv-SE', { timeZone: 'Europe/Paris' });
    expect(await user.page(`/portail/espace/suivi?du=${today}&au=${today}&etat=IN_RECU&fichier=facture`)).toContain(
      '24 flux',
    );
    // Déposer un flux: a forged form (no token) writes nothing; a code of another type is refused.
    const forgedDeposit = new FormData();
    forgedDeposit.append('fichier', new Blob(['<Invoice/>']), 'forge.xml');
    const forged = await user.fetch('/portail/espace/deposer?box=depot', { method: 'POST', body: forgedDeposit });
    expect(forged.status).toBe(403);
    expect(readdirSync(path.join(dataDir, 'tmp')).filter((n) => n.startsWith('.portail-'))).toEqual([]);
    const depositForm = await user.page('/portail/espace/deposer');
    const siret = /<option value="(\d{14})"/.exec(depositForm)![1]!;
    const mismatched = new FormData();
    for (const [k, v] of Object.entries({
      _csrf: token(depositForm),
      emetteur: siret,
      type: 'cdv',
      codeInterface: 'FSO1100A',
      signe: 'non',
      syntaxeRetour: 'CPPStatut',
    }))
      mismatched.append(k, v);
    mismatched.append('fichier', new Blob(['<Invoice/>']), 'a.xml');
    const refusedDeposit = await user.fetch('/portail/espace/deposer?box=depot', { method: 'POST', body: mismatched });
    expect(refusedDeposit.status).toBe(400);
    expect(await refusedDeposit.text()).toContain('ne correspond pas au type de flux');

    // The émetteur chosen at deposit is checked against the invoice's supplier (BT-30): another structure
    // of the matelas is refused by routing (CPP-EMETTEUR-DIFFERENT, 93), the supplier itself is integrated (90).
    const kitDir = path.join(dataDir, 'kit');
    const kit = await handle.daemon.platform.samples(partner, kitDir);
    const invoice = kit.invoices.find((i) => i.expected === 'integree' && i.fileName.endsWith('.xml'))!;
    const xml = readFileSync(path.join(kitDir, invoice.fileName), 'utf8');
    const supplier = /schemeID="0009">(\d{14})</.exec(xml)![1]!;
    const other = [...depositForm.matchAll(/<option value="(\d{14})"/g)].map((m) => m[1]!).find((x) => x !== supplier)!;
    expect(other).toBeDefined();
    const depositAs = async (emetteur: string): Promise<string> => {
      const page = await user.page('/portail/espace/deposer');
      const body = new FormData();
      for (const [k, v] of Object.entries({
        _csrf: token(page),
        emetteur,
        type: 'facture',
        codeInterface: '',
        signe: 'non',
        syntaxeRetour: 'CPPStatut',
      }))
        body.append(k, v);
      body.append('fichier', new Blob([xml]), invoice.fileName);
      const res = await user.fetch('/portail/espace/deposer?box=depot', { method: 'POST', body });
      expect(res.status).toBe(303);
      const url = res.headers.get('location')!;
      for (let i = 0; i < 240; i++) {
        const flow = await user.page(url);
        if (/<dd class="statut"><code>9\d<\/code>/.test(flow)) return flow;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`flow ${url} not final`);
    };
    const wrong = await depositAs(other);
    expect(wrong).toContain('<code>93</code>');
    expect(wrong).toContain('CPP-EMETTEUR-DIFFERENT');
    expect(wrong).toMatch(/Fournisseur différent de l(&#39;|&#x27;|')émetteur choisi au dépôt/);
    expect(wrong).toContain(`émetteur choisi au dépôt ${other}`);
    const right = await depositAs(supplier);
    expect(right).toContain('<code>90</code>');
    expect(right).not.toContain('CPP-EMETTEUR-DIFFERENT');

    // The account owner (another browser) sees the same flows; nobody else does.
    expect(await c.page('/portail/espace/suivi')).toContain('27 flux');
    const stranger = new Client(base);
    await signUp(stranger, 'autre@example.test');
    await activate(stranger, 'autre@example.test');
    form = await stranger.page('/portail/compte/connexion');
    await stranger.post('/portail/compte/connexion', {
      _csrf: token(form),
      identifiant: 'autre@example.test',
      motDePasse: PASSWORD,
    });
    expect(await stranger.page('/portail/espace/suivi')).toContain('0 flux');
  }, 180000);
});
