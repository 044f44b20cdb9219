/**
 * The HTTP port's one error handler: a refusal (4xx) answers its own message, anything else is logged
 * with the request (method, path, request id) and answers 500 naming that id, never the internal cause.
 * Every door answers in one JSON shape, `{ error }`; the API twin keeps the platform's shape
 * (`{ codeRetour, libelle }`) through `shape`, with the same logging.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** The status an error asks for: its `status` (AdminError…), fastify's own `statusCode` (body too large, bad JSON…), else 500. */
export function statusOf(err: unknown): number {
  const e = err as { status?: unknown; statusCode?: unknown };
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
  return status >= 400 && status < 600 ? status : 500;
}

export interface ErrorAnswer {
  status: number;
  /** The refusal's own message (4xx), or a line naming the request for a failure (5xx). */
  message: string;
  err: FastifyError;
}

/** How a door words an error: its status and body. */
export type ErrorShape = (a: ErrorAnswer) => { status: number; body: unknown };

const jsonShape: ErrorShape = (a) => ({ status: a.status, body: { error: a.message } });

export function errorHandler(shape: ErrorShape = jsonShape) {
  return async (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const status = statusOf(err);
    const path = req.url.split('?')[0] ?? req.url;
    let message = err.message;
    if (status >= 500) {
      req.log.error({ err, method: req.method, path }, 'HTTP request failed');
      message = `${req.method} ${path} failed: internal error (request ${req.id}, see the daemon log)`;
    }
    const answer = shape({ status, message, err });
    return reply.code(answer.status).send(answer.body);
  };
}
