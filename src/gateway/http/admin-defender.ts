/**
 * The defender's admin routes (under `/admin`, behind the admin token): the bans running now, and lifting
 * one (a partner banned by mistake, a NAT shared with an attacker). Every node sees the lift within
 * `defender.cacheMs`.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../services.ts';

export const defenderRoutes: FastifyPluginAsync<{ services: Pick<Services, 'bans'> }> = async (app, { services }) => {
  const { bans } = services;
  app.get('/bans', async () => bans.bans());
  app.delete<{ Params: { kind: string; key: string } }>('/bans/:kind/:key', async (req, reply) => {
    const { kind, key } = req.params;
    if (kind !== 'address' && kind !== 'account')
      return reply.code(400).send({ error: 'kind must be address or account' });
    const lifted = await bans.lift(kind, key);
    return lifted ? { lifted: true } : reply.code(404).send({ error: `no ban running for ${kind} ${key}` });
  });
};
