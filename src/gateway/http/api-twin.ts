/**
 * The API twin of Chorus Pro's flow deposit (`POST /cpro/factures/v1/deposer/flux`) and flow reports
 * (`POST /cpro/transverses/v1/consulterCR`, `…/consulterCRDetaille`). The platform authenticates with
 * PISTE OAuth2 plus a `cpro-account: base64(login:password)` header; here the login is the partner code
 * and the password its SFTP password (no OAuth2: documented in docs/http-api.md).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Finding } from '../../finding.ts';
import { isFatal } from '../../finding.ts';
import { SYNTAXES } from '../../formats/registry.ts';
import type { InvoiceFinding } from '../../pipeline/stages/rules.ts';
import { flowDisplayId } from '../../pipeline/compte-rendu.ts';
import { findFlow, getStages } from '../../store/flows.ts';
import { getPartner } from '../../store/partners.ts';
import type { PartnerAccount } from '../../store/types.ts';
import type { Daemon } from '../daemon.ts';
import { verifyPassword } from '../sftp/password.ts';

const deposit = z.object({
  idUtilisateurCourant: z.number().optional(),
  fichierFlux: z.string().min(1),
  nomFichier: z.string().min(1).max(255),
  syntaxeFlux: z.string().min(1),
  avecSignature: z.boolean().optional(),
});

function fail(reply: FastifyReply, status: number, codeRetour: number, libelle: string) {
  return reply.code(status).send({ codeRetour, libelle });
}

async function authenticate(daemon: Daemon, req: FastifyRequest): Promise<PartnerAccount | undefined> {
  const header = String(req.headers['cpro-account'] ?? '');
  const decoded = Buffer.from(header, 'base64').toString('utf8');
  const sep = decoded.indexOf(':');
  if (sep < 1) return undefined;
  const partner = await getPartner(daemon.store.db, decoded.slice(0, sep));
  if (!partner?.active || !partner.sftpPasswordHash) return undefined;
  return (await verifyPassword(decoded.slice(sep + 1), partner.sftpPasswordHash)) ? partner : undefined;
}

export function registerApiTwin(app: FastifyInstance, daemon: Daemon): void {
  const tmpDir = path.join(daemon.config.dataDir, 'tmp');
  mkdirSync(tmpDir, { recursive: true });

  app.post('/cpro/factures/v1/deposer/flux', async (req, reply) => {
    const partner = await authenticate(daemon, req);
    if (!partner) return fail(reply, 401, 401, 'Authentification refusée (en-tête cpro-account)');
    const parsed = deposit.safeParse(req.body);
    if (!parsed.success)
      return fail(
        reply,
        400,
        20000,
        `Paramètres invalides : ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`,
      );
    const body = parsed.data;
    const syntax = SYNTAXES.find((s) => s.syntaxeFlux === body.syntaxeFlux);
    if (!syntax) return fail(reply, 400, 20003, `Syntaxe de flux inconnue : ${body.syntaxeFlux}`);
    const bytes = Buffer.from(body.fichierFlux, 'base64');
    if (bytes.length > daemon.config.maxFlowSizeKo * 1024)
      return fail(reply, 400, 20001, 'GDP_MSG_11.022 : la taille du fichier dépasse la taille maximale autorisée');
    const file = path.join(tmpDir, `.api-${randomUUID()}`);
    await writeFile(file, bytes);
    const res = await daemon.intake.claim({
      partner: partner.code,
      box: 'depot',
      path: file,
      originalName: path.basename(body.nomFichier),
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
    const partner = await authenticate(daemon, req);
    if (!partner) {
      await fail(reply, 401, 401, 'Authentification refusée (en-tête cpro-account)');
      return undefined;
    }
    const parsed = crRequest.safeParse(req.body);
    // A flow number, or ANALYSE-<id> for an analysis (the id `flows list` and the report name show).
    const flow = parsed.success ? await findFlow(daemon.store.db, parsed.data.numeroFluxDepot) : undefined;
    if (!flow || flow.partner !== partner.code) {
      await fail(reply, 404, 20004, 'Flux inconnu');
      return undefined;
    }
    return flow;
  };

  app.post('/cpro/transverses/v1/consulterCR', async (req, reply) => {
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

  app.post('/cpro/transverses/v1/consulterCRDetaille', async (req, reply) => {
    const flow = await lookup(req, reply);
    if (!flow) return reply;
    const stages = await getStages(daemon.store.db, flow.id);
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
}

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
