/**
 * "Déposer un flux" and "Suivi des flux" of the account journey. A signed-in user deposits for a
 * structure of its matelas (émetteur) with the return syntax of its choice for this deposit, and
 * follows the flows of its account: searchable list, flow page with stages, findings and the
 * compte-rendu as a table, downloads. Every lookup is scoped to the user's partner: another account's
 * flow answers 404 exactly like a missing one. Test users need the "Suivi des flux" space.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { listStructures } from '../../../store/directory.ts';
import { listSpaces } from '../../../store/raccordements.ts';
import { searchFlows } from '../../../store/suivi.ts';
import type { FlowRecord } from '../../../store/types.ts';
import type { PortalServices } from '../../services.ts';
import type { PortalAuth, Signed } from './accounts.ts';
import { foreignPost, same, send } from './accounts.ts';
import { html } from './html.ts';
import { TERMINAL_STATES } from '../../../store/types.ts';
import { receiveDepositForm } from './upload.ts';
import { accountErrorPage } from './views-accounts.ts';
import { ESPACE, FLOW_TYPES, depositFormPage, espaceFlowPage, flowLive, suiviPage, suiviTable } from './views-suivi.ts';
import type { Emitter, SuiviQuery } from './views-suivi.ts';

const PAGE_SIZE = 20;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function registerSuivi(scope: FastifyInstance, services: PortalServices, auth: PortalAuth): void {
  const { config } = services;
  const db = () => services.db;
  const tmpDir = path.join(config.dataDir, 'tmp');

  /** Signed in, and allowed to the flows (account owners always; test users with the Suivi des flux space). */
  const allowed = async (req: FastifyRequest, reply: FastifyReply): Promise<Signed | undefined> => {
    const s = await auth.signedIn(req, reply);
    if (!s) return undefined;
    if (s.viewer.kind === 'test' && !(await listSpaces(db(), s.viewer.user.structureId)).includes('suivi')) {
      await send(
        reply,
        403,
        accountErrorPage(
          s.ctx,
          'Espace non ajouté',
          'L’espace « Suivi des flux » n’est pas ajouté à votre structure : le gestionnaire principal l’ajoute depuis la page Espaces.',
        ),
      );
      return undefined;
    }
    return s;
  };

  const emitters = async (s: Signed): Promise<Emitter[]> =>
    (await listStructures(db(), s.partner))
      // Suppliers first (invoice deposits); recipients too (Cycle de vie deposits).
      .sort((a, b) => Number(b.issuesInvoices) - Number(a.issuesInvoices))
      .map((x) => ({ siret: x.siret, name: x.name }));

  const depositView = async (
    s: Signed,
    status: number,
    reply: FastifyReply,
    extra: { values?: Record<string, string>; error?: string } = {},
  ) =>
    send(
      reply,
      status,
      depositFormPage(s.ctx, {
        emitters: await emitters(s),
        maxFlowSizeKo: config.maxFlowSizeKo,
        returnSyntax: (await services.partners.getPartner(s.partner))?.returnSyntax ?? 'CPPStatut',
        ...extra,
      }),
    );

  scope.get(`${ESPACE}/deposer`, async (req, reply) => {
    const s = await allowed(req, reply);
    return s ? depositView(s, 200, reply) : reply;
  });

  scope.post<{ Querystring: { box?: string } }>(`${ESPACE}/deposer`, async (req, reply) => {
    const s = await allowed(req, reply);
    if (!s) return reply;
    const box = req.query.box === 'analyse' ? 'analyse' : req.query.box === 'depot' ? 'depot' : undefined;
    if (!box || !req.isMultipart()) return depositView(s, 400, reply, { error: 'Formulaire invalide.' });
    const form = await receiveDepositForm(req, {
      tmpDir,
      maxFlowSizeKo: config.maxFlowSizeKo,
      tokenOk: (f) => !foreignPost(req) && same(f._csrf, s.session.csrf),
    });
    const { fields } = form;
    const upload = form.upload;
    let refusal = form.refusal;
    const type = FLOW_TYPES.find((t) => t.id === fields.type);
    const code = fields.codeInterface ?? '';
    const emitter = (await emitters(s)).find((e) => e.siret === fields.emetteur);
    const returnSyntax =
      fields.syntaxeRetour === 'AIFEStatut'
        ? 'AIFEStatut'
        : fields.syntaxeRetour === 'CPPStatut'
          ? 'CPPStatut'
          : undefined;
    if (!refusal && !emitter)
      refusal = { status: 400, message: 'Émetteur inconnu : choisissez une structure de votre matelas.' };
    if (!refusal && !type) refusal = { status: 400, message: 'Type de flux inconnu.' };
    if (!refusal && code && !(type!.codes as readonly { code: string }[]).some((c) => c.code === code))
      refusal = { status: 400, message: `Le code interface ${code} ne correspond pas au type de flux choisi.` };
    if (!refusal && !returnSyntax) refusal = { status: 400, message: 'Choisissez la syntaxe du flux retour.' };
    if (!refusal && !upload) refusal = { status: 400, message: 'Aucun fichier sélectionné.' };
    if (refusal || !upload) {
      if (upload) await rm(upload.file, { force: true });
      const r = refusal ?? { status: 400, message: 'Aucun fichier sélectionné.' };
      const values = { ...fields };
      delete values._csrf;
      return depositView(s, r.status, reply, { values, error: r.message });
    }
    const res = await services.intake.claim({
      partner: s.partner,
      box,
      path: upload.file,
      originalName: upload.name,
      transport: 'portal',
      emitter: emitter!.siret,
      returnSyntax: returnSyntax!,
      ...(code ? { declaredInterface: code } : {}),
      ...(fields.signe === 'oui' ? { declaredSigned: true } : fields.signe === 'non' ? { declaredSigned: false } : {}),
    });
    services.logger.info(
      { partner: s.partner, box, flow: res.flowNumber ?? res.id, emitter: emitter!.siret, returnSyntax },
      'portal deposit',
    );
    return reply.redirect(`${ESPACE}/flux/${res.id}`, 303);
  });

  // ------------------------------------------------------------------------------------------
  // Suivi des flux

  const query = (raw: Record<string, string | undefined>): SuiviQuery => {
    const str = (k: string, max = 100) =>
      String(raw[k] ?? '')
        .trim()
        .slice(0, max);
    const page = Number(str('page', 6));
    return {
      du: DATE.test(str('du')) ? str('du') : '',
      au: DATE.test(str('au')) ? str('au') : '',
      numero: str('numero', 30),
      fichier: str('fichier', 255),
      type: FLOW_TYPES.some((t) => t.id === str('type')) ? str('type') : '',
      etat: /^IN_[A-Z_]{1,40}$/.test(str('etat')) ? str('etat') : '',
      statut: ['90', '93', '96'].includes(str('statut')) ? str('statut') : '',
      page: Number.isInteger(page) && page >= 1 && page <= 100000 ? page : 1,
    };
  };

  const search = async (s: Signed, q: SuiviQuery) => {
    const type = FLOW_TYPES.find((t) => t.id === q.type);
    const { flows, total } = await searchFlows(db(), {
      partner: s.partner,
      ...(q.du ? { from: q.du } : {}),
      ...(q.au ? { to: q.au } : {}),
      ...(q.numero ? { flowNumber: q.numero } : {}),
      ...(q.fichier ? { fileName: q.fichier } : {}),
      ...(type ? { interfaceCodes: (type.codes as readonly { code: string }[]).map((c) => c.code) } : {}),
      ...(q.etat ? { state: q.etat } : {}),
      ...(q.statut ? { statusCode: q.statut } : {}),
      page: q.page,
      pageSize: PAGE_SIZE,
    });
    const returns = (await Promise.all(flows.map((f) => services.flows.returnFlows(f.id))))
      .flat()
      .filter((r) => r.partner === s.partner);
    return { flows, total, returns };
  };
  const linkOf = (q: SuiviQuery) => (page: number) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...q, page: String(page) })) if (v) p.set(k, String(v));
    return `${ESPACE}/suivi?${p.toString()}`;
  };

  scope.get<{ Querystring: Record<string, string> }>(`${ESPACE}/suivi`, async (req, reply) => {
    const s = await allowed(req, reply);
    if (!s) return reply;
    const q = query(req.query);
    return send(reply, 200, suiviPage(s.ctx, { query: q, ...(await search(s, q)), pageSize: PAGE_SIZE }));
  });

  /** The list alone, for the live update; `<!--live-->` first while a flow is still processing. */
  scope.get<{ Querystring: Record<string, string> }>(`${ESPACE}/suivi/fragment`, async (req, reply) => {
    const s = await allowed(req, reply);
    if (!s) return reply;
    const q = query(req.query);
    const r = await search(s, q);
    const pending = r.flows.some((f) => !TERMINAL_STATES.includes(f.state));
    const pages = Math.max(1, Math.ceil(r.total / PAGE_SIZE));
    return send(
      reply,
      200,
      html`${pending ? html`<!--live-->` : ''}${suiviTable(r.flows, r.returns, r.total, q.page, pages, linkOf(q))}`
        .value,
    );
  });

  /** The user's own flow of this id; another account's answers exactly like a missing one. */
  const ownFlow = async (s: Signed, id: string): Promise<FlowRecord | undefined> => {
    if (!/^\d{1,15}$/.test(id)) return undefined;
    const flow = await services.flows.get(Number(id));
    return flow && flow.partner === s.partner ? flow : undefined;
  };
  const notFound = (reply: FastifyReply, s: Signed) =>
    send(
      reply,
      404,
      accountErrorPage(s.ctx, 'Flux introuvable', 'Ce flux n’existe pas ou n’appartient pas à votre compte.'),
    );

  scope.get<{ Params: { id: string } }>(`${ESPACE}/flux/:id`, async (req, reply) => {
    const s = await allowed(req, reply);
    if (!s) return reply;
    const flow = await ownFlow(s, req.params.id);
    if (!flow) return notFound(reply, s);
    const [stages, returns, structures] = await Promise.all([
      services.flows.stages(flow.id),
      services.flows.returnFlows(flow.id),
      flow.emitter ? listStructures(db(), s.partner) : Promise.resolve([]),
    ]);
    const emitterName = structures.find((x) => x.siret === flow.emitter)?.name;
    return send(
      reply,
      200,
      espaceFlowPage(
        s.ctx,
        flow,
        stages,
        returns.filter((r) => r.partner === s.partner),
        emitterName,
      ),
    );
  });

  scope.get<{ Params: { id: string } }>(`${ESPACE}/flux/:id/fragment`, async (req, reply) => {
    const s = await allowed(req, reply);
    if (!s) return reply;
    const flow = await ownFlow(s, req.params.id);
    if (!flow) return notFound(reply, s);
    const pending = !TERMINAL_STATES.includes(flow.state);
    return send(
      reply,
      200,
      html`${pending ? html`<!--live-->` : ''}${flowLive(flow, await services.flows.stages(flow.id))}`.value,
    );
  });

  scope.get<{ Params: { id: string; rid: string } }>(`${ESPACE}/flux/:id/compte-rendu/:rid`, async (req, reply) => {
    const s = await allowed(req, reply);
    if (!s) return reply;
    const flow = await ownFlow(s, req.params.id);
    const rf = flow
      ? (await services.flows.returnFlows(flow.id)).find(
          (r) => String(r.id) === req.params.rid && r.partner === s.partner,
        )
      : undefined;
    if (!rf) return notFound(reply, s);
    return reply
      .type('application/xml; charset=utf-8')
      .header('content-disposition', `attachment; filename="${rf.fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`)
      .send(rf.content);
  });

  scope.get<{ Params: { id: string } }>(`${ESPACE}/flux/:id/original`, async (req, reply) => {
    const s = await allowed(req, reply);
    if (!s) return reply;
    const flow = await ownFlow(s, req.params.id);
    const bytes = flow?.stored ? await services.flows.content(flow.sha256) : undefined;
    if (!flow || !bytes) return notFound(reply, s);
    return reply
      .type('application/octet-stream')
      .header('content-disposition', `attachment; filename="${flow.originalName.replace(/[^A-Za-z0-9._-]/g, '_')}"`)
      .send(bytes);
  });
}
