/**
 * The conformance mutation generator's editing helpers (scripts/conformance/xml-edit.ts): insertion at the place
 * the official XSD's sequence gives, so that mutants stay XSD-valid; path globs.
 */
import { describe, expect, it } from '@jest/globals';
import { put, scan, select } from '../scripts/conformance/xml-edit.ts';

const UBL = `<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><cbc:ID>1</cbc:ID><cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode><cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:LineExtensionAmount currencyID="EUR">1.00</cbc:LineExtensionAmount><cac:Item><cbc:Name>x</cbc:Name></cac:Item></cac:InvoiceLine></Invoice>`;
const CII = `<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"><rsm:ExchangedDocumentContext/><rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeAgreement><ram:SellerTradeParty><ram:PostalTradeAddress><ram:PostcodeCode>75001</ram:PostcodeCode><ram:CityName>Paris</ram:CityName></ram:PostalTradeAddress></ram:SellerTradeParty></ram:ApplicableHeaderTradeAgreement></rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>`;
const children = (xml: string, path: string) => select(scan(xml), path)[0]!.children.map((c) => c.local);

describe('put: insertion in the XSD sequence', () => {
  it('places a UBL line period after the line amount and before the item', () => {
    const out = put(UBL, '*/*Line', 'InvoicePeriod', '<cac:InvoicePeriod/>')!;
    expect(children(out, '*/InvoiceLine')).toEqual(['ID', 'LineExtensionAmount', 'InvoicePeriod', 'Item']);
  });
  it('places a UBL note between the header terms, by the Invoice sequence', () => {
    const out = put(UBL, '*', 'Note', '<cbc:Note>#AAI#x</cbc:Note>')!;
    expect(children(out, '*')).toEqual(['ID', 'Note', 'DocumentCurrencyCode', 'InvoiceLine']);
  });
  it('places a CII address part after the parts D16B puts before it', () => {
    const p =
      'CrossIndustryInvoice/SupplyChainTradeTransaction/ApplicableHeaderTradeAgreement/SellerTradeParty/PostalTradeAddress';
    const out = put(CII, p, 'PostOfficeBox', '<ram:PostOfficeBox>BP 1</ram:PostOfficeBox>')!;
    expect(children(out, p)).toEqual(['PostcodeCode', 'PostOfficeBox', 'CityName']);
  });
  it('opens an empty parent written <a/>', () => {
    const out = put(
      CII,
      'CrossIndustryInvoice/ExchangedDocumentContext',
      'GuidelineSpecifiedDocumentContextParameter',
      '<ram:GuidelineSpecifiedDocumentContextParameter/>',
    )!;
    expect(children(out, 'CrossIndustryInvoice/ExchangedDocumentContext')).toEqual([
      'GuidelineSpecifiedDocumentContextParameter',
    ]);
  });
  it('refuses a child the parent type does not have, or a parent not there', () => {
    expect(put(UBL, '*/*Line', 'PostOfficeBox', '<x/>')).toBeUndefined();
    expect(put(UBL, '*/Delivery', 'DeliveryLocation', '<x/>')).toBeUndefined();
  });
});

describe('select', () => {
  it('matches a glob step (*Line: InvoiceLine or CreditNoteLine)', () => {
    expect(select(scan(UBL), '*/*Line').map((e) => e.local)).toEqual(['InvoiceLine']);
  });
});
