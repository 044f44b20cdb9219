/** Composes the return flow that concludes a flow: a compte-rendu (deposit) or an analysis report. */
import type { Finding } from '../finding.ts';
import { analysisFileName, returnFileName, writeFlowReport } from '../formats/return/index.ts';
import type { FlowRecord, PartnerAccount, ReturnFlowRecord } from '../store/types.ts';

export function flowDisplayId(flow: FlowRecord): string {
  return flow.flowNumber ?? `ANALYSE-${flow.id}`;
}

export function composeReport(
  flow: FlowRecord,
  partner: PartnerAccount,
  status: '90' | '93' | '96',
  findings: Finding[],
  comment: string,
  now = new Date(),
): { kind: ReturnFlowRecord['kind']; fileName: string; content: string } {
  // A portal deposit may choose its own return syntax ("Syntaxe du flux retour"); else the partner's.
  const syntax = flow.returnSyntax ?? partner.returnSyntax;
  const content = writeFlowReport(syntax, {
    flowId: flowDisplayId(flow),
    partnerCode: partner.code,
    producedAt: now,
    status,
    originalFileName: flow.originalName,
    comment,
    findings,
  });
  if (flow.box === 'analyse') return { kind: 'analyse', fileName: analysisFileName(flow.originalName), content };
  return { kind: 'compte-rendu', fileName: returnFileName(syntax, flow.flowNumber as string), content };
}
