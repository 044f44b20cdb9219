/**
 * The portal's pages, server-rendered: French labels as on the qualification portal, English subtitles,
 * no script and no external resource (the CSP forbids both). Every value goes through `html`.
 */
import { describe as describeFinding } from '../../../finding.ts';
import type { Finding } from '../../../finding.ts';
import type { FlowRecord, ReturnFlowRecord, StageOutcomeRecord } from '../../../store/types.ts';
import { TERMINAL_STATES } from '../../../store/types.ts';
import { html } from './html.ts';
import type { Html } from './html.ts';

export const BASE = '/portail';
/** Seconds between two reloads of a page showing a flow not yet in a final state. */
const REFRESH_SECONDS = 2;

export const STATE_LABELS: Record<string, string> = {
  IN_RECU: 'Reçu',
  IN_EN_ATTENTE_TRAITEMENT_CPP: 'En attente de traitement',
  IN_EN_COURS_TRAITEMENT_CPP: 'En cours de traitement',
  IN_EN_ATTENTE_RETRAITEMENT_CPP: 'En attente de retraitement',
  IN_INTEGRE: 'Intégré',
  IN_INTEGRE_PARTIEL: 'Intégré partiellement',
  IN_REJETE: 'Rejeté',
  IN_INCIDENTE: 'Incidenté',
};

const STAGE_LABELS: Record<string, string> = {
  RECEPTION: 'Réception',
  SIGNATURE: 'Signature',
  SYNTAXE: 'Syntaxe',
  SCHEMA: 'Schéma (XSD)',
  REGLE: 'Règles de gestion',
  INTEGRATION: 'Intégration',
};

const OUTCOME_LABELS: Record<StageOutcomeRecord['outcome'], string> = {
  ok: 'Conforme',
  rejected: 'Rejeté',
  waiting: 'En attente',
  skipped: 'Non exécutée',
  partial: 'Partiellement conforme',
};

export interface SyntaxChoice {
  syntaxeFlux: string;
  label: string;
}

export interface PageContext {
  partner?: { code: string; name: string };
  csrf?: string;
  refresh?: boolean;
}

const dateFr = (d: Date | null): string =>
  d ? d.toLocaleString('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'medium' }) : '';

export const isFinal = (f: FlowRecord): boolean => TERMINAL_STATES.includes(f.state);

/** `CPP0011100000000000000042`, or `ANALYSE-12` for an analysis (analyses get no flow number). */
export const flowRef = (f: FlowRecord): string => f.flowNumber ?? `ANALYSE-${f.id}`;

export function stateBadge(state: string): Html {
  const tone = ['IN_INTEGRE'].includes(state)
    ? 'ok'
    : ['IN_REJETE', 'IN_INCIDENTE'].includes(state)
      ? 'ko'
      : state === 'IN_INTEGRE_PARTIEL'
        ? 'partial'
        : 'wait';
  return html`<span class="badge ${tone}">${STATE_LABELS[state] ?? state}</span> <code>${state}</code>`;
}

function layout(title: string, ctx: PageContext, body: Html): string {
  const nav = ctx.partner
    ? html`<nav aria-label="Menu principal">
        <ul>
          <li><a href="${BASE}/deposer">Déposer un flux</a></li>
          <li><a href="${BASE}/flux">Mes flux</a></li>
        </ul>
        <form method="post" action="${BASE}/deconnexion" class="logout">
          <span>${ctx.partner.name} (<code>${ctx.partner.code}</code>)</span>
          <input type="hidden" name="_csrf" value="${ctx.csrf}" />
          <button type="submit">Se déconnecter</button>
        </form>
      </nav>`
    : html`<nav aria-label="Menu">
        <ul>
          <li><a href="${BASE}/compte/connexion">Se connecter</a></li>
          <li><a href="${BASE}/inscription">Créer votre compte</a></li>
          <li><a href="${BASE}">Connexion partenaire</a></li>
        </ul>
      </nav>`;
  return html`<!doctype html>
    <html lang="fr">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        ${ctx.refresh ? html`<meta http-equiv="refresh" content="${REFRESH_SECONDS}" />` : ''}
        <title>${title} – Passerelle, portail de qualification</title>
        <link rel="stylesheet" href="${BASE}/static/portail.css" />
      </head>
      <body>
        <header>
          <div class="brand"><a href="${BASE}">Passerelle</a> <span lang="en">qualification portal</span></div>
          ${nav}
        </header>
        <main id="contenu">${body}</main>
        <footer>
          <p>
            Passerelle — environnement de qualification EDI (réponses au format Chorus Pro).
            <span lang="en">Test platform: nothing deposited here reaches Chorus Pro.</span>
          </p>
        </footer>
      </body>
    </html>`.value;
}

function alert(message: string | undefined): Html | '' {
  return message ? html`<p class="alert" role="alert">${message}</p>` : '';
}

export function loginPage(error: string | undefined, csrf: string): string {
  return layout(
    'Connexion',
    {},
    html`<h1>Portail de qualification <span class="en" lang="en">Qualification portal</span></h1>
      <section class="card" aria-labelledby="compte">
        <h2 id="compte">Compte utilisateur <span class="en" lang="en">User account</span></h2>
        <p>
          Connectez-vous avec votre adresse électronique (ou l’identifiant d’un utilisateur de votre matelas de données)
          pour accéder à l’accueil, à Mon compte, aux espaces, au raccordement et au dépôt de flux.
        </p>
        <p>
          <a class="button primary" href="${BASE}/compte/connexion">Se connecter</a>
          · <a href="${BASE}/inscription">Créer votre compte</a> ·
          <a href="${BASE}/mot-de-passe-oublie">Mot de passe oublié ?</a>
        </p>
      </section>
      <h2>Connexion partenaire <span class="en" lang="en">Partner sign-in</span></h2>
      <p>Ou identifiez-vous avec votre code partenaire et le mot de passe de votre compte SFTP / API.</p>
      ${alert(error)}
      <form method="post" action="${BASE}/connexion" class="card">
        <input type="hidden" name="_csrf" value="${csrf}" />
        <p>
          <label for="partenaire">Code partenaire <span class="en" lang="en">Partner code</span></label>
          <input
            id="partenaire"
            name="partenaire"
            required
            autocomplete="username"
            maxlength="8"
            pattern="[A-Z0-9]{3,8}"
            autocapitalize="characters"
          />
        </p>
        <p>
          <label for="motDePasse">Mot de passe <span class="en" lang="en">Password</span></label>
          <input id="motDePasse" name="motDePasse" type="password" required autocomplete="current-password" />
        </p>
        <p><button type="submit">Se connecter avec le code partenaire</button></p>
      </form>`,
  );
}

export function depositPage(
  ctx: PageContext,
  opts: { syntaxes: SyntaxChoice[]; maxFlowSizeKo: number; signedByDefault: boolean; error?: string },
): string {
  return layout(
    'Déposer un flux',
    ctx,
    html`<h1>Déposer un flux <span class="en" lang="en">Deposit a flow</span></h1>
      <p>
        <strong>Déposer</strong> envoie le flux en traitement : il reçoit un numéro de flux et un compte-rendu.
        <strong>Analyser</strong> le contrôle de la même façon sans l'intégrer (aucun numéro de flux).
      </p>
      ${alert(opts.error)}
      <form method="post" action="${BASE}/deposer?box=depot" enctype="multipart/form-data" class="card">
        <input type="hidden" name="_csrf" value="${ctx.csrf}" />
        <p>
          <label for="syntaxeFlux">Type de flux <span class="en" lang="en">Flow type (syntaxeFlux)</span></label>
          <select id="syntaxeFlux" name="syntaxeFlux">
            <option value="">Détection automatique</option>
            ${opts.syntaxes.map((s) => html`<option value="${s.syntaxeFlux}">${s.syntaxeFlux} — ${s.label}</option>`)}
          </select>
        </p>
        <fieldset>
          <legend>Le flux est-il signé ? <span class="en" lang="en">Is the flow signed?</span></legend>
          <label
            ><input type="radio" name="signe" value="oui" ${opts.signedByDefault ? html` checked` : ''} /> Oui</label
          >
          <label
            ><input type="radio" name="signe" value="non" ${opts.signedByDefault ? '' : html` checked`} /> Non</label
          >
        </fieldset>
        <p>
          <label for="fichier">Fichier (${opts.maxFlowSizeKo} Ko maximum) <span class="en" lang="en">File</span></label>
          <input id="fichier" name="fichier" type="file" required />
        </p>
        <p class="actions">
          <button type="submit" class="primary">Déposer</button>
          <button type="submit" formaction="${BASE}/deposer?box=analyse">Analyser</button>
        </p>
      </form>`,
  );
}

function flowRow(f: FlowRecord): Html {
  return html`<tr>
    <td>
      <a href="${BASE}/flux/${f.id}"><code>${flowRef(f)}</code></a>
    </td>
    <td class="name">${f.originalName}</td>
    <td>${f.box === 'depot' ? 'Dépôt' : 'Analyse'}</td>
    <td>${stateBadge(f.state)}</td>
    <td>${f.syntaxeFlux ?? f.declaredInterface ?? ''}</td>
    <td>${dateFr(f.receivedAt)}</td>
  </tr>`;
}

export function flowListPage(ctx: PageContext, flows: FlowRecord[]): string {
  return layout(
    'Mes flux',
    ctx,
    html`<h1>Mes flux <span class="en" lang="en">My flows</span></h1>
      ${ctx.refresh ? html`<p class="notice" role="status">Des flux sont en cours de traitement : cette page se met à jour toutes les ${REFRESH_SECONDS} secondes.</p>` : ''}
      ${
        flows.length === 0
          ? html`<p>Aucun flux déposé pour l'instant. <a href="${BASE}/deposer">Déposer un flux</a></p>`
          : html`<table>
              <caption>
                Les ${flows.length} flux les plus récents
                <span class="en" lang="en">most recent flows</span>
              </caption>
              <thead>
                <tr>
                  <th scope="col">N° de flux</th>
                  <th scope="col">Fichier</th>
                  <th scope="col">Type</th>
                  <th scope="col">État</th>
                  <th scope="col">Syntaxe</th>
                  <th scope="col">Reçu le</th>
                </tr>
              </thead>
              <tbody>
                ${flows.map(flowRow)}
              </tbody>
            </table>`
      }`,
  );
}

/**
 * One row of a flow's stages. A stage not run (the flow stopped before it: rejected or waiting; or
 * nothing in it for this flow) shows "Non exécutée" and no start, duration or findings.
 */
export function stageRow(s: StageOutcomeRecord): Html {
  const ran = s.outcome !== 'skipped';
  return html`<tr>
    <td>${STAGE_LABELS[s.stage] ?? s.stage}</td>
    <td class="outcome ${s.outcome}">${OUTCOME_LABELS[s.outcome] ?? s.outcome}</td>
    <td>${ran ? dateFr(s.startedAt) : '—'}</td>
    <td>${ran ? `${s.durationMs.toFixed(0)} ms` : '—'}</td>
    <td>${ran ? String(s.findings.length) : '—'}</td>
  </tr>`;
}

export function findingRows(stage: string, findings: Finding[]): Html[] {
  return findings.map(
    (f) =>
      html`<tr class="${f.severity === 'fatal' ? 'fatal' : 'warning'}">
        <td>${STAGE_LABELS[stage] ?? stage}</td>
        <td>${f.nature}</td>
        <td><code>${f.code}</code></td>
        <td>${f.labelFr}${f.severity === 'warning' ? ' (avertissement)' : ''}</td>
        <td class="detail">${describeFinding(f)}</td>
        <td>${f.invoice ?? ''}</td>
      </tr>`,
  );
}

export function flowPage(
  ctx: PageContext,
  flow: FlowRecord,
  stages: StageOutcomeRecord[],
  returns: ReturnFlowRecord[],
): string {
  const findings = stages.flatMap((s) => findingRows(s.stage, s.findings));
  const signed = flow.declaredSigned === null ? 'Selon le compte' : flow.declaredSigned ? 'Oui' : 'Non';
  return layout(
    flowRef(flow),
    ctx,
    html`<h1>${flow.box === 'depot' ? 'Flux' : 'Analyse'} <code>${flowRef(flow)}</code></h1>
      ${isFinal(flow) ? '' : html`<p class="notice" role="status">Traitement en cours : cette page se met à jour toutes les ${REFRESH_SECONDS} secondes.</p>`}
      <dl class="facts">
        <dt>Fichier</dt>
        <dd class="name">${flow.originalName}</dd>
        <dt>Type de dépôt</dt>
        <dd>${flow.box === 'depot' ? 'Dépôt' : 'Analyse (sans intégration)'}</dd>
        <dt>État</dt>
        <dd>${stateBadge(flow.state)}</dd>
        <dt>Code statut</dt>
        <dd>${flow.statusCode ? html`<code>${flow.statusCode}</code>` : '—'}</dd>
        <dt>Syntaxe</dt>
        <dd>
          ${flow.syntaxeFlux ?? '—'}${flow.interfaceCode ? html` (<code>${flow.interfaceCode}</code>)` : ''}${flow.profile ? html`, profil ${flow.profile}` : ''}
        </dd>
        <dt>Type de flux déclaré</dt>
        <dd>${flow.declaredInterface ?? 'Détection automatique'}</dd>
        <dt>Flux signé (déclaré)</dt>
        <dd>${signed}</dd>
        <dt>Taille</dt>
        <dd>${flow.size.toLocaleString('fr-FR')} octets</dd>
        <dt>Reçu le</dt>
        <dd>${dateFr(flow.receivedAt)}</dd>
        <dt>Terminé le</dt>
        <dd>${flow.finishedAt ? dateFr(flow.finishedAt) : '—'}</dd>
      </dl>
      <h2>Étapes de traitement <span class="en" lang="en">Processing stages</span></h2>
      ${
        stages.length === 0
          ? html`<p>Aucune étape terminée pour l'instant.</p>`
          : html`<table>
              <thead>
                <tr>
                  <th scope="col">Étape</th>
                  <th scope="col">Résultat</th>
                  <th scope="col">Début</th>
                  <th scope="col">Durée</th>
                  <th scope="col">Anomalies</th>
                </tr>
              </thead>
              <tbody>
                ${stages.map(stageRow)}
              </tbody>
            </table>`
      }
      <h2>Anomalies <span class="en" lang="en">Findings</span></h2>
      ${
        findings.length === 0
          ? html`<p>Aucune anomalie.</p>`
          : html`<table class="findings">
              <thead>
                <tr>
                  <th scope="col">Étape</th>
                  <th scope="col">Nature</th>
                  <th scope="col">Code</th>
                  <th scope="col">Libellé</th>
                  <th scope="col">Description</th>
                  <th scope="col">Facture</th>
                </tr>
              </thead>
              <tbody>
                ${findings}
              </tbody>
            </table>`
      }
      <h2>Compte-rendu <span class="en" lang="en">Return flow</span></h2>
      ${
        returns.length === 0
          ? html`<p>Pas encore de compte-rendu.</p>`
          : html`<ul>
              ${returns.map(
                (r) =>
                  html`<li>
                    <a href="${BASE}/flux/${flow.id}/compte-rendu/${r.id}" download>${r.fileName}</a> (${r.kind},
                    produit le ${dateFr(r.createdAt)}${r.deliveredAt ? ', déposé dans retour/' : ''})
                  </li>`,
              )}
            </ul>`
      }
      <p><a href="${BASE}/flux">← Retour à la liste des flux</a></p>`,
  );
}

export function errorPage(ctx: PageContext, title: string, message: string): string {
  return layout(
    title,
    ctx,
    html`<h1>${title}</h1>
      <p>${message}</p>
      <p><a href="${BASE}">Accueil du portail</a></p>`,
  );
}

export const CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#161616;background:#f6f6f6}
header{background:#000091;color:#fff;padding:.75rem 1.5rem;display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:1rem}
header a{color:#fff}
.brand a{font-weight:700;font-size:1.25rem;text-decoration:none}
.brand span{opacity:.8;font-size:.9rem;margin-left:.5rem}
nav{display:flex;align-items:center;gap:1.5rem;flex-wrap:wrap}
nav ul{list-style:none;display:flex;gap:1.25rem;margin:0;padding:0}
.logout{display:flex;align-items:center;gap:.75rem;margin:0}
.logout code{color:#fff}
main{max-width:72rem;margin:0 auto;padding:1.5rem}
h1 .en,h2 .en,label .en,legend .en,caption .en{display:block;font-size:.8rem;font-weight:400;color:#666}
header .en{color:#ddd}
.card{background:#fff;border:1px solid #ddd;padding:1.25rem 1.5rem;max-width:40rem}
label{font-weight:600;display:block;margin-bottom:.25rem}
fieldset{border:1px solid #ddd;margin:0 0 1rem;padding:.5rem 1rem}
fieldset label{display:inline-block;font-weight:400;margin-right:1.5rem}
input,select,button{font:inherit}
input:not([type=radio]),select{width:100%;padding:.4rem;border:1px solid #888;border-radius:2px;background:#fff}
button{padding:.45rem 1.1rem;border:1px solid #000091;background:#fff;color:#000091;cursor:pointer}
button.primary{background:#000091;color:#fff}
a.button{display:inline-block;padding:.45rem 1.1rem;border:1px solid #000091;text-decoration:none}
a.button.primary{background:#000091;color:#fff}
.logout button{border-color:#fff;background:transparent;color:#fff}
:focus-visible{outline:3px solid #0a76f6;outline-offset:2px}
.actions button{margin-right:.75rem}
.alert{border-left:4px solid #ce0500;background:#ffe9e9;padding:.75rem 1rem}
.notice{border-left:4px solid #0063cb;background:#e8edff;padding:.75rem 1rem}
table{border-collapse:collapse;width:100%;background:#fff;margin-bottom:1.5rem}
caption{text-align:left;font-weight:600;padding:.5rem 0}
th,td{border:1px solid #ddd;padding:.4rem .6rem;text-align:left;vertical-align:top}
th{background:#eee}
td.name,td.detail,dd.name{overflow-wrap:anywhere}
.findings td code{white-space:nowrap}
.findings tr.fatal td:first-child{border-left:4px solid #ce0500}
.findings tr.warning td:first-child{border-left:4px solid #b34000}
.badge{display:inline-block;padding:0 .5rem;border-radius:.75rem;font-size:.85rem;font-weight:600}
.badge.ok{background:#b8fec9;color:#18753c}.badge.ko{background:#ffe9e9;color:#ce0500}
.badge.partial{background:#feecc2;color:#716043}.badge.wait{background:#e8edff;color:#0063cb}
.outcome.ok{color:#18753c}.outcome.rejected{color:#ce0500}.outcome.skipped{color:#666}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1.5rem;background:#fff;border:1px solid #ddd;padding:1rem 1.5rem}
dl.facts dt{font-weight:600}dl.facts dd{margin:0}
footer{max-width:72rem;margin:0 auto;padding:1rem 1.5rem;color:#666;font-size:.85rem}
`;
