/**
 * Worker thread of FlowWorkers: the pure, CPU-heavy work of a flow (syntax detection, reading and EN 16931
 * rules), one request at a time. The flow's bytes arrive transferred (not copied) and go back the same way.
 */
import { parentPort } from 'node:worker_threads';
import { detectDeposit } from '../../formats/registry.ts';
import { readAndCheck } from '../stages/read-check.ts';
import type { WorkReply, WorkRequest } from './pool.ts';

const asBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

parentPort!.on('message', (req: WorkRequest) => {
  void (async () => {
    const bytes = asBuffer(req.bytes);
    let reply: WorkReply;
    try {
      reply =
        req.kind === 'detect'
          ? { id: req.id, bytes, detection: await detectDeposit(bytes, req.opts) }
          : { id: req.id, bytes, checked: readAndCheck({ ...req.read, xml: bytes }) };
    } catch (e) {
      reply = { id: req.id, bytes, error: (e as Error).stack ?? String(e) };
    }
    parentPort!.postMessage(reply, [bytes.buffer as ArrayBuffer]);
  })();
});
