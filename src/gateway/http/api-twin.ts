/**
 * The API twin of Chorus Pro's flow deposit (`POST /cpro/factures/v1/deposer/flux`) and flow reports
 * (`POST /cpro/transverses/v1/consulterCR`, `…/consulterCRDetaille`). The platform authenticates with
 * PISTE OAuth2 plus a `cpro-account: base64(login:password)` header; here the login is the partner code
 * and the password its SFTP password (no OAuth2: documented in docs/http-api.md).
 *
 * The credential is checked in `onRequest`, through the daemon's Defender, before any body is read; every
 * refusal (authentication, ban, bad parameters, oversize, a body that is not JSON) answers a `codeRetour`
 * and a `libelle`, never a bare 500.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Finding } from '../../finding.ts';
import { isFatal } from '../../finding.ts';
import { SYNTAXES } from '../../formats/registry.ts';
import type { InvoiceFinding } from '../../pipeline/invoice-lines.ts';
import { flowDisplayId } from '../../pipeline/compte-rendu.ts';
import type { PartnerAccount } from '../../store/types.ts';
import type { Services } from '../services.ts';
import { burnPasswordCheck, verifyPassword } from '../sftp/password.ts';
import { normaliseAddress } from '../defender.ts';
import { errorHandler } from './errors.ts';
import type { ErrorShape } from './errors.ts';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

const deposit = z.object({
  idUtilisateurCourant: z.number().optional(),
  fichierFlux: z.string().min(1),
  nomFichier: z
    .string()
    .min(1)
    .max(255)
    .refine((n) => !CONTROL.test(n), 'caractère de contrôle interdit')
    .refine((n) => path.basename(n.replace(/\\/g, '/')) !== '' && !/^\.{1,2}$/.test(path.basename(n)), 'nom vide'),
  syntaxeFlux: z.string().min(1),
  avecSignature: z.boolean().optional(),
});

/** Why a parameter is refused, in French as the platform's messages are. */
function reason(issue: z.core.$ZodIssue): string {
  if (issue.code === 'custom') return issue.message;
  if (issue.code === 'invalid_type')
    return issue.input === undefined ? 'obligatoire' : `type attendu : ${issue.expected}`;
  if (issue.code === 'too_small') return 'vide';
  if (issue.code === 'too_big') return 'trop long';
  return 'invalide';
}

function fail(reply: FastifyReply, status: number, codeRetour: number, libelle: string) {
  return reply.code(status).send({ codeRetour, libelle });
}

const AUTH_REFUSED = 'Authentification refusée (en-tête cpro-account)';
const tooLarge = (maxFlowSizeKo: number) =>
  `GDP_MSG_11.022 : la taille du fichier dépasse la taille maximale autorisée (${maxFlowSizeKo} Ko)`;

export interface ApiTwinOptions {
  services: Pick<Services, 'config' | 'logger' | 'partners' | 'flows' | 'intake' | 'guard'>;
}
type TwinServices = ApiTwinOptions['services'];

/** The partner of `cpro-account: base64(code:password)`, through the defender; or why not. */
async function authenticate(
  { guard, partners, logger }: TwinServices,
  req: FastifyRequest,
): Promise<PartnerAccount | { refused: 'credentials' } | { refused: 'banned'; retryAfter: number }> {
  const header = String(req.headers['cpro-account'] ?? '');
  const decoded = Buffer.from(header.slice(0, 1024), 'base64').toString('utf8');
  const sep = decoded.indexOf(':');
  const code = sep > 0 ? decoded.slice(0, sep) : '';
  const verdict = await guard.begin('api', normaliseAddress(req.socket.remoteAddress), code || undefined);
  if (!verdict.ok) return { refused: 'banned', retryAfter: verdict.retryAfter };
  const partner = code ? await partners.getPartner(code) : undefined;
  const password = sep > 0 ? decoded.slice(sep + 1) : '';
  // An unknown login costs the same scrypt as a wrong password (no account enumeration by timing); a
  // header without any login costs none (there is nothing to hide, and scrypt takes 32 MB a check).
  const ok =
    partner?.active && partner.sftpPasswordHash
      ? await verifyPassword(password, partner.sftpPasswordHash)
      : code
        ? (await burnPasswordCheck(password), false)
        : false;
  if (!ok || !partner) {
    await guard.fail(verdict.ticket);
    logger.warn({ door: 'api', login: code.slice(0, 64), address: verdict.ticket.address }, 'api sign-in refused');
    return { refused: 'credentials' };
  }
  await guard.succeed(verdict.ticket);
  return partner;
}

/** Fastify's own refusals (body too large, not JSON, unknown media type…) in the platform's answer shape. */
function platformShape(maxFlowSizeKo: number): ErrorShape {
  const answer = (status: number, codeRetour: number, libelle: string) => ({ status, body: { codeRetour, libelle } });
  return ({ status, err }) => {
    if (status === 413) return answer(413, 20001, tooLarge(maxFlowSizeKo));
    if (status === 415)
      return answer(415, 20000, 'Paramètres invalides : le corps de la requête doit être du JSON (application/json)');
    if (status < 500)
      return answer(400, 20000, `Paramètres invalides : corps de requête illisible (${err.code ?? status})`);
    return answer(500, 500, 'Erreur technique : réessayez plus tard');
  };
}

/** The API twin's routes, in their own scope (their error shape and credential check stay theirs). */
export const apiTwinRoutes: FastifyPluginAsync<ApiTwinOptions> = async (app, { services }) => {
  const { config, flows, intake } = services;
  const tmpDir = path.join(config.dataDir, 'tmp');
  mkdirSync(tmpDir, { recursive: true });
  // The intake's size limit (the platform's message names it in Ko).
  const maxFlowBytes = intake.maxFlowBytes;
  const maxFlowSizeKo = Math.floor(maxFlowBytes / 1024);
  const authenticated = new WeakMap<FastifyRequest, PartnerAccount>();
  app.setErrorHandler(errorHandler(platformShape(maxFlowSizeKo)));
  // Before any body is read: an unauthenticated request costs a header, not its body.
  app.addHook('onRequest', async (req, reply) => {
    const who = await authenticate(services, req);
    if ('code' in who) {
      authenticated.set(req, who);
      return;
    }
    if (who.refused === 'banned')
      await fail(
        reply.header('retry-after', String(who.retryAfter)),
        429,
        429,
        `Trop de tentatives d’authentification : réessayez dans ${Math.ceil(who.retryAfter / 60)} minute(s)`,
      );
    else await fail(reply, 401, 401, AUTH_REFUSED);
  });
  const partnerOf = (req: FastifyRequest): PartnerAccount => authenticated.get(req)!;

  // The body holds the flow in base64: 4/3 of maxFlowSizeKo, and the JSON around it.
  const depositLimit = Math.ceil(maxFlowBytes / 3) * 4 + 65536;
  app.post('/cpro/factures/v1/deposer/flux', { bodyLimit: depositLimit }, async (req, reply) => {
    const partner = partnerOf(req);
    const parsed = deposit.safeParse(req.body);
    if (!parsed.success)
      return fail(
        reply,
        400,
        20000,
        `Paramètres invalides : ${parsed.error.issues.map((i) => `${i.path.join('.') || 'corps'} (${reason(i)})`).join(', ')}`,
      );
    const body = parsed.data;
    const syntax = SYNTAXES.find((s) => s.syntaxeFlux === body.syntaxeFlux);
    if (!syntax) return fail(reply, 400, 20003, `Syntaxe de flux inconnue : ${body.syntaxeFlux.slice(0, 64)}`);
    const bytes = Buffer.from(body.fichierFlux, 'base64');
    if (bytes.length > maxFlowBytes) return fail(reply, 413, 20001, tooLarge(maxFlowSizeKo));
    const file = path.join(tmpDir, `.api-${randomUUID()}`);
    await writeFile(file, bytes);
    const res = await intake.claim({
      partner: partner.code,
      box: 'depot',
      path: file,
      originalName: path.basename(body.nomFichier.replace(/\\/g, '/')),
      transport: 'http',
      declaredInterface: syntax.interfaceCode,
      ...(body.avecSignature !== undefined ? { declaredSigned: body.avecSignature } : {}),
    });
    return {
      codeRetour: 0,
      libelle: 'TRA_MSG_00.000',
      numeroFluxDepot: res.flowNumber,
      dateDepot: new Date().toISOString().slice(0, 10),
      syntaxeFlux: body.syntaxeFlux,
    };
  });

  const crRequest = z.object({ numeroFluxDepot: z.string().min(1) });
  const lookup = async (req: FastifyRequest, reply: FastifyReply) => {
    const partner = partnerOf(req);
    const parsed = crRequest.safeParse(req.body);
    // A flow number, or ANALYSE-<id> for an analysis (the id `flows list` and the report name show).
    const flow = parsed.success ? await flows.find(parsed.data.numeroFluxDepot) : undefined;
    if (!flow || flow.partner !== partner.code) {
      await fail(reply, 404, 20004, 'Flux inconnu');
      return undefined;
    }
    return flow;
  };

  app.post('/cpro/transverses/v1/consulterCR', { bodyLimit: 65536 }, async (req, reply) => {
    const flow = await lookup(req, reply);
    if (!flow) return reply;
    return {
      codeRetour: 0,
      libelle: 'TRA_MSG_00.000',
      numeroFluxDepot: flowDisplayId(flow),
      codeInterfaceFlux: flow.interfaceCode,
      nomFichierFlux: flow.originalName,
      dateDepotFlux: flow.receivedAt.toISOString(),
      etatCourantFlux: flow.state,
      dateHeureEtatCourantFlux: flow.updatedAt.toISOString(),
    };
  });

  app.post('/cpro/transverses/v1/consulterCRDetaille', { bodyLimit: 65536 }, async (req, reply) => {
    const flow = await lookup(req, reply);
    if (!flow) return reply;
    const stages = await flows.stages(flow.id);
    const findings = stages.flatMap((s) => s.findings);
    return {
      codeRetour: 0,
      libelle: 'TRA_MSG_00.000',
      nomFichier: flow.originalName,
      dateDepotFlux: flow.receivedAt.toISOString(),
      codeInterfaceDepotFlux: flow.interfaceCode,
      etatCourantDepotFlux: flow.state,
      dateHeureEtatCourantFlux: flow.updatedAt.toISOString(),
      listeErreurDP: erreursDP(findings),
      listeErreurTechnique: findings
        .filter((f) => !f.invoice && isFatal(f))
        .map((f) => ({ codeErreur: f.code, libelleErreur: f.labelFr, natureErreur: f.nature })),
    };
  });
};

/** One entry per rejected invoice (demande de paiement), its reasons joined, as the platform lists them. */
function erreursDP(findings: Finding[]) {
  const out = new Map<
    string,
    { numeroDP: string; identifiantFournisseur?: string; identifiantDestinataire?: string; libelleErreurDP: string }
  >();
  for (const f of findings as InvoiceFinding[]) {
    if (!f.invoice || !isFatal(f)) continue;
    const e = out.get(f.invoice);
    if (e) {
      if (!e.libelleErreurDP.includes(f.labelFr)) e.libelleErreurDP += ` ; ${f.labelFr}`;
      continue;
    }
    out.set(f.invoice, {
      numeroDP: f.invoice,
      ...(f.invoiceSupplier ? { identifiantFournisseur: f.invoiceSupplier } : {}),
      ...(f.invoiceRecipient ? { identifiantDestinataire: f.invoiceRecipient } : {}),
      libelleErreurDP: f.labelFr,
    });
  }
  return [...out.values()];
}
