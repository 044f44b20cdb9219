/**
 * Worker thread of FlowWorkers: the pure, CPU-heavy work of a flow (syntax detection, reading and EN 16931
 * rules, a Cycle de vie deposit's statuses), one request at a time. The flow's bytes arrive transferred (not copied) and go back the same way.
 */
import { parentPort } from 'node:worker_threads';
import { detectDeposit } from '../../formats/registry.ts';
import { readAndCheck, readStatuses } from '../read-check.ts';
import type { WorkReply, WorkRequest } from './pool.ts';
import { collectGarbage } from '../../collect.ts';
import { lowerThreadPriority } from '../../thread-priority.ts';
import { LARGE_DOCUMENT_BYTES, isDetached, ownsMemory, releaseBuffer } from '../../buffers.ts';

const asBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** A large document's text, which its tree let go of, collected before the model and the rules take their share. */
const collectText = (chars: number) => {
  if (chars > LARGE_DOCUMENT_BYTES) collectGarbage('major');
};

/**
 * The detected XMLs that own their memory (zip entries, a PDF's invoice XML: up to hundreds of Mo for a zip),
 * transferred rather than copied back; small ones share Node's pool and are copied.
 */
function ownBuffers(reply: WorkReply, input: Buffer): ArrayBuffer[] {
  if (!('detection' in reply) || !reply.detection.ok) return [];
  const d = reply.detection;
  const out = new Set<ArrayBuffer>();
  for (const f of [d.flow, ...(d.documents ?? []).map((doc) => doc.detected)]) {
    const x = f?.xml;
    if (x && x.buffer !== input.buffer && ownsMemory(x)) out.add(x.buffer as ArrayBuffer);
  }
  return [...out];
}

let lowered = false;

parentPort!.on('message', (req: WorkRequest) => {
  // A large flow: this worker (maybe a warm one of the small lane, ended after it) goes behind the small flows.
  if (req.large && !lowered) lowered = lowerThreadPriority();
  void (async () => {
    const bytes = asBuffer(req.bytes);
    let reply: WorkReply;
    try {
      reply =
        req.kind === 'detect'
          ? { id: req.id, bytes, detection: await detectDeposit(bytes, req.opts) }
          : req.kind === 'read'
            ? {
                id: req.id,
                bytes,
                checked: readAndCheck(
                  { ...req.read, xml: bytes },
                  // Not wanted back: freed at once (detached) when decoded, not when this thread collects.
                  req.handBack === false ? { decoded: () => releaseBuffer(bytes), parsed: collectText } : {},
                ),
              }
            : { id: req.id, bytes, statuses: readStatuses(bytes, req.tree) };
    } catch (e) {
      reply = { id: req.id, bytes, error: (e as Error).stack ?? String(e) };
    }
    if (isDetached(bytes)) reply.bytes = new Uint8Array(0);
    const handed = reply.bytes.byteLength > 0 ? [reply.bytes.buffer as ArrayBuffer] : [];
    parentPort!.postMessage(reply, [...handed, ...ownBuffers(reply, bytes)]);
  })();
});
