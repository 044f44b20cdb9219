/** The local admin API: what the CLI does through a running daemon. */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PARTNER_CODE } from '../../config.ts';
import { getContent, getFlowByNumber, getHistory, getStages, listFlows, returnFlowsOf } from '../../store/flows.ts';
import { addSftpKey, listPartners, setPartnerSigned, setSftpPassword, upsertPartner } from '../../store/partners.ts';
import type { PartnerAccount } from '../../store/types.ts';
import type { Daemon } from '../daemon.ts';
import { checkPasswordRule, hashPassword } from '../sftp/password.ts';
import { registerPlatformRoutes } from './platform.ts';

const newPartner = z.strictObject({
  code: z.string().regex(PARTNER_CODE),
  name: z.string().min(1),
  returnSyntax: z.enum(['CPPStatut', 'AIFEStatut']).default('CPPStatut'),
  signed: z.boolean().optional(),
});

/** A partner as the admin API shows it: whether it has a password, never the hash (nor any secret). */
export function publicPartner(p: PartnerAccount): Omit<PartnerAccount, 'sftpPasswordHash'> & { hasPassword: boolean } {
  const { sftpPasswordHash, ...rest } = p;
  return { ...rest, hasPassword: !!sftpPasswordHash };
}

export function registerAdminRoutes(app: FastifyInstance, daemon: Daemon): void {
  const db = () => daemon.store.db;
  app.get('/partners', async () => (await listPartners(db())).map(publicPartner));
  app.post('/partners', async (req, reply) => {
    const parsed = newPartner.safeParse(req.body);
    if (!parsed.success)
      return reply
        .code(400)
        .send({ error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
    const p = await upsertPartner(db(), parsed.data);
    await daemon.refreshPartners();
    return publicPartner(p);
  });
  app.post<{ Params: { code: string }; Body: { password?: string } }>(
    '/partners/:code/password',
    async (req, reply) => {
      const pw = req.body?.password ?? '';
      const weak = checkPasswordRule(pw);
      if (weak) return reply.code(400).send({ error: weak });
      await setSftpPassword(db(), req.params.code, await hashPassword(pw));
      await daemon.refreshPartners();
      return { ok: true };
    },
  );
  app.post<{ Params: { code: string }; Body: { key?: string } }>('/partners/:code/keys', async (req, reply) => {
    if (!req.body?.key) return reply.code(400).send({ error: 'key required (an authorized_keys line)' });
    await addSftpKey(db(), req.params.code, req.body.key.trim());
    await daemon.refreshPartners();
    return { ok: true };
  });
  app.post<{ Params: { code: string }; Body: { signed?: boolean } }>('/partners/:code/signed', async (req) => {
    await setPartnerSigned(db(), req.params.code, req.body?.signed === true);
    await daemon.refreshPartners();
    return { ok: true };
  });
  app.get<{ Querystring: { partner?: string; state?: string; limit?: string } }>('/flows', async (req) =>
    listFlows(db(), {
      ...(req.query.partner ? { partner: req.query.partner } : {}),
      ...(req.query.state ? { state: req.query.state } : {}),
      limit: Number(req.query.limit ?? 100),
    }),
  );
  // Replay: the stored bytes of a flow go through the pipeline again, as an analysis (default: a report,
  // no flow number) or as a new deposit (e.g. a flow in incident, once the cause is fixed).
  app.post<{ Params: { number: string }; Body: { deposit?: boolean } }>('/flows/:number/replay', async (req, reply) => {
    const flow = await getFlowByNumber(db(), req.params.number);
    if (!flow) return reply.code(404).send({ error: `no flow ${req.params.number}` });
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
  app.get<{ Params: { number: string } }>('/flows/:number', async (req, reply) => {
    const flow = await getFlowByNumber(db(), req.params.number);
    if (!flow) return reply.code(404).send({ error: `no flow ${req.params.number}` });
    return {
      flow,
      stages: await getStages(db(), flow.id),
      history: await getHistory(db(), flow.id),
      returnFlows: (await returnFlowsOf(db(), flow.id)).map(({ content: _c, ...r }) => r),
    };
  });
  app.post('/schemas/resume', async () => ({ resumed: await daemon.resumeWaitingFlows() }));
  registerPlatformRoutes(app, daemon);
}
