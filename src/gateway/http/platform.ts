/**
 * Admin routes of the platform simulation (under /admin, bearer token): matelas actions, invoices and
 * their statuses, qualification kit. The CLI's `matelas`, `invoices` and `samples` commands call them.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { MatelasActionError } from '../../platform/matelas-service.ts';
import type { Services } from '../services.ts';
import { raccordementRoutes } from './admin-raccordements.ts';
import type { RaccordementRoutesOptions } from './admin-raccordements.ts';

const statusBody = z.strictObject({
  status: z.string().min(1),
  comment: z.string().max(1000).optional(),
  by: z.enum(['plateforme', 'destinataire', 'fournisseur']).optional(),
  who: z.string().max(100).optional(),
});

export interface PlatformRoutesOptions {
  services: Pick<Services, 'platform' | 'partners'> & RaccordementRoutesOptions['services'];
}

export const platformRoutes: FastifyPluginAsync<PlatformRoutesOptions> = async (app, { services }) => {
  const { platform, partners } = services;
  await app.register(raccordementRoutes, { services });
  app.get<{ Params: { partner: string } }>('/matelas/:partner', async (req) =>
    platform.showMatelas(req.params.partner),
  );
  app.post<{ Params: { partner: string; action: string } }>('/matelas/:partner/:action', async (req, reply) => {
    const action = req.params.action;
    if (action !== 'create' && action !== 'extend' && action !== 'reset')
      return reply.code(400).send({ error: 'action: create, extend or reset' });
    if (!partners.cached(req.params.partner))
      return reply.code(404).send({ error: `unknown partner ${req.params.partner}` });
    try {
      return await platform.matelas(req.params.partner, action);
    } catch (e) {
      if (e instanceof MatelasActionError) return reply.code(409).send({ error: e.message });
      throw e;
    }
  });
  app.get<{ Querystring: { partner?: string; status?: string; limit?: string } }>('/invoices', async (req) =>
    platform.listInvoices({
      ...(req.query.partner ? { partner: req.query.partner } : {}),
      ...(req.query.status ? { status: req.query.status } : {}),
      limit: Number(req.query.limit ?? 1000),
    }),
  );
  app.get<{ Params: { id: string } }>('/invoices/:id', async (req, reply) => {
    const found = /^\d+$/.test(req.params.id) ? await platform.showInvoice(Number(req.params.id)) : undefined;
    if (!found) return reply.code(404).send({ error: `no invoice ${req.params.id}` });
    return found;
  });
  // Answers like the platform's status service: codeRetour 0, or 20002 with its label (HTTP 409).
  app.post<{ Params: { id: string } }>('/invoices/:id/status', async (req, reply) => {
    const parsed = statusBody.safeParse(req.body);
    if (!parsed.success || !/^\d+$/.test(req.params.id))
      return reply.code(400).send({ codeRetour: 20000, libelle: 'Paramètres invalides', error: 'status required' });
    const b = parsed.data;
    const r = await platform.setStatus(Number(req.params.id), b.status.toUpperCase(), {
      ...(b.comment ? { comment: b.comment } : {}),
      ...(b.by ? { by: b.by } : {}),
      who: b.who ?? 'admin',
    });
    if (!r.ok) return reply.code(r.codeRetour === 20004 ? 404 : 409).send({ ...r, error: r.libelle });
    return {
      codeRetour: 0,
      libelle: 'TRA_MSG_00.000',
      idFacture: r.invoice.id,
      numeroFacture: r.invoice.number,
      ancienStatut: r.from,
      nouveauStatut: r.invoice.status,
      dateTraitement: r.invoice.updatedAt,
      fichierCycleDeVie: r.fileName,
    };
  });
  app.post<{ Params: { partner: string }; Body: { folder?: string; tag?: string; date?: string } }>(
    '/samples/:partner',
    async (req, reply) => {
      if (!req.body?.folder) return reply.code(400).send({ error: 'folder required' });
      try {
        return await platform.samples(req.params.partner, req.body.folder, {
          ...(req.body.tag ? { tag: req.body.tag } : {}),
          ...(req.body.date ? { date: req.body.date } : {}),
        });
      } catch (e) {
        return reply.code(409).send({ error: (e as Error).message });
      }
    },
  );
};
