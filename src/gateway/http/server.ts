/**
 * The daemon's HTTP port: `/health`, `/metrics` (Prometheus), the local admin API the CLI uses while a
 * daemon holds the embedded database (`/admin/*`, bearer token from `<dataDir>/daemon.json`), and the
 * API twin of Chorus Pro's `deposerFluxFacture` / `consulterCR` (see api-twin.ts). Every door that takes
 * a credential asks the daemon's Defender first and authenticates in `onRequest`, before any body is read.
 */
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import type { Daemon } from '../daemon.ts';
import { normaliseAddress } from '../defender.ts';
import { registerAdminRoutes } from './admin.ts';
import { registerDefenderRoutes } from './admin-defender.ts';
import { registerApiTwin } from './api-twin.ts';
import { registerPortal } from './portal.ts';

export interface HttpHandle {
  port: number;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startHttp(daemon: Daemon, token: string): Promise<HttpHandle> {
  const { config } = daemon;
  // The largest body is a deposit: the flow in base64 (4/3) plus the JSON around it. Routes that take a
  // credential check it in onRequest, so no body is read for a request that has none.
  const app = Fastify({
    logger: false,
    bodyLimit: Math.ceil((config.maxFlowSizeKo * 1024) / 3) * 4 + 65536,
    // Headers must come quickly (slow-loris sockets do not hold the port).
    http: { headersTimeout: 20_000 },
    requestTimeout: 300_000,
  });
  app.get('/health', async () => {
    await daemon.store.db.ping();
    return { status: 'ok' };
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', daemon.metrics.registry.contentType);
    return daemon.metrics.registry.metrics();
  });
  await app.register(
    async (admin) => {
      admin.addHook('onRequest', async (req, reply) => {
        const address = normaliseAddress(req.socket.remoteAddress);
        const banned = await daemon.defender.bannedFor(address);
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
        const verdict = await daemon.defender.begin('admin', address);
        if (verdict.ok) await daemon.defender.fail(verdict.ticket);
        await reply
          .code(verdict.ok ? 401 : 429)
          .header('connection', 'close')
          .send({ error: 'admin token required (see <dataDir>/daemon.json)' });
      });
      registerAdminRoutes(admin, daemon);
      registerDefenderRoutes(admin, daemon);
    },
    { prefix: '/admin' },
  );
  registerApiTwin(app, daemon);
  registerPortal(app, daemon);
  const address = await app.listen({ port: config.http.port, host: config.http.host });
  const port = Number(new URL(address).port);
  return { port, app, close: () => app.close() };
}
