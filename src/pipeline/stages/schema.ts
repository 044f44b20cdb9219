/**
 * SCHEMA: XSD validation against every schema the syntax names; waits when a schema set is not installed.
 * In a zip deposit each detected document is validated on its own: an invalid one is one rejected
 * invoice (one compte-rendu line naming it), the others go on.
 */
import type { Finding } from '../../finding.ts';
import { isFatal } from '../../finding.ts';
import { readInvoice } from '../../formats/read/index.ts';
import type { DepositDocument } from '../../formats/registry.ts';
import { routingFacts } from '../../rules/chorus/facts.ts';
import { rejectedInvoiceLine } from '../invoice-lines.ts';
import type { PipelineDeps, SchemaOutput as SchemaFacts, Stage, StageResult } from '../stage.ts';
import { go, rejected, waiting } from '../stage.ts';

/** The invoice an XSD-invalid document holds, as far as it can be read: for its compte-rendu line. */
function whoIs(doc: DepositDocument): { number: string; supplier?: string; recipient?: string } {
  try {
    const read = readInvoice(doc.detected!.xml, doc.detected!.syntax);
    if (read.invoices.length !== 1) return { number: doc.name };
    const facts = routingFacts(read.invoices[0]!);
    return {
      number: read.invoices[0]!.number?.value || doc.name,
      ...(facts.supplier.identifier !== undefined ? { supplier: facts.supplier.identifier } : {}),
      ...(facts.buyerSiret !== undefined ? { recipient: facts.buyerSiret } : {}),
    };
  } catch {
    return { number: doc.name };
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
    const line = rejectedInvoiceLine(whoIs(doc), outcome.findings);
    line.location = { ...line.location, file: doc.name };
    out.push({ ...doc, findings: [...doc.findings, ...outcome.findings] });
    findings.push(line);
  }
  if (good === 0) return rejected(findings);
  return go(
    { ...facts, detected: detectedAfter, documents: out },
    findings,
    out.some((d) => d.findings.some(isFatal)) ? 'partial' : 'ok',
  );
}

export const schemaStage: Stage<SchemaFacts & { flow: { originalName: string } }, SchemaFacts> = {
  name: 'SCHEMA',
  async run({ flow, ...facts }, deps) {
    const detected = facts.detected;
    if (!detected) return go(facts, [], 'skipped');
    if (facts.documents) return validateDocuments(facts.documents, facts, deps);
    // The XML goes to the validation worker and comes back (not copied): what follows reads the returned Buffer.
    const { outcome, xml } = await deps.validation.validateHandingOver(
      detected.xml,
      detected.schemas,
      detected.xmlName ?? flow.originalName,
    );
    if (outcome.ok === 'missing-set') return waiting(outcome.setId);
    if (outcome.ok !== true) return rejected(outcome.findings);
    return go({ ...facts, detected: xml === detected.xml ? detected : { ...detected, xml } });
  },
};
