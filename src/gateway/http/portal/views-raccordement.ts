/** Pages "Espaces" (Ajouter des espaces) and "Raccordement EDI et API" of a structure. */
import type { RaccordementRecord, Space } from '../../../store/raccordements.ts';
import { html } from './html.ts';
import type { Html } from './html.ts';
import { BASE } from './views.ts';
import { alert, field, hidden, layout, notice } from './views-accounts.ts';
import type { AccountContext } from './views-accounts.ts';

const SPACE_LABELS: Record<Space, string> = {
  raccordement: 'Raccordement EDI et API',
  suivi: 'Suivi des flux',
};

const RACCORDEMENT_STATES: Record<RaccordementRecord['state'], string> = {
  DEMANDEE: 'En attente de validation',
  VALIDEE: 'Validée',
  REFUSEE: 'Refusée',
};

export interface StructureRef {
  id: number;
  siret: string;
  name: string;
}

const dateFr = (d: Date | null): string =>
  d ? d.toLocaleString('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' }) : '';

/** The structure a page is about, or the reason there is none (an account owner acts through its test users). */
function structureHeader(structure: StructureRef): Html {
  return html`<p>Structure : <strong>${structure.siret} – ${structure.name}</strong></p>`;
}

export function noStructurePage(ctx: AccountContext, title: string): string {
  return layout(
    title,
    ctx,
    html`<h1>${title}</h1>
      ${notice(
        'Cette page concerne une structure : connectez-vous avec un utilisateur de la structure (le gestionnaire principal ou un utilisateur de votre matelas de données, identifiants dans le fichier CSV).',
      )}`,
  );
}

export function espacesPage(
  ctx: AccountContext,
  data: { structure: StructureRef; spaces: Space[]; canAdd: boolean; info?: string; error?: string },
): string {
  const missing = (Object.keys(SPACE_LABELS) as Space[]).filter((s) => !data.spaces.includes(s));
  return layout(
    'Espaces',
    ctx,
    html`<h1>Espaces de la structure <span class="en" lang="en">Spaces of the structure</span></h1>
      ${structureHeader(data.structure)} ${alert(data.error)} ${notice(data.info)}
      <table>
        <thead>
          <tr>
            <th>Espace</th>
            <th>Services</th>
            <th>Droits</th>
          </tr>
        </thead>
        <tbody>
          ${
            data.spaces.length
              ? data.spaces.map(
                  (s) =>
                    html`<tr>
                      <td>
                        <a href="${s === 'raccordement' ? `${BASE}/raccordement` : `${BASE}/espace/suivi`}"
                          >${SPACE_LABELS[s]}</a
                        >
                      </td>
                      <td>Tous les services</td>
                      <td>Consultation et modification</td>
                    </tr>`,
                )
              : html`<tr>
                  <td colspan="3">Aucun espace n’est encore ajouté.</td>
                </tr>`
          }
        </tbody>
      </table>
      ${
        data.canAdd && missing.length
          ? html`<form method="post" action="${BASE}/espaces" class="card">
              ${hidden('_csrf', ctx.csrf ?? '')}
              <fieldset>
                <legend>Ajouter des espaces <span class="en" lang="en">Add spaces</span></legend>
                ${missing.map(
                  (s) =>
                    html`<label
                      ><input type="checkbox" name="espace-${s}" value="oui" id="espace-${s}" checked />
                      ${SPACE_LABELS[s]}</label
                    >`,
                )}
                <p class="hint">Tous les services de la structure, droits de consultation et de modification.</p>
              </fieldset>
              <p><button type="submit" class="primary">Ajouter</button></p>
            </form>`
          : data.canAdd
            ? ''
            : html`<p class="hint">Seul le gestionnaire principal de la structure ajoute des espaces.</p>`
      }`,
  );
}

export function raccordementPage(
  ctx: AccountContext,
  data: {
    structure: StructureRef;
    hasSpace: boolean;
    requests: RaccordementRecord[];
    values?: Record<string, string>;
    error?: string;
    info?: string;
  },
): string {
  const v = data.values ?? {};
  const list = html`<table id="demandes">
    <caption>
      Mes demandes de raccordement
      <span class="en" lang="en">My connection requests</span>
    </caption>
    <thead>
      <tr>
        <th>N°</th>
        <th>Mode</th>
        <th>Contact technique</th>
        <th>Date</th>
        <th>État</th>
      </tr>
    </thead>
    <tbody>
      ${
        data.requests.length
          ? data.requests.map(
              (r) =>
                html`<tr>
                  <td>${r.id}</td>
                  <td>${r.mode === 'SFTP' ? 'EDI (SFTP)' : 'API'}</td>
                  <td>${r.contactName} &lt;${r.contactEmail}&gt;</td>
                  <td>${dateFr(r.createdAt)}</td>
                  <td class="etat-${r.state}">
                    ${RACCORDEMENT_STATES[r.state]}
                    ${r.state === 'VALIDEE' ? html`— identifiant <code>${r.partner}</code> (informations envoyées par courriel)` : ''}
                    ${r.decisionComment ? html`<br />${r.decisionComment}` : ''}
                  </td>
                </tr>`,
            )
          : html`<tr>
              <td colspan="5">Aucune demande.</td>
            </tr>`
      }
    </tbody>
  </table>`;
  const form = html`<form method="post" action="${BASE}/raccordement" class="card">
    ${hidden('_csrf', ctx.csrf ?? '')}
    <fieldset>
      <legend>Mode de raccordement <span class="en" lang="en">Connection mode</span></legend>
      <label
        ><input type="radio" name="mode" value="SFTP" id="mode-sftp" ${v.mode !== 'API' ? html`checked` : ''} /> EDI
        (SFTP)</label
      >
      <label
        ><input type="radio" name="mode" value="API" id="mode-api" ${v.mode === 'API' ? html`checked` : ''} />
        API</label
      >
    </fieldset>
    <fieldset>
      <legend>Contact technique <span class="en" lang="en">Technical contact</span></legend>
      ${field('contactNom', 'Nom prénom', 'Name', { required: true, value: v.contactNom })}
      ${field('contactTelephone', 'Téléphone', 'Phone', { type: 'tel', value: v.contactTelephone, max: 30 })}
      ${field('contactEmail', 'Adresse électronique', 'E-mail address', { type: 'email', required: true, value: v.contactEmail })}
      ${field('contactFax', 'Fax', 'Fax', { type: 'tel', value: v.contactFax, max: 30 })}
    </fieldset>
    <fieldset>
      <legend>Authentification <span class="en" lang="en">Credentials</span></legend>
      <p>
        <label for="clePublique"
          >Clé publique SSH (EDI) <span class="en" lang="en">SSH public key, one authorized_keys line</span></label
        >
        <textarea id="clePublique" name="clePublique" rows="3" maxlength="4000">${v.clePublique ?? ''}</textarea>
      </p>
      <p>
        <label for="motDePasseRaccordement"
          >ou mot de passe (EDI ou API)
          <span class="en" lang="en">or a password (12 characters, 3 of 4 kinds)</span></label
        >
        <input
          id="motDePasseRaccordement"
          name="motDePasse"
          type="password"
          autocomplete="new-password"
          maxlength="200"
        />
      </p>
    </fieldset>
    <p>
      <label for="commentaires">Commentaires <span class="en" lang="en">Comments</span></label>
      <textarea id="commentaires" name="commentaires" rows="3" maxlength="2000">${v.commentaires ?? ''}</textarea>
    </p>
    <p><button type="submit" class="primary">Envoyer la demande</button></p>
  </form>`;
  return layout(
    'Raccordement EDI et API',
    ctx,
    html`<h1>Raccordement EDI et API <span class="en" lang="en">EDI and API connection</span></h1>
      ${structureHeader(data.structure)} ${alert(data.error)} ${notice(data.info)}
      ${
        data.hasSpace
          ? html`${list}
              <h2>Nouvelle demande <span class="en" lang="en">New request</span></h2>
              ${form}`
          : notice(
              'L’espace « Raccordement EDI et API » n’est pas ajouté à cette structure : le gestionnaire principal l’ajoute depuis la page Espaces.',
            )
      }`,
  );
}
