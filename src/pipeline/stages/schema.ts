/**
 * SCHEMA: XSD validation against every schema the syntax names; waits when a schema set is not installed.
 * In a zip deposit each detected document is validated on its own: an invalid one is one rejected
 * invoice (one compte-rendu line naming it), the others go on.
 */
import type { Finding } from '../../finding.ts';
import { isFatal } from '../../finding.ts';
import { formatLimits } from '../../formats/limits.ts';
import type { DepositDocument } from '../../formats/registry.ts';
import { readAndCheck } from '../read-check.ts';
import type { ReadAndCheckRequest, ReadAndCheckResult } from '../read-check.ts';
import { rejectedInvoiceLine } from '../invoice-lines.ts';
import type { PipelineDeps, SchemaOutput as SchemaFacts, Stage, StageResult } from '../stage.ts';
import { go, rejected, waiting } from '../stage.ts';
import type { DetectedFlow } from '../../formats/types.ts';
import { LARGE_DOCUMENT_BYTES } from '../../buffers.ts';

/**
 * The invoice an XSD-invalid document holds, as far as it can be read: for its compte-rendu line. Read as
 * stage REGLE reads (the tree detection kept, in the worker that detected), without rules; with the XML
 * handed back by the worker.
 */
async function whoIs(
  doc: DepositDocument,
  deps: PipelineDeps,
): Promise<{ who: { number: string; supplier?: string; recipient?: string }; xml: Buffer }> {
  const d = doc.detected!;
  const req: ReadAndCheckRequest = {
    xml: d.xml,
    syntax: d.syntax,
    rules: [],
    limits: formatLimits(deps.config.maxFlowSizeKo, deps.config.limits),
    file: doc.name,
    ...(d.tree !== undefined ? { tree: d.tree } : {}),
  };
  let xml = d.xml;
  try {
    let read: ReadAndCheckResult;
    if (deps.work) ({ checked: read, bytes: xml } = await deps.work.readAndCheck(req));
    else read = readAndCheck(req);
    const inv = read.invoices.length === 1 ? read.invoices[0]! : undefined;
    if (!inv) return { who: { number: doc.name }, xml };
    const { supplier, buyerSiret, invoiceNumber } = inv.facts;
    const who = {
      number: invoiceNumber || doc.name,
      ...(supplier.identifier !== undefined ? { supplier: supplier.identifier } : {}),
      ...(buyerSiret !== undefined ? { recipient: buyerSiret } : {}),
    };
    return { who, xml };
  } catch {
    return { who: { number: doc.name }, xml };
  }
}

async function validateDocuments(
  docs: DepositDocument[],
  facts: SchemaFacts,
  deps: PipelineDeps,
): Promise<StageResult<SchemaFacts>> {
  const findings: Finding[] = [];
  const out: DepositDocument[] = [];
  let detectedAfter = facts.detected;
  let good = 0;
  for (const sent of docs) {
    if (!sent.detected || sent.findings.some(isFatal)) {
      out.push(sent);
      continue;
    }
    // Each document's XML goes to the validation worker and comes back, as a single flow's does (no copy):
    // what follows reads the returned Buffer (the flow's detection is its first document's, the same object).
    const d = sent.detected;
    const { outcome, xml } = await deps.validation.validateHandingOver(d.xml, d.schemas, sent.name);
    const back = xml === d.xml ? d : { ...d, xml };
    if (detectedAfter === d) detectedAfter = back;
    const doc = back === d ? sent : { ...sent, detected: back };
    if (outcome.ok === 'missing-set') return waiting(outcome.setId);
    if (outcome.ok === true) {
      good++;
      out.push(doc);
      continue;
    }
    // Named as REGLE reads it, in the worker that detected: the XML comes back again.
    const named = await whoIs(doc, deps);
    const after = named.xml === back.xml ? back : { ...back, xml: named.xml };
    if (detectedAfter === back) detectedAfter = after;
    const line = rejectedInvoiceLine(named.who, outcome.findings);
    line.location = { ...line.location, file: doc.name };
    out.push({ ...doc, detected: after, findings: [...doc.findings, ...outcome.findings] });
    findings.push(line);
  }
  if (good === 0) return rejected(findings);
  return go(
    { ...facts, detected: detectedAfter, documents: out },
    findings,
    out.some((d) => d.findings.some(isFatal)) ? 'partial' : 'ok',
  );
}

/** The XML of a single-document flow: in the validation worker and back, or freed there and parked if large. */
async function validateFlowXml(detected: DetectedFlow, fileName: string, facts: SchemaFacts, deps: PipelineDeps) {
  // A large document is not held beside libxml2's own copy while it is validated: parked on disk for REGLE.
  let parked = deps.park && detected.xml.length > LARGE_DOCUMENT_BYTES ? await deps.park(detected.xml) : undefined;
  try {
    const { outcome, xml, released } = await deps.validation.validateHandingOver(
      detected.xml,
      detected.schemas,
      fileName,
      parked ? { handBack: false } : {},
    );
    if (outcome.ok === 'missing-set') return waiting(outcome.setId);
    if (outcome.ok !== true) return rejected(outcome.findings);
    const after = xml === detected.xml ? detected : { ...detected, xml };
    if (!released) return go({ ...facts, detected: after });
    const parkedXml = parked!;
    parked = undefined; // REGLE takes it
    return go({ ...facts, detected: after, parkedXml });
  } finally {
    await parked?.drop();
  }
}

export const schemaStage: Stage<SchemaFacts & { flow: { originalName: string } }, SchemaFacts> = {
  name: 'SCHEMA',
  async run({ flow, ...facts }, deps) {
    const detected = facts.detected;
    if (!detected) return go(facts, [], 'skipped');
    if (facts.documents) return validateDocuments(facts.documents, facts, deps);
    // The XML goes to the validation worker and comes back (not copied): what follows reads the returned Buffer.
    return validateFlowXml(detected, detected.xmlName ?? flow.originalName, facts, deps);
  },
};
