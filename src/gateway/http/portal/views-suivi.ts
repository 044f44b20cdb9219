/** Pages "Déposer un flux" (with émetteur and return syntax) and "Suivi des flux" of the account journey. */
import type { FlowRecord, ReturnFlowRecord, StageOutcomeRecord } from '../../../store/types.ts';
import { TERMINAL_STATES } from '../../../store/types.ts';
import { html } from './html.ts';
import type { Html } from './html.ts';
import { BASE, STATE_LABELS, findingRows, flowRef, isFinal, stageRow, stateBadge } from './views.ts';
import { alert, hidden, layout, notice } from './views-accounts.ts';
import type { AccountContext } from './views-accounts.ts';

export const ESPACE = `${BASE}/espace`;

/** The three deposit types of the platform's form, with the interface codes Passerelle processes. */
export const FLOW_TYPES = [
  {
    id: 'facture',
    label: 'Facture, facture de travaux et mémoire de justice (Dépôt)',
    codes: [
      { code: 'FSO1100A', label: 'FSO1100A – UBL 2.1 (IN_DP_E1_UBL_INVOICE)' },
      { code: 'FSO1106A', label: 'FSO1106A – CII D16B (IN_DP_E1_CII_16B)' },
      { code: 'FSO1113A', label: 'FSO1113A – CPP Facture mixte (IN_DP_E2_CPP_FACTURE_MIN)' },
      { code: 'FSO1117A', label: 'FSO1117A – Factur-X (IN_DP_E2_CII_FACTURX)' },
    ],
  },
  {
    id: 'cdv',
    label: 'Cycle de vie (Dépôt)',
    codes: [{ code: 'FSO1200A', label: 'FSO1200A – CPPStatut (IN_CDV_CPP_STATUT)' }],
  },
  {
    id: 'crf',
    label: 'Compte-rendu de flux (Dépôt)',
    // No compte-rendu deposit syntax is processed yet: the flow is detected and answered as any other.
    codes: [],
  },
] as const;

const typeOfCode = (code: string | null): string => {
  if (!code) return '—';
  const t = FLOW_TYPES.find((x) => (x.codes as readonly { code: string }[]).some((c) => c.code === code));
  return t ? t.label.replace(/ \(Dépôt\)$/, '').replace(/, facture de travaux et mémoire de justice/, '') : '—';
};

const dateFr = (d: Date | null): string =>
  d ? d.toLocaleString('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'medium' }) : '';

export interface Emitter {
  siret: string;
  name: string;
}

export function depositFormPage(
  ctx: AccountContext,
  data: {
    emitters: Emitter[];
    maxFlowSizeKo: number;
    returnSyntax: string;
    values?: Record<string, string>;
    error?: string;
  },
): string {
  const v = data.values ?? {};
  const type = v.type ?? 'facture';
  return layout(
    'Déposer un flux',
    ctx,
    html`<h1>Déposer un flux <span class="en" lang="en">Deposit a flow</span></h1>
      ${alert(data.error)}
      ${
        data.emitters.length
          ? ''
          : notice('Aucune structure émettrice : créez votre matelas de données depuis Mon compte.')
      }
      <form method="post" action="${ESPACE}/deposer" enctype="multipart/form-data" class="card" id="depot">
        ${hidden('_csrf', ctx.csrf ?? '')}
        <p>
          <label for="emetteur">Émetteur <span class="en" lang="en">Issuer (a structure of your matelas)</span></label>
          <select id="emetteur" name="emetteur" required>
            ${data.emitters.map(
              (e) =>
                html`<option value="${e.siret}" ${v.emetteur === e.siret ? html`selected` : ''}>
                  ${e.siret} – ${e.name}
                </option>`,
            )}
          </select>
        </p>
        <p>
          <label for="typeFlux">Type de flux <span class="en" lang="en">Flow type</span></label>
          <select id="typeFlux" name="type">
            ${FLOW_TYPES.map(
              (t) => html`<option value="${t.id}" ${type === t.id ? html`selected` : ''}>${t.label}</option>`,
            )}
          </select>
        </p>
        <p>
          <label for="codeInterface"
            >Code interface <span class="en" lang="en">Interface code (depends on the type)</span></label
          >
          <select id="codeInterface" name="codeInterface">
            <option value="" data-type="*">Détection automatique</option>
            ${FLOW_TYPES.map((t) =>
              (t.codes as readonly { code: string; label: string }[]).map(
                (c) =>
                  html`<option
                    value="${c.code}"
                    data-type="${t.id}"
                    ${v.codeInterface === c.code ? html`selected` : ''}
                    ${t.id !== type ? html`hidden disabled` : ''}
                  >
                    ${c.label}
                  </option>`,
              ),
            )}
          </select>
        </p>
        <fieldset>
          <legend>Le flux est-il signé ? <span class="en" lang="en">Is the flow signed?</span></legend>
          <label
            ><input type="radio" name="signe" value="oui" id="signe-oui" ${v.signe === 'oui' ? html`checked` : ''} />
            Oui</label
          >
          <label
            ><input type="radio" name="signe" value="non" id="signe-non" ${v.signe !== 'oui' ? html`checked` : ''} />
            Non</label
          >
        </fieldset>
        <fieldset>
          <legend>Syntaxe du flux retour <span class="en" lang="en">Return flow syntax, for this deposit</span></legend>
          ${['CPPStatut', 'AIFEStatut'].map(
            (s) =>
              html`<label
                ><input
                  type="radio"
                  name="syntaxeRetour"
                  value="${s}"
                  id="retour-${s}"
                  ${(v.syntaxeRetour ?? data.returnSyntax) === s ? html`checked` : ''}
                />
                ${s} (${s === 'CPPStatut' ? 'FEN1200' : 'FEN1201'})</label
              >`,
          )}
        </fieldset>
        <p>
          <label for="fichier">Fichier (${data.maxFlowSizeKo} Ko maximum) <span class="en" lang="en">File</span></label>
          <input id="fichier" name="fichier" type="file" required />
        </p>
        <p class="actions">
          <button type="submit" name="action" value="analyser" formaction="${ESPACE}/deposer?box=analyse">
            Analyser
          </button>
          <button type="submit" class="primary" name="action" value="deposer" formaction="${ESPACE}/deposer?box=depot">
            Déposer
          </button>
        </p>
        <p class="hint">
          <strong>Analyser</strong> contrôle le fichier sans l’intégrer (pas de numéro de flux) ;
          <strong>Déposer</strong> l’intègre et produit son compte-rendu dans la syntaxe choisie.
        </p>
      </form>`,
    { script: true },
  );
}

export interface SuiviQuery {
  du: string;
  au: string;
  numero: string;
  fichier: string;
  type: string;
  etat: string;
  statut: string;
  page: number;
}

function flowRow(f: FlowRecord, returns: ReturnFlowRecord[]): Html {
  const cr = returns.filter((r) => r.flowId === f.id);
  return html`<tr>
    <td>${dateFr(f.receivedAt)}</td>
    <td>
      <a href="${ESPACE}/flux/${f.id}"><code>${flowRef(f)}</code></a>
    </td>
    <td class="name">${f.originalName}</td>
    <td>${typeOfCode(f.interfaceCode ?? f.declaredInterface)}</td>
    <td><code>${f.interfaceCode ?? f.declaredInterface ?? '—'}</code></td>
    <td>${STATE_LABELS[f.state] ?? f.state}</td>
    <td class="statut">${f.statusCode ?? '—'}</td>
    <td>
      ${cr.map(
        (r) =>
          html`<a href="${ESPACE}/flux/${f.id}/compte-rendu/${r.id}" class="${r.kind === 'cycle-de-vie' ? 'cdv' : 'cr'}"
              >${r.kind === 'cycle-de-vie' ? 'Cycle de vie' : 'Compte-rendu'}</a
            ><br />`,
      )}
      ${f.stored ? html`<a href="${ESPACE}/flux/${f.id}/original">Fichier déposé</a>` : ''}
    </td>
  </tr>`;
}

export function suiviPage(
  ctx: AccountContext,
  data: { query: SuiviQuery; flows: FlowRecord[]; returns: ReturnFlowRecord[]; total: number; pageSize: number },
): string {
  const q = data.query;
  const pages = Math.max(1, Math.ceil(data.total / data.pageSize));
  const link = (page: number) => {
    const p = new URLSearchParams({ ...q, page: String(page) });
    for (const [k, val] of [...p]) if (!val) p.delete(k);
    return `${ESPACE}/suivi?${p.toString()}`;
  };
  const pending = data.flows.some((f) => !isFinal(f));
  return layout(
    'Suivi des flux',
    ctx,
    html`<h1>Suivi des flux <span class="en" lang="en">Flow follow-up</span></h1>
      <form method="get" action="${ESPACE}/suivi" class="card search-flows">
        <div class="grid">
          <p><label for="du">Déposé du</label><input id="du" name="du" type="date" value="${q.du}" /></p>
          <p><label for="au">au</label><input id="au" name="au" type="date" value="${q.au}" /></p>
          <p>
            <label for="numero">N° de flux</label><input id="numero" name="numero" maxlength="30" value="${q.numero}" />
          </p>
          <p>
            <label for="fichierRecherche">Nom du fichier</label
            ><input id="fichierRecherche" name="fichier" maxlength="255" value="${q.fichier}" />
          </p>
          <p>
            <label for="typeRecherche">Type de flux</label>
            <select id="typeRecherche" name="type">
              <option value="">Tous</option>
              ${FLOW_TYPES.map((t) => html`<option value="${t.id}" ${q.type === t.id ? html`selected` : ''}>${t.label}</option>`)}
            </select>
          </p>
          <p>
            <label for="etat">État</label>
            <select id="etat" name="etat">
              <option value="">Tous</option>
              ${Object.entries(STATE_LABELS).map(
                ([k, label]) => html`<option value="${k}" ${q.etat === k ? html`selected` : ''}>${label}</option>`,
              )}
            </select>
          </p>
          <p>
            <label for="statut">Code statut</label>
            <select id="statut" name="statut">
              <option value="">Tous</option>
              ${['90', '93', '96'].map((c) => html`<option value="${c}" ${q.statut === c ? html`selected` : ''}>${c}</option>`)}
            </select>
          </p>
        </div>
        <p><button type="submit" class="primary">Rechercher</button></p>
      </form>
      <div id="liste-flux" ${pending ? html`data-live="${link(q.page).replace('/suivi?', '/suivi/fragment?')}"` : ''}>
        ${suiviTable(data.flows, data.returns, data.total, q.page, pages, link)}
      </div>`,
    { script: true },
  );
}

export function suiviTable(
  flows: FlowRecord[],
  returns: ReturnFlowRecord[],
  total: number,
  page: number,
  pages: number,
  link: (page: number) => string,
): Html {
  return html`<p role="status">${total} flux — page ${page} / ${pages}</p>
    <table class="flux">
      <thead>
        <tr>
          <th>Date de dépôt</th>
          <th>N° de flux</th>
          <th>Fichier</th>
          <th>Type</th>
          <th>Code interface</th>
          <th>État</th>
          <th>Code statut</th>
          <th>Documents</th>
        </tr>
      </thead>
      <tbody>
        ${
          flows.length
            ? flows.map((f) => flowRow(f, returns))
            : html`<tr>
                <td colspan="8">Aucun flux.</td>
              </tr>`
        }
      </tbody>
    </table>
    <nav aria-label="Pages" class="pages">
      ${page > 1 ? html`<a href="${link(page - 1)}" rel="prev">← Précédente</a>` : ''}
      ${page < pages ? html`<a href="${link(page + 1)}" rel="next">Suivante →</a>` : ''}
    </nav>`;
}

/** The compte-rendu's leaf elements as (element, value) rows: readable without an XML viewer. */
function reportRows(xml: string): Array<{ name: string; value: string }> {
  const rows: Array<{ name: string; value: string }> = [];
  const re = /<([A-Za-z_][\w.:-]*)(?:\s[^>]*)?>([^<]+)<\/\1>/g;
  for (let m = re.exec(xml); m && rows.length < 500; m = re.exec(xml)) {
    const value = m[2]!
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&')
      .trim();
    if (value) rows.push({ name: m[1]!.replace(/^\w+:/, ''), value });
  }
  return rows;
}

/** State, stages and findings: the part of the flow page that updates itself while processing. */
export function flowLive(flow: FlowRecord, stages: StageOutcomeRecord[]): Html {
  const findings = stages.flatMap((s) => findingRows(s.stage, s.findings));
  return html`<dl class="facts">
      <dt>État</dt>
      <dd>${stateBadge(flow.state)}</dd>
      <dt>Code statut</dt>
      <dd class="statut">${flow.statusCode ? html`<code>${flow.statusCode}</code>` : '—'}</dd>
    </dl>
    <h2>Étapes de traitement <span class="en" lang="en">Processing stages</span></h2>
    ${
      stages.length
        ? html`<table>
            <thead>
              <tr>
                <th>Étape</th>
                <th>Résultat</th>
                <th>Début</th>
                <th>Durée</th>
                <th>Anomalies</th>
              </tr>
            </thead>
            <tbody>
              ${stages.map(stageRow)}
            </tbody>
          </table>`
        : html`<p>Aucune étape terminée pour l’instant.</p>`
    }
    <h2>Anomalies <span class="en" lang="en">Findings</span></h2>
    ${
      findings.length
        ? html`<table class="findings">
            <thead>
              <tr>
                <th>Étape</th>
                <th>Nature</th>
                <th>Code</th>
                <th>Libellé</th>
                <th>Description</th>
                <th>Facture</th>
              </tr>
            </thead>
            <tbody>
              ${findings}
            </tbody>
          </table>`
        : html`<p>Aucune anomalie.</p>`
    }`;
}

export function espaceFlowPage(
  ctx: AccountContext,
  flow: FlowRecord,
  stages: StageOutcomeRecord[],
  returns: ReturnFlowRecord[],
  emitterName: string | undefined,
): string {
  const final = TERMINAL_STATES.includes(flow.state);
  return layout(
    flowRef(flow),
    ctx,
    html`<h1>${flow.box === 'depot' ? 'Flux' : 'Analyse'} <code>${flowRef(flow)}</code></h1>
      <dl class="facts">
        <dt>Fichier</dt>
        <dd class="name">
          ${flow.originalName}
          ${flow.stored ? html`(<a href="${ESPACE}/flux/${flow.id}/original">télécharger</a>)` : ''}
        </dd>
        <dt>Émetteur</dt>
        <dd>${flow.emitter ? html`${flow.emitter}${emitterName ? html` – ${emitterName}` : ''}` : '—'}</dd>
        <dt>Type de flux</dt>
        <dd>${typeOfCode(flow.interfaceCode ?? flow.declaredInterface)}</dd>
        <dt>Code interface</dt>
        <dd>
          <code>${flow.interfaceCode ?? flow.declaredInterface ?? '—'}</code>
          ${flow.declaredInterface ? '(déclaré)' : ''}
        </dd>
        <dt>Syntaxe</dt>
        <dd>${flow.syntaxeFlux ?? '—'}${flow.profile ? html`, profil ${flow.profile}` : ''}</dd>
        <dt>Flux signé (déclaré)</dt>
        <dd>${flow.declaredSigned === null ? 'Selon le compte' : flow.declaredSigned ? 'Oui' : 'Non'}</dd>
        <dt>Syntaxe du flux retour</dt>
        <dd>${flow.returnSyntax ?? 'Celle du compte'}</dd>
        <dt>Reçu le</dt>
        <dd>${dateFr(flow.receivedAt)}</dd>
      </dl>
      <div id="etat-flux" ${final ? '' : html`data-live="${ESPACE}/flux/${flow.id}/fragment"`}>
        ${flowLive(flow, stages)}
      </div>
      <h2>Compte-rendu et flux retour <span class="en" lang="en">Return flows</span></h2>
      ${
        returns.length
          ? returns.map(
              (r) =>
                html`<section class="${r.kind === 'cycle-de-vie' ? 'cdv' : 'cr'}">
                  <p>
                    ${r.kind === 'cycle-de-vie' ? 'Cycle de vie' : 'Compte-rendu'} <strong>${r.fileName}</strong> —
                    <a href="${ESPACE}/flux/${flow.id}/compte-rendu/${r.id}" download>Télécharger le XML</a>
                  </p>
                  <table class="compte-rendu">
                    <thead>
                      <tr>
                        <th>Élément</th>
                        <th>Valeur</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${reportRows(r.content).map(
                        (x) =>
                          html`<tr>
                            <td><code>${x.name}</code></td>
                            <td class="detail">${x.value}</td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>
                </section>`,
            )
          : html`<p>${final ? 'Aucun compte-rendu.' : 'Le compte-rendu sera disponible à la fin du traitement.'}</p>`
      }`,
    { script: true },
  );
}

export const SUIVI_CSS = `
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(12rem,1fr));gap:0 1rem}
.search-flows{max-width:none}
nav.pages{display:flex;gap:1.5rem;margin-bottom:1rem}
table.flux td{font-size:.92rem}
@media (max-width:480px){table.flux,table.compte-rendu,table.findings{display:block;overflow-x:auto}}
`;

/**
 * Live update of one fragment (the flow list, or the state of a flow) while something is processing:
 * a light poll every 2 s of `data-live`, stopping once the server sends a fragment without it.
 */
export const SUIVI_JS = `
(function () {
  var type = document.getElementById('typeFlux');
  var code = document.getElementById('codeInterface');
  if (type && code) {
    var sync = function () {
      for (var i = 0; i < code.options.length; i++) {
        var o = code.options[i];
        var ok = o.dataset.type === '*' || o.dataset.type === type.value;
        o.hidden = !ok;
        o.disabled = !ok;
        if (!ok && o.selected) code.value = '';
      }
    };
    type.addEventListener('change', sync);
    sync();
  }
  var live = document.querySelector('[data-live]');
  if (!live) return;
  var url = live.getAttribute('data-live');
  var tick = function () {
    fetch(url, { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (body) {
        var more = body.indexOf('<!--live-->') === 0;
        live.innerHTML = body.replace('<!--live-->', '');
        if (more) setTimeout(tick, 2000);
        else if (live.id === 'etat-flux') location.reload();
      })
      .catch(function () { setTimeout(tick, 5000); });
  };
  setTimeout(tick, 2000);
})();
`;
