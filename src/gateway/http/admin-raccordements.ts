/** Admin API of raccordement requests (the CLI's `passerelle raccordements`): list, approve, refuse. */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { RaccordementDeciders } from '../raccordements.ts';
import { RaccordementError, approve, listForOps, publicView, refuse } from '../raccordements.ts';

const decision = z.strictObject({
  returnSyntax: z.enum(['CPPStatut', 'AIFEStatut']).optional(),
  comment: z.string().max(1000).optional(),
});

export interface RaccordementRoutesOptions {
  services: RaccordementDeciders;
}

export const raccordementRoutes: FastifyPluginAsync<RaccordementRoutesOptions> = async (app, { services }) => {
  app.get<{ Querystring: { state?: string } }>('/raccordements', async (req, reply) => {
    const state = req.query.state;
    if (state && !['DEMANDEE', 'VALIDEE', 'REFUSEE'].includes(state))
      return reply.code(400).send({ error: 'state: DEMANDEE, VALIDEE or REFUSEE' });
    return (await listForOps(services, state as 'DEMANDEE' | undefined)).map(publicView);
  });
  app.post<{ Params: { id: string; action: string } }>('/raccordements/:id/:action', async (req, reply) => {
    const { id, action } = req.params;
    if (!/^\d{1,15}$/.test(id) || !['approve', 'refuse'].includes(action))
      return reply.code(404).send({ error: 'POST /raccordements/<id>/approve|refuse' });
    const parsed = decision.safeParse(req.body ?? {});
    if (!parsed.success)
      return reply
        .code(400)
        .send({ error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
    try {
      const r =
        action === 'approve'
          ? await approve(services, Number(id), {
              ...(parsed.data.returnSyntax ? { returnSyntax: parsed.data.returnSyntax } : {}),
              ...(parsed.data.comment ? { comment: parsed.data.comment } : {}),
            })
          : await refuse(services, Number(id), parsed.data.comment);
      return publicView(r);
    } catch (e) {
      if (e instanceof RaccordementError) return reply.code(409).send({ error: e.message });
      throw e;
    }
  });
};
