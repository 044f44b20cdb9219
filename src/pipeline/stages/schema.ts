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
import type { PipelineDeps, StageResult } from '../stage.ts';
import type { Stage } from '../stage.ts';
import { ok, rejected } from '../stage.ts';
import { FlowWorkers } from '../work/pool.ts';
import { rejectedInvoiceLine } from './rules.ts';

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

async function validateDocuments(docs: DepositDocument[], deps: PipelineDeps): Promise<StageResult> {
  const findings: Finding[] = [];
  let good = 0;
  for (const doc of docs) {
    if (!doc.detected || doc.findings.some(isFatal)) continue;
    const d = doc.detected;
    const outcome = await deps.validation.validate(d.xml, d.schemas, doc.name);
    if (outcome.ok === 'missing-set') return { outcome: 'waiting', findings: [], waitingFor: outcome.setId };
    if (outcome.ok === true) {
      good++;
      continue;
    }
    const line = rejectedInvoiceLine(whoIs(doc), outcome.findings);
    line.location = { ...line.location, file: doc.name };
    doc.findings.push(...outcome.findings);
    findings.push(line);
  }
  if (good === 0) return rejected(findings);
  return { outcome: docs.some((d) => d.findings.some(isFatal)) ? 'partial' : 'ok', findings };
}

export const schemaStage: Stage = {
  name: 'SCHEMA',
  async run(ctx, deps) {
    const detected = ctx.detected;
    if (!detected) return { outcome: 'skipped', findings: [] };
    if (ctx.documents) return validateDocuments(ctx.documents, deps);
    // The XML goes to the validation worker and comes back (not copied): the context holds the returned Buffer.
    const sent = detected.xml;
    const { outcome, xml } = await deps.validation.validateHandingOver(
      sent,
      detected.schemas,
      detected.xmlName ?? ctx.flow.originalName,
    );
    FlowWorkers.handBack(ctx, sent, xml);
    if (outcome.ok === true) return ok();
    if (outcome.ok === 'missing-set') return { outcome: 'waiting', findings: [], waitingFor: outcome.setId };
    return rejected(outcome.findings);
  },
};
