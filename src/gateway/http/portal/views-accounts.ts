/**
 * Pages of the account journey (Créer votre compte, activation, mot de passe oublié, connexion, accueil,
 * Mon compte with the matelas de données), server-rendered like the rest of the portal: French first,
 * English under it, every value escaped by `html`. The only script is the password meter (compte.js).
 */
import type { FlowRecord } from '../../../store/types.ts';
import type { AccountRecord, TestUser } from '../../../store/accounts.ts';
import type { MatelasState } from '../../../store/directory.ts';
import { html } from './html.ts';
import type { Html } from './html.ts';
import { BASE, flowRef } from './views.ts';

export const ACTIVATION_HOURS = 720;
export const RESET_HOURS = 24;

/** Who is signed in: a portal account, or a matelas test user acting for its structure. */
export type Viewer = { kind: 'account'; account: AccountRecord } | { kind: 'test'; user: TestUser };

export interface AccountContext {
  viewer?: Viewer;
  csrf?: string;
}

const viewerName = (v: Viewer): string =>
  v.kind === 'account' ? `${v.account.prenom} ${v.account.nom}` : v.user.login;

export function layout(title: string, ctx: AccountContext, body: Html, opts: { script?: boolean } = {}): string {
  const v = ctx.viewer;
  const nav = v
    ? html`<nav aria-label="Menu principal">
        <ul>
          <li><a href="${BASE}/accueil">Accueil</a></li>
          <li><a href="${BASE}/mon-compte">Mon compte</a></li>
          ${
            v.kind === 'test'
              ? html`<li><a href="${BASE}/espaces">Espaces</a></li>
                  <li><a href="${BASE}/raccordement">Raccordement EDI et API</a></li>`
              : ''
          }
          <li><a href="${BASE}/espace/deposer">Déposer un flux</a></li>
          <li><a href="${BASE}/espace/suivi">Suivi des flux</a></li>
        </ul>
        <form method="post" action="${BASE}/compte/deconnexion" class="logout">
          <span>${viewerName(v)}</span>
          <input type="hidden" name="_csrf" value="${ctx.csrf}" />
          <button type="submit">Se déconnecter</button>
        </form>
      </nav>`
    : html`<nav aria-label="Menu">
        <ul>
          <li><a href="${BASE}/compte/connexion">Se connecter</a></li>
          <li><a href="${BASE}/inscription">Créer votre compte</a></li>
        </ul>
      </nav>`;
  return html`<!doctype html>
    <html lang="fr">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} – Passerelle, portail de qualification</title>
        <link rel="stylesheet" href="${BASE}/static/portail.css" />
        <link rel="stylesheet" href="${BASE}/static/compte.css" />
        ${opts.script ? html`<script src="${BASE}/static/compte.js" defer></script>` : ''}
      </head>
      <body>
        <header>
          <div class="brand"><a href="${BASE}/accueil">Passerelle</a> <span lang="en">qualification portal</span></div>
          ${nav}
        </header>
        <main id="contenu">${body}</main>
        <footer>
          <p>
            Passerelle — environnement de qualification (réponses au format Chorus Pro).
            <span lang="en">Test platform: nothing deposited here reaches Chorus Pro.</span>
          </p>
        </footer>
      </body>
    </html>`.value;
}

export const alert = (m: string | undefined): Html | '' => (m ? html`<p class="alert" role="alert">${m}</p>` : '');
export const notice = (m: string | undefined): Html | '' => (m ? html`<p class="notice" role="status">${m}</p>` : '');

export function field(
  name: string,
  fr: string,
  en: string,
  opts: { type?: string; required?: boolean; value?: string; autocomplete?: string; max?: number } = {},
): Html {
  return html`<p>
    <label for="${name}"
      >${fr}${opts.required ? html` <abbr title="obligatoire">*</abbr>` : ''}
      <span class="en" lang="en">${en}</span></label
    >
    <input
      id="${name}"
      name="${name}"
      type="${opts.type ?? 'text'}"
      ${opts.required ? html`required` : ''}
      maxlength="${opts.max ?? 200}"
      value="${opts.value ?? ''}"
      autocomplete="${opts.autocomplete ?? 'off'}"
    />
  </p>`;
}

export const hidden = (name: string, value: string): Html =>
  html`<input type="hidden" name="${name}" value="${value}" />`;

// ---------------------------------------------------------------------------------------------
// Sign-up

export interface Challenge {
  question: string;
  token: string;
}

export function signUpPage(form: {
  csrf: string;
  challenge: Challenge;
  values?: Record<string, string>;
  error?: string;
}): string {
  const v = form.values ?? {};
  return layout(
    'Créer votre compte',
    {},
    html`<h1>Créer votre compte <span class="en" lang="en">Create your account</span></h1>
      <p>
        Les champs marqués <abbr title="obligatoire">*</abbr> sont obligatoires. Un courriel d’activation est envoyé à
        l’adresse de connexion.
      </p>
      ${alert(form.error)}
      <form method="post" action="${BASE}/inscription" class="card">
        ${hidden('_csrf', form.csrf)}
        <fieldset>
          <legend>Informations de connexion <span class="en" lang="en">Sign-in details</span></legend>
          ${field('email', 'Adresse électronique de connexion', 'Sign-in e-mail address', { type: 'email', required: true, value: v.email, autocomplete: 'email' })}
          ${field('email2', 'Confirmation de l’adresse électronique', 'Type it again', { type: 'email', required: true, value: v.email2, autocomplete: 'off' })}
        </fieldset>
        <fieldset>
          <legend>Informations générales <span class="en" lang="en">General information</span></legend>
          ${field('nom', 'Nom', 'Last name', { required: true, value: v.nom, autocomplete: 'family-name' })}
          ${field('prenom', 'Prénom', 'First name', { required: true, value: v.prenom, autocomplete: 'given-name' })}
          ${field('contact', 'Adresse électronique de contact', 'Contact e-mail (optional)', { type: 'email', value: v.contact })}
          ${field('telephone', 'Téléphone', 'Phone', { type: 'tel', value: v.telephone, autocomplete: 'tel', max: 30 })}
          ${field('fax', 'Fax', 'Fax', { type: 'tel', value: v.fax, max: 30 })}
        </fieldset>
        <fieldset>
          <legend>Adresse postale <span class="en" lang="en">Postal address</span></legend>
          ${field('adresse', 'Adresse', 'Address', { value: v.adresse, autocomplete: 'address-line1' })}
          ${field('complement', 'Complément d’adresse', 'Address line 2', { value: v.complement, autocomplete: 'address-line2' })}
          ${field('codePostal', 'Code postal', 'Postcode', { value: v.codePostal, autocomplete: 'postal-code', max: 10 })}
          ${field('ville', 'Ville', 'City', { value: v.ville, autocomplete: 'address-level2' })}
          ${field('pays', 'Pays', 'Country', { value: v.pays ?? 'France', autocomplete: 'country-name', max: 60 })}
        </fieldset>
        <fieldset>
          <legend>Vérification anti-robot <span class="en" lang="en">Are you a person?</span></legend>
          ${hidden('defi', form.challenge.token)}
          <p>
            <label for="reponseDefi"
              >${form.challenge.question} <span class="en" lang="en">Answer in digits</span></label
            >
            <input id="reponseDefi" name="reponseDefi" inputmode="numeric" required maxlength="3" autocomplete="off" />
          </p>
        </fieldset>
        <p><button type="submit" class="primary">Créer mon compte</button></p>
      </form>`,
  );
}

export function signUpDonePage(email: string): string {
  return layout(
    'Compte créé',
    {},
    html`<h1>Votre compte a été créé <span class="en" lang="en">Your account was created</span></h1>
      <div class="card">
        <p>
          Un courriel vient d’être envoyé à <strong>${email}</strong>. Votre compte doit être activé à partir du lien
          qu’il contient, <strong>valable ${ACTIVATION_HOURS} heures</strong>.
        </p>
        <p>Aucune structure n’est encore rattachée à votre compte : elles le seront par votre matelas de données.</p>
        <p lang="en" class="en-block">
          An e-mail was sent to that address: activate your account from its link, valid ${ACTIVATION_HOURS} hours. No
          structure is attached to your account yet.
        </p>
      </div>`,
  );
}

// ---------------------------------------------------------------------------------------------
// Activation, reset

function passwordFields(): Html {
  return html`<p>
      <label for="motDePasse"
        >Nouveau mot de passe <abbr title="obligatoire">*</abbr> <span class="en" lang="en">New password</span></label
      >
      <input
        id="motDePasse"
        name="motDePasse"
        type="password"
        required
        autocomplete="new-password"
        maxlength="200"
        aria-describedby="regle jauge"
      />
    </p>
    <p id="regle" class="hint">
      Au moins 12 caractères et au moins 3 des 4 types : majuscules, minuscules, chiffres, caractères spéciaux (les
      lettres accentuées comptent comme caractères spéciaux).
    </p>
    <p class="meter">
      <meter id="jaugeMesure" min="0" max="4" value="0"></meter>
      <span id="jauge" aria-live="polite">Complexité du mot de passe</span>
    </p>
    <p>
      <label for="confirmation"
        >Confirmation du mot de passe <abbr title="obligatoire">*</abbr>
        <span class="en" lang="en">Confirm the password</span></label
      >
      <input
        id="confirmation"
        name="confirmation"
        type="password"
        required
        autocomplete="new-password"
        maxlength="200"
      />
    </p>`;
}

export function activationPage(opts: {
  token: string;
  csrf: string;
  account: AccountRecord;
  question?: string;
  error?: string;
}): string {
  const a = opts.account;
  return layout(
    'Activation du compte',
    {},
    html`<h1>Activation de votre compte <span class="en" lang="en">Activate your account</span></h1>
      ${alert(opts.error)}
      <form method="post" action="${BASE}/activation" class="card">
        ${hidden('_csrf', opts.csrf)} ${hidden('jeton', opts.token)}
        <fieldset>
          <legend>Informations générales <span class="en" lang="en">General information</span></legend>
          <dl class="facts">
            <dt>Adresse de connexion</dt>
            <dd>${a.loginEmail}</dd>
            <dt>Nom, prénom</dt>
            <dd>${a.nom} ${a.prenom}</dd>
          </dl>
        </fieldset>
        <fieldset>
          <legend>Gestion du mot de passe <span class="en" lang="en">Password</span></legend>
          ${passwordFields()}
        </fieldset>
        <fieldset>
          <legend>Question secrète <span class="en" lang="en">Secret question</span></legend>
          ${field('question', 'Question secrète', 'Secret question', { required: true, value: opts.question })}
          ${field('reponse', 'Réponse', 'Answer', { type: 'password', required: true })}
        </fieldset>
        <p><button type="submit" class="primary">Activer mon compte</button></p>
      </form>`,
    { script: true },
  );
}

export function messagePage(
  title: string,
  en: string,
  message: string,
  opts: { error?: boolean; link?: Html } = {},
): string {
  return layout(
    title,
    {},
    html`<h1>${title} <span class="en" lang="en">${en}</span></h1>
      ${opts.error ? alert(message) : notice(message)} ${opts.link ?? ''}`,
  );
}

/** An expired or used link: says which, and offers a new mail. */
export function linkProblemPage(opts: {
  state: 'expired' | 'used' | 'unknown';
  purpose: 'activation' | 'reset';
  csrf: string;
}): string {
  const why =
    opts.state === 'expired'
      ? `Ce lien a expiré (il était valable ${opts.purpose === 'activation' ? ACTIVATION_HOURS : RESET_HOURS} heures).`
      : opts.state === 'used'
        ? 'Ce lien a déjà été utilisé.'
        : 'Ce lien n’est pas valide.';
  const action = opts.purpose === 'activation' ? `${BASE}/activation/renvoyer` : `${BASE}/mot-de-passe-oublie`;
  return layout(
    'Lien invalide',
    {},
    html`<h1>Lien invalide <span class="en" lang="en">Invalid link</span></h1>
      ${alert(why)}
      <form method="post" action="${action}" class="card">
        ${hidden('_csrf', opts.csrf)}
        <p>Recevoir un nouveau courriel <span class="en" lang="en">Send me a new e-mail</span></p>
        ${field('email', 'Adresse électronique de connexion', 'Sign-in e-mail address', { type: 'email', required: true, autocomplete: 'email' })}
        <p><button type="submit" class="primary">Envoyer un nouveau courriel</button></p>
      </form>`,
  );
}

export function forgotPage(csrf: string, error?: string): string {
  return layout(
    'Mot de passe oublié',
    {},
    html`<h1>Mot de passe oublié ? <span class="en" lang="en">Forgot your password?</span></h1>
      ${alert(error)}
      <form method="post" action="${BASE}/mot-de-passe-oublie" class="card">
        ${hidden('_csrf', csrf)}
        ${field('email', 'Adresse électronique de connexion', 'Sign-in e-mail address', { type: 'email', required: true, autocomplete: 'email' })}
        <p><button type="submit" class="primary">Recevoir un lien de réinitialisation</button></p>
      </form>`,
  );
}

export function resetQuestionPage(opts: { token: string; csrf: string; question: string; error?: string }): string {
  return layout(
    'Réinitialisation du mot de passe',
    {},
    html`<h1>Réinitialisation du mot de passe <span class="en" lang="en">Reset your password</span></h1>
      ${alert(opts.error)}
      <form method="post" action="${BASE}/reinitialisation" class="card">
        ${hidden('_csrf', opts.csrf)} ${hidden('jeton', opts.token)} ${hidden('etape', 'question')}
        <p><strong>Question secrète :</strong> ${opts.question}</p>
        ${field('reponse', 'Réponse', 'Answer', { type: 'password', required: true })}
        <p><button type="submit" class="primary">Valider</button></p>
      </form>`,
  );
}

export function resetPasswordPage(opts: { token: string; csrf: string; error?: string }): string {
  return layout(
    'Nouveau mot de passe',
    {},
    html`<h1>Nouveau mot de passe <span class="en" lang="en">New password</span></h1>
      ${alert(opts.error)}
      <form method="post" action="${BASE}/reinitialisation" class="card">
        ${hidden('_csrf', opts.csrf)} ${hidden('jeton', opts.token)} ${hidden('etape', 'motDePasse')}
        ${passwordFields()}
        <p><button type="submit" class="primary">Enregistrer</button></p>
      </form>`,
    { script: true },
  );
}

// ---------------------------------------------------------------------------------------------
// Sign-in

export function accountLoginPage(csrf: string, opts: { error?: string; info?: string; email?: string } = {}): string {
  return layout(
    'Connexion',
    {},
    html`<h1>Connexion <span class="en" lang="en">Sign in</span></h1>
      ${alert(opts.error)} ${notice(opts.info)}
      <form method="post" action="${BASE}/compte/connexion" class="card">
        ${hidden('_csrf', csrf)}
        ${field('identifiant', 'Adresse électronique ou identifiant', 'E-mail address or test-user login', { required: true, value: opts.email, autocomplete: 'username' })}
        <p>
          <label for="motDePasse">Mot de passe <span class="en" lang="en">Password</span></label>
          <input
            id="motDePasse"
            name="motDePasse"
            type="password"
            required
            autocomplete="current-password"
            maxlength="200"
          />
        </p>
        <p><button type="submit" class="primary">Se connecter</button></p>
        <p><a href="${BASE}/mot-de-passe-oublie">Mot de passe oublié ?</a></p>
      </form>
      <p>Pas encore de compte ? <a href="${BASE}/inscription">Créer votre compte</a></p>
      <p class="hint">
        Compte partenaire (code partenaire et mot de passe SFTP / API) : <a href="${BASE}">connexion partenaire</a>.
      </p>`,
  );
}

// ---------------------------------------------------------------------------------------------
// Home and Mon compte

export interface HomeData {
  flows: FlowRecord[];
  matelas: { state: MatelasState; updatedAt: Date };
  structures: Array<{ id: number; siret: string; name: string; kind: string }>;
  search?: { q: string; results: Array<{ id: number; siret: string; name: string; kind: string }> };
}

const dateFr = (d: Date | null): string =>
  d ? d.toLocaleString('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' }) : '';

export function homePage(ctx: AccountContext, data: HomeData): string {
  const v = ctx.viewer!;
  return layout(
    'Accueil',
    ctx,
    html`<h1>Bienvenue, ${viewerName(v)} <span class="en" lang="en">Home</span></h1>
      ${
        v.kind === 'test'
          ? html`<p class="notice">
              Utilisateur de test du matelas (${v.user.role === 'GP' ? 'gestionnaire principal' : 'utilisateur'}) pour
              la structure <strong>${v.user.siret} – ${v.user.structureName}</strong>.
            </p>`
          : ''
      }
      <section>
        <h2>Fil d’événements <span class="en" lang="en">Latest events</span></h2>
        <ul class="events">
          <li>
            Matelas de données : <strong>${data.matelas.state}</strong>
            ${data.matelas.state !== 'Pas de matelas' ? html`(${dateFr(data.matelas.updatedAt)})` : ''}
          </li>
          ${data.flows.map(
            (f) =>
              html`<li>
                Flux <code>${flowRef(f)}</code> — ${f.originalName} — <code>${f.state}</code>
                (${dateFr(f.receivedAt)})
              </li>`,
          )}
          ${data.flows.length ? '' : html`<li>Aucun flux déposé.</li>`}
        </ul>
      </section>
      <section>
        <h2>Mes structures <span class="en" lang="en">My structures</span></h2>
        ${
          data.structures.length
            ? html`<table>
                <thead>
                  <tr>
                    <th>SIRET</th>
                    <th>Raison sociale</th>
                    <th>Type</th>
                  </tr>
                </thead>
                <tbody>
                  ${data.structures.map(
                    (s) =>
                      html`<tr>
                        <td><code>${s.siret}</code></td>
                        <td>${s.name}</td>
                        <td>${s.kind}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
            : html`<p>
                Aucune structure n’est rattachée : créez votre matelas de données depuis
                <a href="${BASE}/mon-compte">Mon compte</a>.
              </p>`
        }
      </section>
      <section>
        <h2>Rechercher une structure publique <span class="en" lang="en">Find a public structure</span></h2>
        <form method="get" action="${BASE}/accueil" class="card search">
          <p>
            <label for="q">SIRET ou raison sociale <span class="en" lang="en">SIRET or name</span></label>
            <input id="q" name="q" maxlength="100" value="${data.search?.q ?? ''}" />
          </p>
          <p><button type="submit">Rechercher</button></p>
        </form>
        ${
          data.search
            ? data.search.results.length
              ? html`<table>
                  <caption>
                    Résultats
                    <span class="en" lang="en">Results</span>
                  </caption>
                  <thead>
                    <tr>
                      <th>SIRET</th>
                      <th>Raison sociale</th>
                      <th>Type</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${data.search.results.map(
                      (s) =>
                        html`<tr>
                          <td><code>${s.siret}</code></td>
                          <td>${s.name}</td>
                          <td>${s.kind}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>`
              : html`<p>Aucune structure publique ne correspond.</p>`
            : ''
        }
      </section>`,
  );
}

export interface MatelasFile {
  name: string;
  status: string;
  /** `dd/MM/yyyy HH:mm`, Paris time, from the file name's stamp. */
  generatedAt: string;
}

export function monComptePage(
  ctx: AccountContext,
  data: {
    matelas?: { state: MatelasState; files: MatelasFile[] };
    info?: string;
    error?: string;
  },
): string {
  const v = ctx.viewer!;
  const m = data.matelas;
  const csrf = ctx.csrf ?? '';
  const info =
    v.kind === 'account'
      ? html`<dl class="facts">
            <dt>Adresse de connexion</dt>
            <dd>${v.account.loginEmail}</dd>
            <dt>Nom, prénom</dt>
            <dd>${v.account.nom} ${v.account.prenom}</dd>
            <dt>Adresse postale</dt>
            <dd>
              ${v.account.adresse} ${v.account.complement} ${v.account.codePostal} ${v.account.ville} ${v.account.pays}
            </dd>
            <dt>Téléphone / fax</dt>
            <dd>${v.account.telephone} ${v.account.fax ? html`/ ${v.account.fax}` : ''}</dd>
            <dt>Identifiant du compte</dt>
            <dd id="identifiant-compte"><code>${String(v.account.id)}</code></dd>
            <dt>Identifiant technique</dt>
            <dd id="identifiant-technique"><code>${v.account.partner}</code></dd>
          </dl>
          <form method="post" action="${BASE}/mon-compte/contact" class="card">
            ${hidden('_csrf', csrf)}
            ${field('contact', 'Adresse électronique de contact', 'Contact e-mail address', { type: 'email', value: v.account.contactEmail ?? '' })}
            <p><button type="submit">Enregistrer</button></p>
          </form>`
      : html`<dl class="facts">
          <dt>Identifiant</dt>
          <dd>${v.user.login}</dd>
          <dt>Rôle</dt>
          <dd>${v.user.role === 'GP' ? 'Gestionnaire principal' : 'Utilisateur'}</dd>
          <dt>Structure</dt>
          <dd>${v.user.siret} – ${v.user.structureName}</dd>
        </dl>`;
  return layout(
    'Mon compte',
    ctx,
    html`<h1>Mon compte <span class="en" lang="en">My account</span></h1>
      ${alert(data.error)} ${notice(data.info)}
      <section>
        <h2>Informations personnelles <span class="en" lang="en">Personal information</span></h2>
        ${info}
      </section>
      ${
        v.kind === 'account'
          ? html`<section>
              <h2>Modifier le mot de passe <span class="en" lang="en">Change the password</span></h2>
              <form method="post" action="${BASE}/mon-compte/mot-de-passe" class="card">
                ${hidden('_csrf', csrf)}
                <p>
                  <label for="actuel">Mot de passe actuel <span class="en" lang="en">Current password</span></label>
                  <input
                    id="actuel"
                    name="actuel"
                    type="password"
                    required
                    autocomplete="current-password"
                    maxlength="200"
                  />
                </p>
                ${passwordFields()}
                <p><button type="submit">Modifier le mot de passe</button></p>
              </form>
            </section>`
          : ''
      }
      ${m ? matelasBlock(m, csrf) : ''}`,
    { script: v.kind === 'account' },
  );
}

function matelasBlock(m: { state: MatelasState; files: MatelasFile[] }, csrf: string): Html {
  const can = {
    create: m.state === 'Pas de matelas',
    extend: m.state === 'Terminé',
    reset: m.state === 'Terminé',
  };
  const button = (action: keyof typeof can, label: string) =>
    html`<form method="post" action="${BASE}/mon-compte/matelas/${action}" class="inline">
      ${hidden('_csrf', csrf)}
      <button type="submit" ${can[action] ? '' : html`disabled`} id="matelas-${action}">${label}</button>
    </form>`;
  return html`<section id="matelas">
    <h2>Mon matelas de données <span class="en" lang="en">My test data set</span></h2>
    <p>État courant : <strong id="matelas-etat">${m.state}</strong></p>
    ${
      m.state === 'Création'
        ? html`<p class="notice" role="status">
            Création en cours : <a href="${BASE}/mon-compte#matelas">actualiser</a> dans quelques instants.
          </p>`
        : ''
    }
    <div class="actions">
      ${button('create', 'Créer')} ${button('extend', 'Étendre')} ${button('reset', 'Réinitialiser')}
    </div>
    <table>
      <thead>
        <tr>
          <th>Nom du fichier</th>
          <th>Statut</th>
          <th>Date de génération</th>
          <th>Actions</th>
        </tr>
      </thead>
      <tbody>
        ${
          m.files.length
            ? m.files.map(
                (f) =>
                  html`<tr>
                    <td class="name">${f.name}</td>
                    <td>${f.status}</td>
                    <td>${f.generatedAt}</td>
                    <td>
                      ${
                        f.status === 'Terminé'
                          ? html`<a href="${BASE}/mon-compte/matelas/fichier/${f.name}" download>Télécharger</a>`
                          : ''
                      }
                    </td>
                  </tr>`,
              )
            : html`<tr>
                <td colspan="4">Aucun fichier.</td>
              </tr>`
        }
      </tbody>
    </table>
  </section>`;
}

export function accountErrorPage(ctx: AccountContext, title: string, message: string): string {
  return layout(
    title,
    ctx,
    html`<h1>${title}</h1>
      ${alert(message)}`,
  );
}

export const ACCOUNT_CSS = `
abbr[title]{text-decoration:none;color:#ce0500}
.hint{font-size:.9rem;color:#444}
.en-block{color:#666;font-size:.9rem}
.meter{display:flex;align-items:center;gap:.75rem}
.meter meter{width:10rem;height:1rem}
form.inline{display:inline-block;margin:0 .5rem .5rem 0}
button[disabled]{opacity:.45;cursor:not-allowed}
ul.events{background:#fff;border:1px solid #ddd;padding:.75rem 1rem .75rem 2rem;overflow-wrap:anywhere}
fieldset legend{font-weight:600}
nav ul{flex-wrap:wrap}
textarea{width:100%;font:inherit;padding:.4rem;border:1px solid #888}
@media (max-width:480px){header{padding:.5rem .75rem}main{padding:1rem .75rem}.card{padding:1rem}
table{display:block;overflow-x:auto}dl.facts{grid-template-columns:1fr}}
`;

/**
 * The live password meter (served as a static file: the CSP allows scripts from 'self' only). The same
 * rule as the server's: 12 characters and 3 of 4 groups, accented letters counting as special.
 */
export const ACCOUNT_JS = `'use strict';
(function () {
  var input = document.getElementById('motDePasse');
  var label = document.getElementById('jauge');
  var gauge = document.getElementById('jaugeMesure');
  if (!input || !label || !gauge) return;
  var LABELS = ['Très faible', 'Faible', 'Moyen', 'Satisfaisant', 'Très satisfaisant'];
  function score(p) {
    var chars = Array.from(p);
    var groups = [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter(function (re) {
      return chars.some(function (c) { return re.test(c); });
    }).length;
    if (!chars.length) return 0;
    if (chars.length < 12 || groups < 3) return Math.min(2, groups - 1 + (chars.length >= 8 ? 1 : 0));
    return groups === 4 && chars.length >= 14 ? 4 : 3;
  }
  function update() {
    var s = Math.max(0, score(input.value));
    gauge.value = s;
    label.textContent = input.value ? LABELS[s] + (s < 3 ? ' — règle non respectée' : '') : 'Complexité du mot de passe';
  }
  input.addEventListener('input', update);
  update();
})();
`;
