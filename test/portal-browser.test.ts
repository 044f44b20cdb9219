/**
 * The account journey clicked through in headless Chromium on a running daemon, mails received over
 * real SMTP: sign-up → activation mail → weak then strong password → sign-in → matelas Créer → Terminé
 * → CSV downloaded → sign-in as the matelas' gestionnaire principal; password reset with the secret
 * question; denials (wrong password, expired and used links, forged form, another account's file).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { DbKind } from './helpers/env.ts';
import { cleanup, freePort, postgresRequired, startDaemon, tempDir, testConfig } from './helpers/env.ts';
import { MailCatcher, chromiumAvailable, launchChromium, linkIn, screenshotter } from './helpers/browser.ts';

const STRONG = 'Qualification-2026-été';
const NEWER = 'Autre-Mot2Passe-Sûr';
const NUMBERS = ['zéro', 'un', 'deux', 'trois', 'quatre', 'cinq', 'six', 'sept', 'huit', 'neuf'];

/**
 * Chromium and PostgreSQL, decided before the tests are declared: without either the journey is reported
 * as skipped, not passed (in CI, PostgreSQL must be there).
 */
const run = chromiumAvailable() && (await postgresRequired()) ? describe : describe.skip;

run('portal accounts in Chromium', () => {
  let dataDir: string;
  let handle: Awaited<ReturnType<typeof startDaemon>>;
  let smtp: MailCatcher;
  let browser: Browser;
  let base: string;
  let shot: (page: Page, name: string) => Promise<void>;
  const kind: DbKind = 'postgres';
  /** Shared by the two parts of the journey. */
  const journey = { gpLogin: '', gpPassword: '', partner: '', other: 'dominique.durand@example.test' };

  beforeAll(async () => {
    dataDir = tempDir('passerelle-browser-');
    shot = screenshotter(dataDir);
    smtp = new MailCatcher();
    const smtpPort = await smtp.start();
    const httpPort = await freePort();
    base = `http://127.0.0.1:${httpPort}`;
    const config = testConfig(dataDir, {
      http: { port: httpPort },
      sftp: { port: await freePort() },
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
    const email = 'camille.martin@example.test';
    const ctx = await newContext();
    const page = await ctx.newPage();

    // 1. Créer votre compte → confirmation (720 h, no structure yet).
    // The portal's home: the account sign-in first, then the partner sign-in.
    await page.goto(`${base}/portail`);
    const home = (await page.textContent('main'))!;
    expect(home.indexOf('Compte utilisateur')).toBeGreaterThan(-1);
    expect(home.indexOf('Compte utilisateur')).toBeLessThan(home.indexOf('Connexion partenaire'));
    await shot(page, '00-portail');
    await page.click('main >> text=Créer votre compte');
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
    // Signed in with an account, the portal's home is Accueil.
    await page.goto(`${base}/portail`);
    expect(page.url()).toBe(`${base}/portail/accueil`);

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
    // Named after the account's identifier, as the platform names it (not the technical partner code).
    const accountId = (await page.textContent('#identifiant-compte'))!.trim();
    expect(accountId).toMatch(/^\d+$/);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^Rapport_${accountId}_CREATION_\\d{12}\\.csv$`));
    const csv = readFileSync(await download.path(), 'utf8');
    expect(csv.split('\n')[0]).toBe('Entite;Libelle;Valeur');
    const rows = csv.split('\n').map((l) => l.split(';'));
    const gpLogin = rows.find((r) => r[1] === 'Login compte GP')![2]!.trim();
    const gpPassword = rows.find((r) => r[1] === 'Mot de passe Compte GP')![2]!.trim();
    Object.assign(journey, {
      gpLogin,
      gpPassword,
      partner: (await page.textContent('#identifiant-technique'))!.trim(),
    });

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
    const other = journey.other;
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

  it('espaces, raccordement approved from the CLI, OpenSSH deposit, Suivi des flux, Déposer un flux, isolation', async () => {
    expect(journey.gpLogin).not.toBe('');
    const work = path.join(dataDir, 'work');
    mkdirSync(work, { recursive: true });
    const key = path.join(work, 'id_ed25519');
    execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'edi@structure', '-f', key]);
    const tech = 'technique@example.test';

    // 1. The gestionnaire principal adds the two spaces.
    const ctx = await newContext();
    const page = await ctx.newPage();
    await signIn(page, journey.gpLogin, journey.gpPassword);
    await page.goto(`${base}/portail/raccordement`);
    await expect(page.textContent('main')).resolves.toContain('n’est pas ajouté');
    await page.click('nav >> text=Espaces');
    await shot(page, '15-espaces');
    await page.click('button[type=submit].primary');
    await expect(page.textContent('.notice')).resolves.toContain('Espaces ajoutés');
    await expect(page.textContent('table')).resolves.toContain('Raccordement EDI et API');
    await expect(page.textContent('table')).resolves.toContain('Suivi des flux');

    // 2. The connection request (SFTP, public key).
    await page.click('nav >> text=Raccordement EDI et API');
    await page.fill('#contactNom', 'Alex Technicien');
    await page.fill('#contactTelephone', '01 98 76 54 32');
    await page.fill('#contactEmail', tech);
    await page.fill('#clePublique', readFileSync(`${key}.pub`, 'utf8'));
    await page.fill('#commentaires', 'Raccordement de test');
    await shot(page, '16-raccordement-demande');
    let before = smtp.mails.length;
    await page.click('button[type=submit].primary');
    await expect(page.textContent('#demandes')).resolves.toContain('En attente de validation');
    expect((await smtp.next(tech, before)).subject).toContain('reçue');

    // 3. Ops approve it with the CLI (a real process talking to the running daemon).
    const cfg = path.join(work, 'passerelle.yaml');
    writeFileSync(cfg, `dataDir: ${JSON.stringify(dataDir)}\n`);
    // Asynchronously: the daemon answering the CLI runs in this very process.
    const cli = async (...args: string[]) =>
      (await promisify(execFile)(process.execPath, ['bin/passerelle.js', '-c', cfg, ...args], { encoding: 'utf8' }))
        .stdout;
    const listed = await cli('raccordements', 'list', '--state', 'DEMANDEE');
    const id = /^\s*(\d+) DEMANDEE SFTP/m.exec(listed)?.[1];
    expect(id).toBeDefined();
    before = smtp.mails.length;
    const approved = JSON.parse(await cli('raccordements', 'approve', id!)) as { state: string; partner: string };
    expect(approved).toMatchObject({ state: 'VALIDEE', partner: journey.partner });
    const details = (await smtp.next(tech, before)).text;
    const login = /Identifiant : (\S+)/.exec(details)![1]!;
    const port = Number(/Port : (\d+)/.exec(details)![1]);
    const fingerprint = /ED25519 (SHA256:\S+)/.exec(details)![1]!;
    expect(login).toBe(journey.partner);
    await page.reload();
    await expect(page.textContent('#demandes')).resolves.toContain('Validée');
    await shot(page, '17-raccordement-valide');

    // 4. The mailed SFTP login deposits a matelas invoice with OpenSSH sftp; the host key is the mailed one.
    const kitDir = path.join(work, 'kit');
    const kit = await handle.daemon.platform.samples(journey.partner, kitDir);
    const good = kit.invoices.filter((i) => i.expected === 'integree');
    expect(good.length).toBeGreaterThan(2);
    const batch = path.join(work, 'batch');
    writeFileSync(batch, `put ${path.join(kitDir, good[0]!.fileName)} /depot/${good[0]!.fileName}\n`);
    const knownHosts = path.join(work, 'known_hosts');
    await promisify(execFile)('/usr/bin/sftp', [
      '-o',
      'StrictHostKeyChecking=accept-new',
      '-o',
      `UserKnownHostsFile=${knownHosts}`,
      '-o',
      'LogLevel=ERROR',
      '-o',
      'BatchMode=yes',
      '-i',
      key,
      '-P',
      String(port),
      '-b',
      batch,
      `${login}@127.0.0.1`,
    ]);
    const seen = execFileSync('/usr/bin/ssh-keygen', ['-lf', knownHosts], { encoding: 'utf8' });
    expect(seen).toContain(fingerprint);

    // 5. Suivi des flux shows it, updated live, with status 90; the compte-rendu downloads from the list.
    await page.click('nav >> text=Suivi des flux');
    const row = page.locator('table.flux tbody tr', { hasText: good[0]!.fileName });
    await row.locator('td.statut', { hasText: '90' }).waitFor({ timeout: 60000 });
    await shot(page, '18-suivi-des-flux');
    const [cr] = await Promise.all([page.waitForEvent('download'), row.locator('a.cr').click()]);
    expect(cr.suggestedFilename()).toMatch(/^FEN1200A_CPP0011100\d{15}\.xml$/);
    expect(readFileSync(await cr.path(), 'utf8')).toContain('90');
    // Search: by file name, by status, by type.
    await page.fill('#fichierRecherche', good[0]!.fileName.slice(0, 12));
    await page.selectOption('#statut', '90');
    await page.click('form.search-flows button');
    await expect(page.locator('table.flux tbody tr').count()).resolves.toBe(1);
    await page.selectOption('#statut', '93');
    await page.click('form.search-flows button');
    await expect(page.textContent('table.flux tbody')).resolves.toContain('Aucun flux');
    await row.locator('a').first().count();

    // 6. Déposer un flux: Facture / FSO1100A / AIFEStatut, Déposer → flow page live to 90, FEN1201A compte-rendu.
    await page.click('nav >> text=Déposer un flux');
    // The émetteur is the invoice's supplier (another one is refused by routing: CPP-EMETTEUR-DIFFERENT).
    const firstSiret = /schemeID="0009">(\d{14})</.exec(
      readFileSync(path.join(kitDir, good[1]!.fileName), 'utf8'),
    )![1]!;
    await page.selectOption('#emetteur', firstSiret);
    await page.selectOption('#typeFlux', 'facture');
    await page.selectOption('#codeInterface', 'FSO1100A');
    await page.check('#signe-non');
    await page.check('#retour-AIFEStatut');
    await page.setInputFiles('#fichier', path.join(kitDir, good[1]!.fileName));
    await shot(page, '19-deposer-un-flux');
    await page.click('button[value=deposer]');
    await page.locator('#etat-flux .statut', { hasText: '90' }).waitFor({ timeout: 60000 });
    await page.locator('section.cr').waitFor({ timeout: 10000 });
    await expect(page.textContent('main')).resolves.toContain(firstSiret);
    await expect(page.textContent('section.cr')).resolves.toMatch(/FEN1201A_CPP0011100\d{15}\.xml/);
    await shot(page, '20-flux-compte-rendu');
    const flowUrl = page.url();
    const flowId = /\/flux\/(\d+)$/.exec(flowUrl)![1]!;

    // Analyser, Cycle de vie / FSO1200A / CPPStatut: analysed (no flow number), answered.
    await page.click('nav >> text=Déposer un flux');
    await page.selectOption('#typeFlux', 'cdv');
    await expect(page.locator('#codeInterface option[value=FSO1100A]').isDisabled()).resolves.toBe(true);
    await page.selectOption('#codeInterface', 'FSO1200A');
    await page.check('#retour-CPPStatut');
    await page.setInputFiles('#fichier', path.join(kitDir, good[2]!.fileName));
    await page.click('button[value=analyser]');
    await expect(page.textContent('h1')).resolves.toContain('ANALYSE-');
    await page.locator('#etat-flux .statut', { hasText: '93' }).waitFor({ timeout: 60000 });
    await expect(page.textContent('#etat-flux')).resolves.toContain('FMT-INTERFACE-MISMATCH');

    // Compte-rendu de flux (Dépôt), detection: deposited and answered like any flow.
    await page.click('nav >> text=Déposer un flux');
    await page.selectOption('#typeFlux', 'crf');
    await page.check('#retour-CPPStatut');
    await page.setInputFiles('#fichier', path.join(kitDir, good[2]!.fileName));
    await page.click('button[value=deposer]');
    await page.locator('#etat-flux .statut', { hasText: /9[036]/ }).waitFor({ timeout: 60000 });
    await ctx.close();

    // 7. Another account sees none of it: every URL with this account's ids answers 404.
    const ctx2 = await newContext();
    const p2 = await ctx2.newPage();
    await signIn(p2, journey.other, STRONG);
    for (const url of [
      `/portail/espace/flux/${flowId}`,
      `/portail/espace/flux/${flowId}/fragment`,
      `/portail/espace/flux/${flowId}/original`,
      `/portail/espace/flux/${flowId}/compte-rendu/1`,
    ]) {
      const r = await p2.goto(`${base}${url}`);
      expect([url, r!.status()]).toEqual([url, 404]);
    }
    await p2.goto(`${base}/portail/espace/suivi`);
    await expect(p2.textContent('table.flux tbody')).resolves.toContain('Aucun flux');
    await ctx2.close();
  }, 300000);
});
