/**
 * The daemon's HTTP port: `/health`, `/metrics` (Prometheus), the local admin API the CLI uses while a
 * daemon holds the embedded database (`/admin/*`, bearer token from `<dataDir>/daemon.json`), the API
 * twin of Chorus Pro's `deposerFluxFacture` / `consulterCR` (see api-twin.ts) and the portal. Each is a
 * fastify plugin given the services it uses; the daemon's pino logger is fastify's, and one error
 * handler (errors.ts) answers every door. Every door that takes a credential asks the Defender first
 * and authenticates in `onRequest`, before any body is read.
 */
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Services } from '../services.ts';
import { adminRoutes } from './admin.ts';
import { apiTwinRoutes } from './api-twin.ts';
import { errorHandler } from './errors.ts';
import { portalRoutes } from './portal.ts';

export interface HttpHandle {
  port: number;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** The HTTP port's routes, not yet listening (the composition root listens; a test may `inject`). */
async function buildHttp(services: Services, token: string): Promise<FastifyInstance> {
  const { config, logger, db, metrics } = services;
  // The largest body is a deposit: the flow in base64 (4/3) plus the JSON around it. Routes that take a
  // credential check it in onRequest, so no body is read for a request that has none.
  // Typed as fastify's logger so the routes keep fastify's default instance type (pino satisfies it).
  const httpLogger: FastifyBaseLogger = logger.child({ part: 'http' });
  const app = Fastify({
    loggerInstance: httpLogger,
    // One line per request would drown the flows' own lines; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: Math.ceil((config.maxFlowSizeKo * 1024) / 3) * 4 + 65536,
    // Headers must come quickly (slow-loris sockets do not hold the port).
    http: { headersTimeout: 20_000 },
    requestTimeout: 300_000,
  });
  app.setErrorHandler(errorHandler());
  app.get('/health', async () => {
    await db.ping();
    return { status: 'ok' };
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', metrics.contentType);
    return metrics.metrics();
  });
  await app.register(adminRoutes, { prefix: '/admin', services, token });
  await app.register(apiTwinRoutes, { services });
  await app.register(portalRoutes, { services });
  return app;
}

export async function startHttp(services: Services, token: string): Promise<HttpHandle> {
  const app = await buildHttp(services, token);
  const address = await app.listen({ port: services.config.http.port, host: services.config.http.host });
  const port = Number(new URL(address).port);
  return { port, app, close: () => app.close() };
}
