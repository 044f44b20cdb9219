/**
 * "Espaces" and "Raccordement EDI et API" for a structure's users (the matelas' test users): the
 * gestionnaire principal adds the spaces; with the raccordement space a user requests an SFTP or API
 * connection, which ops approve or refuse (CLI / admin API, src/gateway/raccordements.ts).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { mailerFor } from '../../../mail/mailer.ts';
import { raccordementReceivedMail } from '../../../mail/messages.ts';
import { addSpaces, createRaccordement, listRaccordements, listSpaces, SPACES } from '../../../store/raccordements.ts';
import type { PortalServices } from '../../services.ts';
import { parseAuthorizedKey } from '../../sftp/keys.ts';
import { checkPasswordRule, hashPassword } from '../../sftp/password.ts';
import type { Body, PortalAuth, Signed } from './accounts.ts';
import { send, text } from './accounts.ts';
import { BASE } from './views.ts';
import { espacesPage, noStructurePage, raccordementPage } from './views-raccordement.ts';
import type { StructureRef } from './views-raccordement.ts';

const EMAIL = /^[^\s@<>()[\]\\,;:"]{1,64}@[^\s@<>()[\]\\,;:"]{1,190}\.[^\s@<>()[\]\\,;:"]{2,63}$/;

/** The structure a signed-in user acts for (test users); undefined for an account owner. */
function structureOf(s: Signed): StructureRef | undefined {
  return s.viewer.kind === 'test'
    ? { id: s.viewer.user.structureId, siret: s.viewer.user.siret, name: s.viewer.user.structureName }
    : undefined;
}

export function registerRaccordement(scope: FastifyInstance, services: PortalServices, auth: PortalAuth): void {
  const db = () => services.db;

  const espaces = async (
    reply: FastifyReply,
    s: Signed,
    structure: StructureRef,
    status = 200,
    msg: { info?: string; error?: string } = {},
  ) =>
    send(
      reply,
      status,
      espacesPage(s.ctx, {
        structure,
        spaces: await listSpaces(db(), structure.id),
        canAdd: s.viewer.kind === 'test' && s.viewer.user.role === 'GP',
        ...msg,
      }),
    );

  scope.get(`${BASE}/espaces`, async (req, reply) => {
    const s = await auth.signedIn(req, reply);
    if (!s) return reply;
    const structure = structureOf(s);
    return structure ? espaces(reply, s, structure) : send(reply, 200, noStructurePage(s.ctx, 'Espaces'));
  });

  scope.post<{ Body: Body }>(`${BASE}/espaces`, async (req, reply) => {
    const s = await auth.signedPost(req, reply);
    if (!s) return reply;
    const structure = structureOf(s);
    if (!structure || s.viewer.kind !== 'test') return send(reply, 403, noStructurePage(s.ctx, 'Espaces'));
    if (s.viewer.user.role !== 'GP')
      return espaces(reply, s, structure, 403, { error: 'Seul le gestionnaire principal ajoute des espaces.' });
    const wanted = SPACES.filter((x) => req.body?.[`espace-${x}`] === 'oui');
    if (!wanted.length) return espaces(reply, s, structure, 400, { error: 'Choisissez au moins un espace.' });
    await addSpaces(db(), structure.id, wanted, s.viewer.user.id);
    services.logger.info({ structure: structure.id, spaces: wanted }, 'portal spaces added');
    return espaces(reply, s, structure, 200, { info: 'Espaces ajoutés.' });
  });

  const page = async (
    reply: FastifyReply,
    s: Signed,
    structure: StructureRef,
    status = 200,
    extra: { values?: Record<string, string>; error?: string; info?: string } = {},
  ) => {
    const hasSpace = (await listSpaces(db(), structure.id)).includes('raccordement');
    return send(
      reply,
      status,
      raccordementPage(s.ctx, {
        structure,
        hasSpace,
        requests: hasSpace ? await listRaccordements(db(), { structureId: structure.id }) : [],
        ...extra,
      }),
    );
  };

  scope.get(`${BASE}/raccordement`, async (req, reply) => {
    const s = await auth.signedIn(req, reply);
    if (!s) return reply;
    const structure = structureOf(s);
    return structure ? page(reply, s, structure) : send(reply, 200, noStructurePage(s.ctx, 'Raccordement EDI et API'));
  });

  scope.post<{ Body: Body }>(`${BASE}/raccordement`, async (req, reply) => {
    const s = await auth.signedPost(req, reply);
    if (!s) return reply;
    const structure = structureOf(s);
    if (!structure || s.viewer.kind !== 'test')
      return send(reply, 403, noStructurePage(s.ctx, 'Raccordement EDI et API'));
    if (!(await listSpaces(db(), structure.id)).includes('raccordement')) return page(reply, s, structure, 403);
    const b = req.body;
    const values = {
      mode: text(b, 'mode') === 'API' ? 'API' : 'SFTP',
      contactNom: text(b, 'contactNom'),
      contactTelephone: text(b, 'contactTelephone', 30),
      contactEmail: text(b, 'contactEmail').toLowerCase(),
      contactFax: text(b, 'contactFax', 30),
      commentaires: text(b, 'commentaires', 2000),
      clePublique: text(b, 'clePublique', 4000).replace(/\s+/g, ' '),
    };
    const password = String(b?.motDePasse ?? '').slice(0, 200);
    const key = values.clePublique ? parseAuthorizedKey(values.clePublique) : undefined;
    const error = !values.contactNom
      ? 'Le nom du contact technique est obligatoire.'
      : !EMAIL.test(values.contactEmail)
        ? 'L’adresse électronique du contact technique est invalide.'
        : key instanceof Error
          ? `Clé publique illisible : ${key.message}.`
          : values.mode === 'API' && !password
            ? 'Un raccordement API demande un mot de passe.'
            : !key && !password
              ? 'Donnez une clé publique SSH ou un mot de passe.'
              : password
                ? checkPasswordRule(password)
                : undefined;
    if (error) return page(reply, s, structure, 400, { values, error });
    const r = await createRaccordement(db(), {
      structureId: structure.id,
      partner: s.partner,
      requestedBy: s.viewer.user.id,
      mode: values.mode as 'SFTP' | 'API',
      contactName: values.contactNom,
      contactPhone: values.contactTelephone,
      contactEmail: values.contactEmail,
      contactFax: values.contactFax,
      comments: values.commentaires,
      publicKey: key ? values.clePublique : null,
      passwordHash: password ? await hashPassword(password) : null,
    });
    services.logger.info({ raccordement: r.id, structure: structure.id, mode: r.mode }, 'raccordement requested');
    await mailerFor(services.config, services.logger).send(raccordementReceivedMail(r.contactEmail, r));
    return page(reply, s, structure, 200, {
      info: `Demande n° ${r.id} envoyée : vous recevrez un courriel à sa validation.`,
    });
  });
}
