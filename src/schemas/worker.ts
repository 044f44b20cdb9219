/**
 * Worker thread of the ValidationPool: owns its own SchemaValidator (libxml2-wasm instance, compiled
 * schemas) and answers one validation request at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SchemaRef } from '../formats/types.ts';
import { lowerThreadPriority } from '../thread-priority.ts';
import { isDetached } from '../buffers.ts';
import { SchemaValidator } from './validator.ts';
import type { ValidationOutcome } from './validator.ts';

export interface WorkerRequest {
  id: number;
  xml: Uint8Array;
  refs: SchemaRef[];
  fileName?: string;
  /** A document of the large lane: this worker goes behind the small flows for the CPU (it is ended after it). */
  large?: true;
  /** The caller needs the bytes no more: freed once in libxml2's memory, and not handed back. */
  release?: true;
}
/** `xml`: the document's bytes, handed back (transferred) to the caller; empty when released. */
export type WorkerReply = { id: number; xml: Uint8Array } & ({ outcome: ValidationOutcome } | { error: string });

const data = workerData as { schemaDir: string; shipped: boolean; large?: boolean };
// A worker of the large lane (a document over 4 Mo): behind the small flows for the CPU.
if (data.large) lowerThreadPriority();
const validator = new SchemaValidator(data.schemaDir, data.shipped);

let lowered = data.large === true;

parentPort!.on('message', (req: WorkerRequest) => {
  // A warm worker of the small lane taken for a large document (see ValidationPool's large lane).
  if (req.large && !lowered) {
    lowerThreadPriority();
    lowered = true;
  }
  let reply: WorkerReply;
  const xml = Buffer.from(req.xml.buffer, req.xml.byteOffset, req.xml.byteLength);
  try {
    const outcome = validator.validateAll(xml, req.refs, req.fileName, { release: req.release === true });
    reply = { id: req.id, xml: req.xml, outcome };
  } catch (e) {
    reply = { id: req.id, xml: req.xml, error: (e as Error).message };
  }
  if (isDetached(xml)) reply.xml = new Uint8Array(0);
  parentPort!.postMessage(reply, reply.xml.byteLength > 0 ? [reply.xml.buffer as ArrayBuffer] : []);
});
