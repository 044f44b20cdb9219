/** The local admin API: what the CLI does through a running daemon. */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { analyzeBytes } from '../../pipeline/analyze.ts';
import { getContent } from '../../store/flows.ts';
import {
  AdminError,
  addPartner,
  addPartnerKey,
  flowDetails,
  flowList,
  partnerList,
  partnerView,
  requireFlow,
  requirePartner,
  setPartnerPassword,
  setSigned,
} from '../admin-ops.ts';
import type { Daemon } from '../daemon.ts';
import { registerPlatformRoutes } from './platform.ts';

const analyzeBody = z.strictObject({
  partner: z.string().min(1),
  fileName: z.string().min(1),
  /** The file's bytes, base64. */
  content: z.string(),
  signature: z.string().optional(),
  declaredInterface: z.string().optional(),
});

export function registerAdminRoutes(app: FastifyInstance, daemon: Daemon): void {
  const db = () => daemon.store.db;
  // One error handler for the admin API: a status and a message the CLI prints, never a bare 500.
  app.setErrorHandler(async (err: Error, req, reply) => {
    if (err instanceof AdminError) return reply.code(err.status).send({ error: err.message });
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return reply.code(status).send({ error: err.message });
    req.log.error({ err }, 'admin API failure');
    return reply.code(500).send({ error: `${req.method} ${req.url} failed: ${err.message}` });
  });
  app.setNotFoundHandler(async (req, reply) =>
    reply.code(404).send({ error: `no admin route ${req.method} ${req.url.split('?')[0]}` }),
  );
  // Every route naming a partner (path or ?partner=) answers 404 "no partner X" for an unknown one.
  app.addHook('preHandler', async (req) => {
    const params = req.params as { partner?: string; code?: string } | undefined;
    const query = req.query as { partner?: string } | undefined;
    const code = params?.partner ?? params?.code ?? query?.partner;
    if (code) await requirePartner(db(), code);
  });

  app.get('/partners', async () => partnerList(db()));
  app.get<{ Params: { code: string } }>('/partners/:code', async (req) =>
    partnerView(await requirePartner(db(), req.params.code)),
  );
  app.post('/partners', async (req) => {
    const p = await addPartner(db(), req.body);
    await daemon.refreshPartners();
    return p;
  });
  app.post<{ Params: { code: string }; Body: { password?: unknown } }>('/partners/:code/password', async (req) => {
    await setPartnerPassword(db(), req.params.code, req.body?.password);
    await daemon.refreshPartners();
    return { ok: true };
  });
  app.post<{ Params: { code: string }; Body: { key?: unknown } }>('/partners/:code/keys', async (req) => {
    await addPartnerKey(db(), req.params.code, req.body?.key);
    await daemon.refreshPartners();
    return { ok: true };
  });
  app.post<{ Params: { code: string }; Body: { signed?: unknown } }>('/partners/:code/signed', async (req) => {
    const p = await setSigned(db(), req.params.code, req.body?.signed);
    await daemon.refreshPartners();
    return p;
  });
  app.get<{ Querystring: { partner?: string; state?: string; limit?: string } }>('/flows', async (req) =>
    flowList(db(), req.query),
  );
  // Replay: the stored bytes of a flow go through the pipeline again, as an analysis (default: a report,
  // no flow number) or as a new deposit (e.g. a flow in incident, once the cause is fixed).
  app.post<{ Params: { number: string }; Body: { deposit?: boolean } }>('/flows/:number/replay', async (req, reply) => {
    const flow = await requireFlow(db(), req.params.number);
    const bytes = flow.stored ? await getContent(db(), flow.sha256) : undefined;
    if (!bytes)
      return reply.code(409).send({ error: `the bytes of ${req.params.number} were not kept (over the size limit)` });
    const dir = path.join(daemon.config.dataDir, 'tmp');
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `.replay-${randomUUID()}`);
    await writeFile(file, bytes);
    return daemon.intake.claim({
      partner: flow.partner,
      box: req.body?.deposit ? 'depot' : 'analyse',
      path: file,
      originalName: flow.originalName,
      transport: 'replay',
      ...(flow.declaredInterface ? { declaredInterface: flow.declaredInterface } : {}),
      ...(flow.declaredSigned !== null ? { declaredSigned: flow.declaredSigned } : {}),
    });
  });
  app.get<{ Params: { number: string } }>('/flows/:number', async (req) => flowDetails(db(), req.params.number));
  // `passerelle analyze --partner`: the partner's analyse/ box without a file in it (nothing recorded),
  // with the daemon's own stages, validation pool and routing hook.
  app.post(
    '/analyze',
    { bodyLimit: Math.ceil((daemon.config.maxFlowSizeKo * 1024 * 4) / 3) + 1024 * 1024 },
    async (req) => {
      const parsed = analyzeBody.safeParse(req.body);
      if (!parsed.success)
        throw new AdminError(400, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      const b = parsed.data;
      const account = await requirePartner(db(), b.partner);
      return analyzeBytes(Buffer.from(b.content, 'base64'), b.fileName, {
        config: daemon.config,
        validation: daemon.deps.validation,
        partner: { account, db: db(), routing: daemon.deps.routing! },
        ...(daemon.deps.work ? { work: daemon.deps.work } : {}),
        ...(daemon.deps.signature ? { trust: daemon.deps.signature } : {}),
        ...(b.signature ? { signature: Buffer.from(b.signature, 'base64') } : {}),
        ...(b.declaredInterface ? { declaredInterface: b.declaredInterface } : {}),
      });
    },
  );
  app.post('/schemas/resume', async () => ({ resumed: await daemon.resumeWaitingFlows() }));
  registerPlatformRoutes(app, daemon);
}
