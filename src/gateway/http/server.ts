/**
 * The daemon's HTTP port: `/health`, `/metrics` (Prometheus), the local admin API the CLI uses while a
 * daemon holds the embedded database (`/admin/*`, bearer token from `<dataDir>/daemon.json`), and the
 * API twin of Chorus Pro's `deposerFluxFacture` / `consulterCR` (see api-twin.ts).
 */
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import type { Daemon } from '../daemon.ts';
import { registerAdminRoutes } from './admin.ts';
import { registerApiTwin } from './api-twin.ts';
import { registerPortal } from './portal.ts';

export interface HttpHandle {
  port: number;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startHttp(daemon: Daemon, token: string): Promise<HttpHandle> {
  const { config } = daemon;
  const app = Fastify({ logger: false, bodyLimit: Math.ceil(config.maxFlowSizeKo * 1024 * 1.4) + 65536 });
  app.get('/health', async () => {
    await daemon.store.db.query('SELECT 1');
    return { status: 'ok' };
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', daemon.metrics.registry.contentType);
    return daemon.metrics.registry.metrics();
  });
  await app.register(
    async (admin) => {
      admin.addHook('onRequest', async (req, reply) => {
        const given = Buffer.from(String(req.headers.authorization ?? '').replace(/^Bearer /, ''));
        const expected = Buffer.from(token);
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          await reply.code(401).send({ error: 'admin token required (see <dataDir>/daemon.json)' });
        }
      });
      registerAdminRoutes(admin, daemon);
    },
    { prefix: '/admin' },
  );
  registerApiTwin(app, daemon);
  registerPortal(app, daemon);
  const address = await app.listen({ port: config.http.port, host: config.http.host });
  const port = Number(new URL(address).port);
  return { port, app, close: () => app.close() };
}
