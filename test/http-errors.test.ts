/**
 * The HTTP port's one error handler (src/gateway/http/errors.ts): a refusal answers its own message, a
 * failure is logged with its request and answers 500 in the same JSON shape, naming the request id and
 * not the internal cause. A real fastify with a real pino logger writing to memory.
 */
import { describe, expect, it } from '@jest/globals';
import Fastify from 'fastify';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { Writable } from 'node:stream';
import { AdminError } from '../src/gateway/admin-ops.ts';
import { errorHandler } from '../src/gateway/http/errors.ts';

function appWithLog() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean))
        lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const logger: FastifyBaseLogger = pino({ level: 'info' }, sink);
  const app = Fastify({ loggerInstance: logger });
  app.setErrorHandler(errorHandler());
  app.get('/boom', async () => {
    throw new Error('relation "flows" does not exist');
  });
  app.get('/refused', async () => {
    throw new AdminError(404, 'no partner NOPE99');
  });
  app.post('/json', async (req) => req.body);
  return { app, lines };
}

describe('one error handler', () => {
  it('logs a failure with its request and answers 500 { error } naming the request, not the cause', async () => {
    const { app, lines } = appWithLog();
    const res = await app.inject({ method: 'GET', url: '/boom?x=1' });
    expect(res.statusCode).toBe(500);
    const body = res.json<{ error: string }>();
    expect(body.error).toMatch(/^GET \/boom failed: internal error \(request req-\w+, see the daemon log\)$/);
    expect(res.body).not.toContain('relation');
    const logged = lines.find((l) => l.msg === 'HTTP request failed');
    expect(logged).toMatchObject({ level: 50, method: 'GET', path: '/boom' });
    expect((logged!.err as { message: string }).message).toBe('relation "flows" does not exist');
    expect(body.error).toContain(String(logged!.reqId));
    await app.close();
  });

  it('answers a refusal with its own status and message, unlogged, in the same shape', async () => {
    const { app, lines } = appWithLog();
    const res = await app.inject({ method: 'GET', url: '/refused' });
    expect({ status: res.statusCode, body: res.json() }).toEqual({ status: 404, body: { error: 'no partner NOPE99' } });
    const bad = await app.inject({
      method: 'POST',
      url: '/json',
      headers: { 'content-type': 'application/json' },
      payload: '{"not json',
    });
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(bad.json())).toEqual(['error']);
    expect(lines.filter((l) => l.level === 50)).toEqual([]);
    await app.close();
  });
});
