/**
 * Worker thread of the ValidationPool: owns its own SchemaValidator (libxml2-wasm instance, compiled
 * schemas) and answers one validation request at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SchemaRef } from '../formats/types.ts';
import { SchemaValidator } from './validator.ts';
import type { ValidationOutcome } from './validator.ts';

export interface WorkerRequest {
  id: number;
  xml: Uint8Array;
  refs: SchemaRef[];
  fileName?: string;
}
export type WorkerReply = { id: number; outcome: ValidationOutcome } | { id: number; error: string };

const data = workerData as { schemaDir: string; shipped: boolean };
const validator = new SchemaValidator(data.schemaDir, data.shipped);

parentPort!.on('message', (req: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    const xml = Buffer.from(req.xml.buffer, req.xml.byteOffset, req.xml.byteLength);
    reply = { id: req.id, outcome: validator.validateAll(xml, req.refs, req.fileName) };
  } catch (e) {
    reply = { id: req.id, error: (e as Error).message };
  }
  parentPort!.postMessage(reply);
});
