/**
 * The conformance run's own inputs that are not official artefacts: the synthetic EXTENDED base
 * (scripts/conformance/rich-extended.ts) must be a valid EXTENDED invoice for the product (both XSDs, no fatal
 * finding: the run also has the artefacts judge it), and the audit of unreachable-rules.tsv
 * (scripts/conformance/audit-unreachable.ts) must accept the repository's lines and reject claims the XSDs contradict.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isFatal } from '../src/finding.ts';
import { readInvoice } from '../src/formats/read/index.ts';
import { detectSyntax } from '../src/formats/registry.ts';
import { checkInvoice } from '../src/rules/engine.ts';
import { SchemaValidator } from '../src/schemas/validator.ts';
import { auditUnreachable } from '../scripts/conformance/audit-unreachable.ts';
import { richExtended } from '../scripts/conformance/rich-extended.ts';
import { scan, select } from '../scripts/conformance/xml-edit.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-conformance-bases-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('synthetic EXTENDED base', () => {
  const base = fs.readFileSync(path.resolve('test/corpus/valid/cii/akretion-factur-x-extended.xml'), 'utf8');
  const rich = richExtended(base);

  it('holds the optional EXTENDED elements no corpus base has', () => {
    expect(rich).toBeDefined();
    const root = scan(rich!);
    const T = 'CrossIndustryInvoice/SupplyChainTradeTransaction';
    for (const p of [
      `${T}/ApplicableHeaderTradeAgreement/SalesAgentTradeParty/DefinedTradeContact/FaxUniversalCommunication`,
      `${T}/ApplicableHeaderTradeAgreement/BuyerAgentTradeParty/URIUniversalCommunication`,
      `${T}/ApplicableHeaderTradeDelivery/ShipFromTradeParty`,
      `${T}/ApplicableHeaderTradeSettlement/InvoiceeTradeParty`,
      `${T}/ApplicableHeaderTradeSettlement/SpecifiedAdvancePayment/IncludedTradeTax`,
      `${T}/ApplicableHeaderTradeSettlement/SpecifiedLogisticsServiceCharge/AppliedTradeTax`,
      `${T}/IncludedSupplyChainTradeLineItem/SpecifiedTradeProduct/IncludedReferencedProduct/UnitQuantity`,
      `${T}/IncludedSupplyChainTradeLineItem/SpecifiedLineTradeAgreement/ItemSellerTradeParty`,
    ])
      expect([p, select(root, p).length]).toEqual([p, 1]);
    // None of them in the corpus invoice it is made of.
    expect(select(scan(base), `${T}/ApplicableHeaderTradeSettlement/SpecifiedAdvancePayment`)).toHaveLength(0);
  });

  it('passes both XSDs and has no fatal finding', async () => {
    const det = await detectSyntax(Buffer.from(rich!), { fileName: 'rich-extended.xml' });
    expect(det.ok).toBe(true);
    if (!det.ok) return;
    expect(det.flow.profile).toBe('EXTENDED');
    const validator = new SchemaValidator(path.join(tmp, 'schemas'), true);
    try {
      for (const ref of det.flow.schemas)
        expect([ref.set, validator.validate(det.flow.xml, ref)]).toEqual([ref.set, { ok: true }]);
    } finally {
      validator.dispose();
    }
    const read = readInvoice(det.flow.xml, det.flow.syntax);
    const fatal = [
      ...read.findings.filter(isFatal),
      ...read.invoices.flatMap((inv) => checkInvoice(inv, det.flow).filter(isFatal)),
    ].map((f) => f.code);
    expect(fatal).toEqual([]);
    // The advance payment's amount went into the prepaid and due amounts (BR-CO-16 holds).
    expect(rich).toContain('<ram:TotalPrepaidAmount>20.00</ram:TotalPrepaidAmount>');
  });
});

describe('audit of unreachable-rules.tsv', () => {
  it("supports every xsd line of the repository's file", () => {
    const { checked, unsupported } = auditUnreachable();
    expect(checked).toBeGreaterThan(500);
    expect(unsupported).toEqual([]);
  });

  it('rejects claims the XSD declarations contradict, accepts those they make', () => {
    const rows = [
      // count(ram:URIID)=1 in a contact's e-mail: UniversalCommunicationType makes URIID optional.
      ['EXTENDED', 'FX-SCH-A-000653', 'xsd', 'claimed'],
      // count(ram:SpecifiedTaxRegistration[FC])<=1 on the seller: maxOccurs 2.
      ['BASIC', 'FX-SCH-A-000034', 'xsd', 'claimed'],
      // count(ram:RoleCode)<=1 on a party: maxOccurs 1.
      ['EXTENDED', 'FX-SCH-A-000321', 'xsd', 'claimed'],
      // A ReasonCode[@listID="5153"] context: CII D16B fixes listID to 4465_AllowanceChargeReasonCode.
      ['EXTENDED', 'FX-SCH-A-000390', 'xsd', 'claimed'],
    ];
    const { checked, unsupported } = auditUnreachable(rows);
    expect(checked).toBe(4);
    expect(unsupported.map((l) => l.split('\t').slice(0, 2).join(' '))).toEqual([
      'EXTENDED FX-SCH-A-000653',
      'BASIC FX-SCH-A-000034',
    ]);
  });
});
