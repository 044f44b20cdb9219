/**
 * The local admin API (under `/admin`, bearer token from `<dataDir>/daemon.json`): what the CLI does
 * through a running daemon. Its partner and flow routes answer with `localAdmin`, the very operations the
 * CLI runs on the database when no daemon holds it.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { AdminError, localAdmin, requireFlow, requirePartner } from '../admin-ops.ts';
import { normaliseAddress } from '../defender.ts';
import type { Services } from '../services.ts';
import { defenderRoutes } from './admin-defender.ts';
import { platformRoutes } from './platform.ts';

const analyzeBody = z.strictObject({
  partner: z.string().min(1),
  fileName: z.string().min(1),
  /** The file's bytes, base64. */
  content: z.string(),
  signature: z.string().optional(),
  declaredInterface: z.string().optional(),
});

export interface AdminRoutesOptions {
  services: Pick<
    Services,
    | 'config'
    | 'logger'
    | 'db'
    | 'flows'
    | 'partners'
    | 'intake'
    | 'platform'
    | 'guard'
    | 'bans'
    | 'analysis'
    | 'waiting'
    | 'endpoints'
  >;
  /** The bearer token of this run (written to daemon.json for the CLI). */
  token: string;
}

export const adminRoutes: FastifyPluginAsync<AdminRoutesOptions> = async (app, { services, token }) => {
  const { config, db, flows, partners, intake, guard, analysis, waiting } = services;
  const ops = localAdmin(db, () => partners.refresh());
  app.addHook('onRequest', async (req, reply) => {
    const address = normaliseAddress(req.socket.remoteAddress);
    const banned = await guard.bannedFor(address);
    if (banned > 0) {
      await reply
        .code(429)
        .header('retry-after', String(banned))
        .send({ error: `too many failed attempts from ${address}: retry in ${banned} s` });
      return;
    }
    const given = Buffer.from(String(req.headers.authorization ?? '').replace(/^Bearer /, ''));
    const expected = Buffer.from(token);
    if (given.length === expected.length && timingSafeEqual(given, expected)) return;
    // A wrong token is a failed sign-in like any other (one ban for every door).
    const verdict = await guard.begin('admin', address);
    if (verdict.ok) await guard.fail(verdict.ticket);
    await reply
      .code(verdict.ok ? 401 : 429)
      .header('connection', 'close')
      .send({ error: 'admin token required (see <dataDir>/daemon.json)' });
  });
  app.setNotFoundHandler(async (req, reply) =>
    reply.code(404).send({ error: `no admin route ${req.method} ${req.url.split('?')[0]}` }),
  );
  // Every route naming a partner (path or ?partner=) answers 404 "no partner X" for an unknown one.
  app.addHook('preHandler', async (req) => {
    const params = req.params as { partner?: string; code?: string } | undefined;
    const query = req.query as { partner?: string } | undefined;
    const code = params?.partner ?? params?.code ?? query?.partner;
    if (code) await requirePartner(db, code);
  });

  app.get('/partners', async () => ops.partners.list());
  app.get<{ Params: { code: string } }>('/partners/:code', async (req) => ops.partners.show(req.params.code));
  app.post('/partners', async (req) => ops.partners.add(req.body));
  app.post<{ Params: { code: string }; Body: { password?: unknown } }>('/partners/:code/password', async (req) => {
    await ops.partners.setPassword(req.params.code, req.body?.password);
    return { ok: true };
  });
  app.post<{ Params: { code: string }; Body: { key?: unknown } }>('/partners/:code/keys', async (req) => {
    await ops.partners.addKey(req.params.code, req.body?.key);
    return { ok: true };
  });
  app.post<{ Params: { code: string }; Body: { signed?: unknown } }>('/partners/:code/signed', async (req) =>
    ops.partners.setSigned(req.params.code, req.body?.signed),
  );
  app.get<{ Querystring: { partner?: string; state?: string; limit?: string } }>('/flows', async (req) =>
    ops.flows.list(req.query),
  );
  // Replay: the stored bytes of a flow go through the pipeline again, as an analysis (default: a report,
  // no flow number) or as a new deposit (e.g. a flow in incident, once the cause is fixed).
  app.post<{ Params: { number: string }; Body: { deposit?: boolean } }>('/flows/:number/replay', async (req, reply) => {
    const flow = await requireFlow(db, req.params.number);
    const bytes = flow.stored ? await flows.content(flow.sha256) : undefined;
    if (!bytes)
      return reply.code(409).send({ error: `the bytes of ${req.params.number} were not kept (over the size limit)` });
    const dir = path.join(config.dataDir, 'tmp');
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `.replay-${randomUUID()}`);
    await writeFile(file, bytes);
    return intake.claim({
      partner: flow.partner,
      box: req.body?.deposit ? 'depot' : 'analyse',
      path: file,
      originalName: flow.originalName,
      transport: 'replay',
      ...(flow.declaredInterface ? { declaredInterface: flow.declaredInterface } : {}),
      ...(flow.declaredSigned !== null ? { declaredSigned: flow.declaredSigned } : {}),
    });
  });
  app.get<{ Params: { number: string } }>('/flows/:number', async (req) => ops.flows.show(req.params.number));
  // `passerelle analyze --partner`: the partner's analyse/ box without a file in it (nothing recorded),
  // with the daemon's own stages, validation pool and routing hook.
  app.post('/analyze', { bodyLimit: Math.ceil((config.maxFlowSizeKo * 1024 * 4) / 3) + 1024 * 1024 }, async (req) => {
    const parsed = analyzeBody.safeParse(req.body);
    if (!parsed.success)
      throw new AdminError(400, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const b = parsed.data;
    return analysis.analyze({
      bytes: Buffer.from(b.content, 'base64'),
      fileName: b.fileName,
      partner: await requirePartner(db, b.partner),
      ...(b.signature ? { signature: Buffer.from(b.signature, 'base64') } : {}),
      ...(b.declaredInterface ? { declaredInterface: b.declaredInterface } : {}),
    });
  });
  app.post('/schemas/resume', async () => ({ resumed: await waiting.resume() }));
  await app.register(defenderRoutes, { services });
  await app.register(platformRoutes, { services });
};
