/**
 * The account journey clicked through in headless Chromium on a running daemon, mails received over
 * real SMTP: sign-up → activation mail → weak then strong password → sign-in → matelas Créer → Terminé
 * → CSV downloaded → sign-in as the matelas' gestionnaire principal; password reset with the secret
 * question; denials (wrong password, expired and used links, forged form, another account's file).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { DbKind } from './helpers/env.ts';
import { cleanup, freePort, postgresAvailable, startDaemon, tempDir, testConfig } from './helpers/env.ts';
import { MailCatcher, chromiumAvailable, launchChromium, linkIn, screenshotter } from './helpers/browser.ts';

const STRONG = 'Qualification-2026-été';
const NEWER = 'Autre-Mot2Passe-Sûr';
const NUMBERS = ['zéro', 'un', 'deux', 'trois', 'quatre', 'cinq', 'six', 'sept', 'huit', 'neuf'];

const run = chromiumAvailable() ? describe : describe.skip;

run('portal accounts in Chromium', () => {
  let dataDir: string;
  let handle: Awaited<ReturnType<typeof startDaemon>>;
  let smtp: MailCatcher;
  let browser: Browser;
  let base: string;
  let shot: (page: Page, name: string) => Promise<void>;
  const kind: DbKind = 'postgres';
  let usable = true;

  beforeAll(async () => {
    usable = await postgresAvailable();
    if (!usable) return;
    dataDir = tempDir('passerelle-browser-');
    shot = screenshotter(dataDir);
    smtp = new MailCatcher();
    const smtpPort = await smtp.start();
    const httpPort = await freePort();
    base = `http://127.0.0.1:${httpPort}`;
    const config = testConfig(dataDir, {
      http: { port: httpPort },
      mail: {
        host: '127.0.0.1',
        port: smtpPort,
        tls: 'none',
        from: 'Qualif <qualif@passerelle.test>',
        portalUrl: base,
      },
      platform: { matelasDelaySeconds: 1 },
    });
    handle = await startDaemon(kind, config);
    browser = await launchChromium();
  }, 120000);

  afterAll(async () => {
    await browser?.close();
    await handle?.stop();
    await smtp?.close();
    if (dataDir) cleanup(dataDir);
  });

  const newContext = (width = 1280): Promise<BrowserContext> =>
    browser.newContext({ viewport: { width, height: 900 }, acceptDownloads: true, locale: 'fr-FR' });

  /** Fills and sends "Créer votre compte", answering the anti-robot question as a person reads it. */
  async function signUp(page: Page, email: string, screenshot?: string): Promise<void> {
    await page.goto(`${base}/portail/inscription`);
    await page.fill('#email', email);
    await page.fill('#email2', email);
    await page.fill('#nom', 'Martin');
    await page.fill('#prenom', 'Camille');
    await page.fill('#telephone', '01 23 45 67 89');
    await page.fill('#adresse', '12 rue de la Paix');
    await page.fill('#codePostal', '75002');
    await page.fill('#ville', 'Paris');
    const question = await page.textContent('label[for=reponseDefi]');
    const m = /Combien font (\S+) plus (\S+) \?/.exec(question ?? '');
    expect(m).not.toBeNull();
    await page.fill('#reponseDefi', String(NUMBERS.indexOf(m![1]!) + NUMBERS.indexOf(m![2]!)));
    if (screenshot) await shot(page, screenshot);
    await page.click('button[type=submit].primary');
  }

  async function signIn(page: Page, login: string, password: string): Promise<void> {
    await page.goto(`${base}/portail/compte/connexion`);
    await page.fill('#identifiant', login);
    await page.fill('#motDePasse', password);
    await page.click('button[type=submit].primary');
  }

  it('sign-up, activation from the mailed link, sign-in, matelas, test user, reset, denials', async () => {
    if (!usable) return;
    const email = 'camille.martin@example.test';
    const ctx = await newContext();
    const page = await ctx.newPage();

    // 1. Créer votre compte → confirmation (720 h, no structure yet).
    await page.goto(`${base}/portail`);
    await page.click('text=Créer votre compte');
    expect(page.url()).toBe(`${base}/portail/inscription`);
    let before = smtp.mails.length;
    await signUp(page, email, '01-inscription');
    await expect(page.textContent('main')).resolves.toContain('valable 720 heures');
    await expect(page.textContent('main')).resolves.toContain('Aucune structure');
    await shot(page, '02-compte-cree');

    // 2. The activation mail over SMTP, from the configured sender.
    const activation = await smtp.next(email, before);
    expect(activation.from).toBe('qualif@passerelle.test');
    expect(activation.subject).toContain('Activation');
    const activationLink = linkIn(activation, `${base}/portail/activation?jeton=`);

    // 3. Activation: the live meter, a weak password refused, then a strong one.
    await page.goto(activationLink);
    await page.fill('#motDePasse', 'faible');
    await expect(page.textContent('#jauge')).resolves.toContain('règle non respectée');
    await page.fill('#confirmation', 'faible');
    await page.fill('#question', 'Nom de mon premier chat ?');
    await page.fill('#reponse', 'Minou');
    await shot(page, '03-activation-faible');
    await page.click('button[type=submit].primary');
    await expect(page.textContent('.alert')).resolves.toContain('au moins 12 caractères');
    await page.fill('#motDePasse', STRONG);
    await expect(page.textContent('#jauge')).resolves.toBe('Très satisfaisant');
    await page.fill('#confirmation', STRONG);
    await page.fill('#question', 'Nom de mon premier chat ?');
    await page.fill('#reponse', 'Minou');
    await shot(page, '04-activation-forte');
    await page.click('button[type=submit].primary');
    await expect(page.textContent('.notice')).resolves.toContain('Votre compte est activé');

    // The link works once.
    await page.goto(activationLink);
    await expect(page.textContent('.alert')).resolves.toContain('déjà été utilisé');

    // 4. Wrong password, then the right one → Accueil.
    await signIn(page, email, 'Pas-le-bon-mot-2026');
    await expect(page.textContent('.alert')).resolves.toContain('incorrect');
    await shot(page, '05-connexion-refusee');
    await signIn(page, email, STRONG);
    expect(page.url()).toBe(`${base}/portail/accueil`);
    await expect(page.textContent('main')).resolves.toContain('Pas de matelas');
    await shot(page, '06-accueil');

    // 5. Mon compte → matelas Créer → Création → Terminé → CSV downloaded.
    await page.click('nav >> text=Mon compte');
    await expect(page.isDisabled('#matelas-extend')).resolves.toBe(true);
    await expect(page.textContent('#matelas-etat')).resolves.toBe('Pas de matelas');
    before = smtp.mails.length;
    await page.click('#matelas-create');
    await expect(page.textContent('#matelas-etat')).resolves.toBe('Création');
    await expect(page.isDisabled('#matelas-create')).resolves.toBe(true);
    await shot(page, '07-matelas-creation');
    const ready = await smtp.next(email, before, 60000);
    expect(ready.subject).toContain('matelas');
    await page.goto(`${base}/portail/mon-compte`);
    await expect(page.textContent('#matelas-etat')).resolves.toBe('Terminé');
    await expect(page.isDisabled('#matelas-extend')).resolves.toBe(false);
    await shot(page, '08-matelas-termine');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#matelas a[download]')]);
    expect(download.suggestedFilename()).toMatch(/^Rapport_U\d{7}_CREATION_\d{12}\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\n')[0]).toBe('Entite;Libelle;Valeur');
    const rows = csv.split('\n').map((l) => l.split(';'));
    const gpLogin = rows.find((r) => r[1] === 'Login compte GP')![2]!.trim();
    const gpPassword = rows.find((r) => r[1] === 'Mot de passe Compte GP')![2]!.trim();

    // Contact address is editable.
    await page.fill('#contact', 'camille.contact@example.test');
    await page.click('text=Enregistrer');
    await expect(page.textContent('.notice')).resolves.toContain('enregistrée');

    // Home: the matelas change and the structures, and the public directory search.
    await page.goto(`${base}/portail/accueil`);
    await expect(page.textContent('main')).resolves.toContain('Terminé');
    await page.fill('#q', 'a');
    await page.click('form.search button');
    expect(await page.locator('table caption:has-text("Résultats") + thead + tbody tr').count()).toBeGreaterThan(0);
    await shot(page, '09-accueil-recherche');

    // 6. The gestionnaire principal of the matelas signs in and acts for its structure.
    await page.click('text=Se déconnecter');
    await signIn(page, gpLogin, gpPassword);
    expect(page.url()).toBe(`${base}/portail/accueil`);
    await expect(page.textContent('main')).resolves.toContain('gestionnaire principal');
    await shot(page, '10-accueil-gestionnaire');
    await page.click('text=Se déconnecter');

    // 7. Mot de passe oublié: mail, secret question (a wrong answer first), new password.
    await page.goto(`${base}/portail/compte/connexion`);
    await page.click('text=Mot de passe oublié ?');
    await page.fill('#email', email);
    before = smtp.mails.length;
    await page.click('button[type=submit].primary');
    const reset = await smtp.next(email, before);
    await page.goto(linkIn(reset, `${base}/portail/reinitialisation?jeton=`));
    await expect(page.textContent('main')).resolves.toContain('Nom de mon premier chat ?');
    await page.fill('#reponse', 'Félix');
    await page.click('button[type=submit].primary');
    await expect(page.textContent('.alert')).resolves.toContain('Réponse incorrecte');
    await page.fill('#reponse', '  minou ');
    await page.click('button[type=submit].primary');
    await page.fill('#motDePasse', NEWER);
    await page.fill('#confirmation', NEWER);
    await shot(page, '11-nouveau-mot-de-passe');
    await page.click('button[type=submit].primary');
    await expect(page.textContent('.notice')).resolves.toContain('mot de passe a été modifié');
    await signIn(page, email, STRONG);
    await expect(page.textContent('.alert')).resolves.toContain('incorrect');
    await signIn(page, email, NEWER);
    expect(page.url()).toBe(`${base}/portail/accueil`);
    const firstFile = download.suggestedFilename();
    await ctx.close();

    // 8. Another account: an expired activation link says so and offers a new mail; it cannot read
    //    the first account's matelas file. Phone width (390 px).
    const other = 'dominique.durand@example.test';
    const ctx2 = await newContext(390);
    const p2 = await ctx2.newPage();
    before = smtp.mails.length;
    await signUp(p2, other);
    const first = linkIn(await smtp.next(other, before), `${base}/portail/activation?jeton=`);
    await handle.daemon.store.db.query(
      `UPDATE portal_tokens SET expires_at = now() - interval '1 hour'
       WHERE account_id = (SELECT id FROM portal_accounts WHERE login_email = $1)`,
      [other],
    );
    await p2.goto(first);
    await expect(p2.textContent('.alert')).resolves.toContain('expiré');
    await shot(p2, '12-lien-expire-390');
    await p2.fill('#email', other);
    before = smtp.mails.length;
    await p2.click('button[type=submit].primary');
    await p2.goto(linkIn(await smtp.next(other, before), `${base}/portail/activation?jeton=`));
    await p2.fill('#motDePasse', STRONG);
    await p2.fill('#confirmation', STRONG);
    await p2.fill('#question', 'Ville natale ?');
    await p2.fill('#reponse', 'Lyon');
    await shot(p2, '13-activation-390');
    await p2.click('button[type=submit].primary');
    await signIn(p2, other, STRONG);
    await p2.goto(`${base}/portail/mon-compte`);
    await shot(p2, '14-mon-compte-390');
    // No horizontal scrolling at 390 px.
    expect(await p2.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    const denied = await p2.goto(`${base}/portail/mon-compte/matelas/fichier/${firstFile}`);
    expect(denied!.status()).toBe(404);

    // A forged form (no token) from the signed-in browser is refused.
    const forged = await p2.evaluate(async () => {
      const r = await fetch('/portail/mon-compte/matelas/create', { method: 'POST', body: new URLSearchParams({}) });
      return r.status;
    });
    expect(forged).toBe(403);
    await ctx2.close();

    // Headers: complete CSP (scripts from 'self' only), cookie flags.
    const res = await fetch(`${base}/portail/compte/connexion`);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    expect(path.basename(firstFile)).toBe(firstFile);
  }, 240000);
});
