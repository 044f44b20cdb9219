/** EN 16931 core rules BR-01 … BR-65: presence and consistency of the business terms. */
import type { XNode } from '../../formats/read/tree.ts';
import type { AllowanceCharge, Invoice, Party, Period } from '../../formats/invoice.ts';
import { sign } from '../decimal.ts';
import { judgedByProfileAlone } from '../profiles.ts';
import type { Rule, Violation } from '../types.ts';
import { blank, ciiCategoryTakesBreakdown, d, fail, isVatStrict, required, rule, show, text } from './util.ts';

/**
 * CII BR-62 / BR-63 as the artefact: the party has a ram:URIUniversalCommunication and the first one's
 * ram:URIID/@schemeID is empty or absent (a communication without URIID included).
 */
function ciiEndpointWithoutScheme(root: XNode, party: string, bt: string): Violation[] {
  const child = (n: XNode | undefined, name: string) => n?.children.find((k) => k.name === name);
  const p = child(child(child(root, 'SupplyChainTradeTransaction'), 'ApplicableHeaderTradeAgreement'), party);
  const uri = child(p, 'URIUniversalCommunication');
  if (!uri) return [];
  const id = child(uri, 'URIID');
  if ((id?.attrs['schemeID'] ?? '').trim() !== '') return [];
  const at = id ?? uri;
  return [fail(`${bt} ${id ? `'${id.text}'` : 'absent'} sans schemeID`, { xpath: at.xpath, line: at.line })];
}

const root = (inv: Invoice) => inv.loc;

function partyName(p: Party | undefined) {
  return p?.name;
}

function perAllowance(
  id: string,
  terms: string[],
  fr: string,
  en: string,
  pick: (inv: Invoice) => AllowanceCharge[],
  bad: (ac: AllowanceCharge) => string | undefined,
): Rule {
  return rule(id, terms, fr, en, (inv) => {
    const out: Violation[] = [];
    for (const ac of pick(inv)) {
      const why = bad(ac);
      if (why !== undefined) out.push(fail(why, ac.loc));
    }
    return out;
  });
}

const docAllowances = (inv: Invoice) => inv.allowanceCharges.filter((a) => !a.charge);
const docCharges = (inv: Invoice) => inv.allowanceCharges.filter((a) => a.charge);
const lineAllowances = (inv: Invoice) => inv.lines.flatMap((l) => l.allowanceCharges.filter((a) => !a.charge));
const lineCharges = (inv: Invoice) => inv.lines.flatMap((l) => l.allowanceCharges.filter((a) => a.charge));
// The artefacts test the elements' presence (an empty reason passes).
const noReason = (ac: AllowanceCharge) =>
  ac.reason === undefined && ac.reasonCode === undefined ? 'ni motif ni code motif' : undefined;
const noAmount = (ac: AllowanceCharge) => (ac.amount === undefined ? 'montant absent' : undefined);
// The artefacts: a category code in a category of the VAT scheme written as such (CII: a TypeCode VAT).
const noVatCat = (ac: AllowanceCharge) =>
  !isVatStrict(ac.vat) || blank(ac.vat.code) ? 'catégorie de TVA absente' : undefined;

function periodOrder(
  id: string,
  term: string,
  fr: string,
  en: string,
  pick: (inv: Invoice) => (Period | undefined)[],
): Rule {
  return rule(id, [term], fr, en, (inv) => {
    const out: Violation[] = [];
    for (const p of pick(inv)) {
      if (!p || p.start === undefined || p.end === undefined) continue;
      // CII: the artefact compares the dates written in format 102; another format fails the comparison.
      if (inv.syntax === 'cii' && (p.start.attrs?.['format'] !== '102' || p.end.attrs?.['format'] !== '102')) {
        out.push(fail(`dates ${show(p.start)} / ${show(p.end)} hors format 102`, p.end.loc));
        continue;
      }
      if (blank(p.start) || blank(p.end)) continue;
      // ISO dates (UBL) and format 102 (CII) both order as strings once the separators are dropped.
      if (text(p.end).replace(/-/g, '') < text(p.start).replace(/-/g, '')) {
        out.push(fail(`fin ${show(p.end)} avant début ${show(p.start)}`, p.end.loc));
      }
    }
    return out;
  });
}

/**
 * CII BR-17 as the artefact: each ram:PayeeTradeParty has a name, and neither its name, nor an identifier, nor its
 * legal registration identifier equals the seller's (values as written).
 */
function ciiPayeeIsSeller(root: XNode): Violation[] {
  const out: Violation[] = [];
  const kids = (n: XNode | undefined, ...names: string[]): XNode[] => {
    let cur = n ? [n] : [];
    for (const name of names) cur = cur.flatMap((c) => c.children.filter((k) => k.name === name));
    return cur;
  };
  const val = (n: XNode) => n.raw ?? n.text;
  const walk = (n: XNode) => {
    if (n.name === 'PayeeTradeParty') {
      const seller = kids(n.parent?.parent, 'ApplicableHeaderTradeAgreement', 'SellerTradeParty');
      const same = (a: XNode[], b: XNode[]) => a.some((x) => b.some((y) => val(x) === val(y)));
      const names = kids(n, 'Name');
      const bad =
        names.length === 0 ||
        same(
          names,
          seller.flatMap((s) => kids(s, 'Name')),
        ) ||
        same(
          kids(n, 'ID'),
          seller.flatMap((s) => kids(s, 'ID')),
        ) ||
        same(
          kids(n, 'SpecifiedLegalOrganization', 'ID'),
          seller.flatMap((s) => kids(s, 'SpecifiedLegalOrganization', 'ID')),
        );
      if (bad)
        out.push(
          fail(names.length ? 'le bénéficiaire est le vendeur' : 'BT-59 absent', { xpath: n.xpath, line: n.line }),
        );
    }
    for (const c of n.children) walk(c);
  };
  walk(root);
  return out;
}

export const coreRules: Rule[] = [
  required(
    'BR-01',
    'BT-24',
    'La facture doit contenir un identifiant de spécification (BT-24)',
    'An Invoice shall have a Specification identifier (BT-24)',
    (inv) => ({ value: inv.specificationId, where: root(inv) }),
  ),
  required(
    'BR-02',
    'BT-1',
    'La facture doit contenir un numéro de facture (BT-1)',
    'An Invoice shall have an Invoice number (BT-1)',
    (inv) => ({ value: inv.number, where: root(inv) }),
  ),
  required(
    'BR-03',
    'BT-2',
    "La facture doit contenir une date d'émission (BT-2)",
    'An Invoice shall have an Invoice issue date (BT-2)',
    // CII: the artefact reads the date written in format 102 only.
    (inv) => ({
      value: inv.syntax === 'cii' && inv.issueDate?.attrs?.['format'] !== '102' ? undefined : inv.issueDate,
      where: root(inv),
    }),
  ),
  required(
    'BR-04',
    'BT-3',
    'La facture doit contenir un code de type de facture (BT-3)',
    'An Invoice shall have an Invoice type code (BT-3)',
    (inv) => ({ value: inv.typeCode, where: root(inv) }),
  ),
  required(
    'BR-05',
    'BT-5',
    'La facture doit contenir un code de devise (BT-5)',
    'An Invoice shall have an Invoice currency code (BT-5)',
    (inv) => ({ value: inv.currency, where: root(inv) }),
  ),
  required(
    'BR-06',
    'BT-27',
    'La facture doit contenir le nom du vendeur (BT-27)',
    "An Invoice shall contain the Seller's name (BT-27)",
    (inv) => ({ value: partyName(inv.seller), where: inv.seller?.loc ?? root(inv) }),
  ),
  required(
    'BR-07',
    'BT-44',
    "La facture doit contenir le nom de l'acheteur (BT-44)",
    "An Invoice shall contain the Buyer's name (BT-44)",
    (inv) => ({ value: partyName(inv.buyer), where: inv.buyer?.loc ?? root(inv) }),
  ),
  rule(
    'BR-08',
    ['BG-5'],
    "La facture doit contenir l'adresse postale du vendeur (BG-5)",
    'An Invoice shall contain the Seller postal address (BG-5)',
    (inv) => (inv.seller?.address ? [] : [fail('BG-5 absent', inv.seller?.loc ?? inv.loc)]),
  ),
  rule(
    'BR-09',
    ['BT-40'],
    "L'adresse postale du vendeur doit contenir un code pays (BT-40)",
    'The Seller postal address (BG-5) shall contain a Seller country code (BT-40)',
    // UBL binds the rule to the address (no address, no BR-09: BR-08 says it); CII to the invoice.
    (inv) =>
      inv.seller?.address
        ? blank(inv.seller.address.country)
          ? [fail('BT-40 absent', inv.seller.address.loc)]
          : []
        : inv.syntax === 'cii'
          ? [fail('BT-40 absent', inv.seller?.loc ?? inv.loc)]
          : [],
  ),
  rule(
    'BR-10',
    ['BG-8'],
    "La facture doit contenir l'adresse postale de l'acheteur (BG-8)",
    'An Invoice shall contain the Buyer postal address (BG-8)',
    (inv) => (inv.buyer?.address ? [] : [fail('BG-8 absent', inv.buyer?.loc ?? inv.loc)]),
  ),
  rule(
    'BR-11',
    ['BT-55'],
    "L'adresse postale de l'acheteur doit contenir un code pays (BT-55)",
    'The Buyer postal address shall contain a Buyer country code (BT-55)',
    (inv) =>
      inv.buyer?.address
        ? blank(inv.buyer.address.country)
          ? [fail('BT-55 absent', inv.buyer.address.loc)]
          : []
        : inv.syntax === 'cii'
          ? [fail('BT-55 absent', inv.buyer?.loc ?? inv.loc)]
          : [],
  ),
  rule(
    'BR-12',
    ['BT-106'],
    'La facture doit contenir la somme des montants nets des lignes (BT-106)',
    'An Invoice shall have the Sum of Invoice line net amount (BT-106)',
    (inv) => (inv.totals?.lineNet ? [] : [fail('BT-106 absent', inv.totals?.loc ?? inv.loc)]),
  ),
  rule(
    'BR-13',
    ['BT-109'],
    'La facture doit contenir le montant total hors TVA (BT-109)',
    'An Invoice shall have the Invoice total amount without VAT (BT-109)',
    (inv) => (inv.totals?.taxExclusive ? [] : [fail('BT-109 absent', inv.totals?.loc ?? inv.loc)]),
  ),
  rule(
    'BR-14',
    ['BT-112'],
    'La facture doit contenir le montant total TTC (BT-112)',
    'An Invoice shall have the Invoice total amount with VAT (BT-112)',
    (inv) => (inv.totals?.taxInclusive ? [] : [fail('BT-112 absent', inv.totals?.loc ?? inv.loc)]),
  ),
  rule(
    'BR-15',
    ['BT-115'],
    'La facture doit contenir le montant à payer (BT-115)',
    'An Invoice shall have the Amount due for payment (BT-115)',
    (inv) => (inv.totals?.payable ? [] : [fail('BT-115 absent', inv.totals?.loc ?? inv.loc)]),
  ),
  rule(
    'BR-16',
    ['BG-25'],
    'La facture doit contenir au moins une ligne (BG-25)',
    'An Invoice shall have at least one Invoice line (BG-25)',
    (inv) => (inv.lines.length ? [] : [fail('aucune ligne de facture', inv.loc)]),
  ),
  rule(
    'BR-17',
    ['BT-59'],
    'Le nom du bénéficiaire (BT-59) doit être fourni si le bénéficiaire est différent du vendeur',
    'The Payee name (BT-59) shall be provided if the Payee (BG-10) is different from the Seller (BG-4)',
    (inv) => {
      const root = inv.binding?.root;
      if (inv.syntax === 'cii' && root) return ciiPayeeIsSeller(root);
      const payee = inv.payee;
      if (!payee) return [];
      if (blank(payee.name)) return [fail('BT-59 absent', payee.loc)];
      // The UBL artefacts also reject a payee that is the seller itself (same name or same identifier).
      const seller = inv.seller;
      if (inv.syntax !== 'ubl' || !seller) return [];
      const sellerName = text(seller.tradingName);
      if (sellerName !== '' && text(payee.name) === sellerName)
        return [fail(`BT-59 ${show(payee.name)} = nom du vendeur : le bénéficiaire est le vendeur`, payee.name!.loc)];
      const sellerIds = new Set(seller.ids.map((i) => text(i)));
      const same = payee.ids.find((i) => sellerIds.has(text(i)));
      return same ? [fail(`BT-60 ${show(same)} = identifiant du vendeur (BT-29)`, same.loc)] : [];
    },
  ),
  rule(
    'BR-18',
    ['BT-62'],
    'Le nom du représentant fiscal (BT-62) doit être fourni',
    'The Seller tax representative name (BT-62) shall be provided',
    (inv) =>
      inv.taxRepresentative && blank(inv.taxRepresentative.name)
        ? [fail('BT-62 absent', inv.taxRepresentative.loc)]
        : [],
  ),
  rule(
    'BR-19',
    ['BG-12'],
    "L'adresse postale du représentant fiscal (BG-12) doit être fournie",
    'The Seller tax representative postal address (BG-12) shall be provided',
    (inv) =>
      inv.taxRepresentative && !inv.taxRepresentative.address ? [fail('BG-12 absent', inv.taxRepresentative.loc)] : [],
  ),
  rule(
    'BR-20',
    ['BT-69'],
    "L'adresse du représentant fiscal doit contenir un code pays (BT-69)",
    'The Seller tax representative postal address shall contain a country code (BT-69)',
    // The CII artefact: the representative's address country code, an absent address included; the UBL one tests
    // it on the cac:PostalAddress only (an absent address is BR-19's alone).
    (inv) =>
      inv.taxRepresentative &&
      (inv.syntax === 'cii' || inv.taxRepresentative.address) &&
      blank(inv.taxRepresentative.address?.country)
        ? [fail('BT-69 absent', inv.taxRepresentative.address?.loc ?? inv.taxRepresentative.loc)]
        : [],
  ),
  ...(
    [
      [
        'BR-21',
        'BT-126',
        'Chaque ligne doit avoir un identifiant (BT-126)',
        'Each Invoice line shall have an Invoice line identifier (BT-126)',
        'id',
      ],
      [
        'BR-22',
        'BT-129',
        'Chaque ligne doit avoir une quantité facturée (BT-129)',
        'Each Invoice line shall have an Invoiced quantity (BT-129)',
        'quantity',
      ],
      [
        'BR-23',
        'BT-130',
        "Chaque quantité facturée doit avoir un code d'unité (BT-130)",
        'An Invoice line shall have an Invoiced quantity unit of measure code (BT-130)',
        'unitCode',
      ],
      [
        'BR-24',
        'BT-131',
        'Chaque ligne doit avoir un montant net (BT-131)',
        'Each Invoice line shall have an Invoice line net amount (BT-131)',
        'netAmount',
      ],
      [
        'BR-25',
        'BT-153',
        "Chaque ligne doit contenir le nom de l'article (BT-153)",
        'Each Invoice line shall contain the Item name (BT-153)',
        'itemName',
      ],
      [
        'BR-26',
        'BT-146',
        "Chaque ligne doit contenir le prix net de l'article (BT-146)",
        'Each Invoice line shall contain the Item net price (BT-146)',
        'netPrice',
      ],
    ] as const
  ).map(([id, term, fr, en, key]) =>
    rule(id, [term], fr, en, (inv) =>
      inv.lines.filter((l) => blank(l[key])).map((l) => fail(`${term} absent (ligne ${text(l.id)})`, l.loc)),
    ),
  ),
  rule(
    'BR-27',
    ['BT-146'],
    "Le prix net de l'article (BT-146) ne doit pas être négatif",
    'The Item net price (BT-146) shall NOT be negative',
    (inv) =>
      // The artefacts: (net price) >= 0, which an absent price fails too (beside BR-26).
      inv.lines.flatMap((l) => {
        if (l.netPrice === undefined) return inv.syntax === 'cpp' ? [] : [fail('prix net absent', l.loc)];
        const p = d(l.netPrice);
        return !p || sign(p) < 0 ? [fail(`prix net ${show(l.netPrice)}`, l.netPrice.loc)] : [];
      }),
  ),
  rule(
    'BR-28',
    ['BT-148'],
    "Le prix brut de l'article (BT-148) ne doit pas être négatif",
    'The Item gross price (BT-148) shall NOT be negative',
    (inv) =>
      inv.lines.flatMap((l) => {
        const p = d(l.grossPrice);
        return p && sign(p) < 0 ? [fail(`prix brut ${show(l.grossPrice)}`, l.grossPrice!.loc)] : [];
      }),
  ),
  periodOrder(
    'BR-29',
    'BT-74',
    'La date de fin de période de facturation doit être postérieure ou égale à la date de début',
    'The Invoicing period end date (BT-74) shall be later or equal to the start date (BT-73)',
    (inv) => [inv.period],
  ),
  periodOrder(
    'BR-30',
    'BT-135',
    'La date de fin de période de la ligne doit être postérieure ou égale à la date de début',
    'The Invoice line period end date (BT-135) shall be later or equal to the start date (BT-134)',
    (inv) => inv.lines.flatMap((l) => [l.period, ...(l.extraPeriods ?? [])]),
  ),
  perAllowance(
    'BR-31',
    ['BT-92'],
    'Chaque remise au niveau document doit avoir un montant (BT-92)',
    'Each Document level allowance shall have an amount (BT-92)',
    docAllowances,
    noAmount,
  ),
  perAllowance(
    'BR-32',
    ['BT-95'],
    'Chaque remise au niveau document doit avoir un code de catégorie de TVA (BT-95)',
    'Each Document level allowance shall have a VAT category code (BT-95)',
    docAllowances,
    noVatCat,
  ),
  perAllowance(
    'BR-33',
    ['BT-97', 'BT-98'],
    'Chaque remise au niveau document doit avoir un motif ou un code motif',
    'Each Document level allowance shall have a reason (BT-97) or a reason code (BT-98)',
    docAllowances,
    noReason,
  ),
  perAllowance(
    'BR-36',
    ['BT-99'],
    'Chaque charge au niveau document doit avoir un montant (BT-99)',
    'Each Document level charge shall have an amount (BT-99)',
    docCharges,
    noAmount,
  ),
  perAllowance(
    'BR-37',
    ['BT-102'],
    'Chaque charge au niveau document doit avoir un code de catégorie de TVA (BT-102)',
    'Each Document level charge shall have a VAT category code (BT-102)',
    docCharges,
    noVatCat,
  ),
  perAllowance(
    'BR-38',
    ['BT-104', 'BT-105'],
    'Chaque charge au niveau document doit avoir un motif ou un code motif',
    'Each Document level charge shall have a reason (BT-104) or a reason code (BT-105)',
    docCharges,
    noReason,
  ),
  perAllowance(
    'BR-41',
    ['BT-136'],
    'Chaque remise de ligne doit avoir un montant (BT-136)',
    'Each Invoice line allowance shall have an amount (BT-136)',
    lineAllowances,
    noAmount,
  ),
  perAllowance(
    'BR-42',
    ['BT-139', 'BT-140'],
    'Chaque remise de ligne doit avoir un motif ou un code motif',
    'Each Invoice line allowance shall have a reason (BT-139) or a reason code (BT-140)',
    lineAllowances,
    noReason,
  ),
  perAllowance(
    'BR-43',
    ['BT-141'],
    'Chaque charge de ligne doit avoir un montant (BT-141)',
    'Each Invoice line charge shall have an amount (BT-141)',
    lineCharges,
    noAmount,
  ),
  perAllowance(
    'BR-44',
    ['BT-144', 'BT-145'],
    'Chaque charge de ligne doit avoir un motif ou un code motif',
    'Each Invoice line charge shall have a reason (BT-144) or a reason code (BT-145)',
    lineCharges,
    noReason,
  ),
  rule(
    'BR-45',
    ['BT-116'],
    'Chaque ventilation de TVA doit avoir une base imposable (BT-116)',
    'Each VAT breakdown (BG-23) shall have a VAT category taxable amount (BT-116)',
    (inv) =>
      inv.vatBreakdown
        .filter((b) => !ciiCategoryTakesBreakdown(inv, b.category) && !b.taxable)
        .map((b) => fail('BT-116 absent', b.loc)),
  ),
  rule(
    'BR-46',
    ['BT-117'],
    'Chaque ventilation de TVA doit avoir un montant de TVA (BT-117)',
    'Each VAT breakdown (BG-23) shall have a VAT category tax amount (BT-117)',
    (inv) =>
      inv.vatBreakdown
        .filter((b) => !ciiCategoryTakesBreakdown(inv, b.category) && !b.tax)
        .map((b) => fail('BT-117 absent', b.loc)),
  ),
  rule(
    'BR-47',
    ['BT-118'],
    'Chaque ventilation de TVA doit avoir un code de catégorie de TVA (BT-118)',
    'Each VAT breakdown (BG-23) shall be defined through a VAT category code (BT-118)',
    (inv, ctx) =>
      inv.vatBreakdown
        // The artefacts: a category code element in a category of the VAT scheme (VA or no scheme fails); the
        // MINIMUM / BASIC WL artefacts: a category code element, whatever the scheme.
        .filter((b) => !ciiCategoryTakesBreakdown(inv, b.category))
        .filter((b) => !(judgedByProfileAlone(ctx) || isVatStrict(b.category)) || b.category.code === undefined)
        .map((b) => fail('BT-118 absent', b.loc)),
  ),
  rule(
    'BR-48',
    ['BT-119'],
    'Chaque ventilation de TVA doit avoir un taux de TVA (BT-119), sauf catégorie O',
    'Each VAT breakdown (BG-23) shall have a VAT category rate (BT-119), except if the Invoice is not subject to VAT',
    (inv, ctx) =>
      inv.vatBreakdown
        .filter((b) => !ciiCategoryTakesBreakdown(inv, b.category))
        .filter(
          (b) =>
            !(judgedByProfileAlone(ctx) || isVatStrict(b.category)) ||
            (b.category.rate === undefined && text(b.category.code) !== 'O'),
        )
        .map((b) => fail('BT-119 absent', b.category.loc)),
  ),
  rule(
    'BR-49',
    ['BT-81'],
    'Chaque instruction de paiement doit avoir un code de moyen de paiement (BT-81)',
    'A Payment instruction (BG-16) shall specify the Payment means type code (BT-81)',
    // The CII artefact tests the element's presence only (an empty TypeCode passes).
    (inv) =>
      inv.paymentMeans
        .filter((p) => (inv.syntax === 'cii' ? p.code === undefined : blank(p.code)))
        .map((p) => fail('BT-81 absent', p.loc)),
  ),
  rule(
    'BR-50',
    ['BT-84'],
    'Un identifiant de compte de paiement (BT-84) doit être présent pour un virement',
    'A Payment account identifier (BT-84) shall be present if Credit transfer (BG-17) information is provided',
    (inv) =>
      // The artefacts bind the rule to the account of a credit transfer (codes 30 and 58).
      inv.paymentMeans
        .filter((p) => ['30', '58'].includes(text(p.code)))
        .flatMap((p) => p.accounts.filter((a) => blank(a.id)).map((a) => fail('BT-84 absent', a.loc))),
  ),
  rule(
    'BR-51',
    ['BT-87'],
    'Le numéro de carte de paiement (BT-87) ne doit contenir que les derniers chiffres (10 au plus)',
    'In accordance with card payments security standards an invoice should never include a full card primary account number (BT-87)',
    (inv) =>
      inv.paymentMeans.flatMap((p) =>
        p.card?.pan && text(p.card.pan).length > 10
          ? [fail(`${text(p.card.pan).length} caractères`, p.card.pan.loc)]
          : [],
      ),
  ),
  rule(
    'BR-52',
    ['BT-122'],
    'Chaque justificatif additionnel doit avoir une référence (BT-122)',
    'Each Additional supporting document (BG-24) shall contain a Supporting document reference (BT-122)',
    (inv) => {
      if (inv.syntax === 'cpp') return [];
      // UBL: every cac:AdditionalDocumentReference, invoiced object (130) included, as the artefact.
      const root = inv.binding?.root;
      if (inv.syntax === 'ubl' && root)
        return root.children
          .filter((c) => c.name === 'AdditionalDocumentReference')
          .filter((c) => !c.children.some((k) => k.name === 'ID' && k.text !== ''))
          .map((c) => fail('BT-122 absent', { xpath: c.xpath, line: c.line }));
      // CII: every //ram:AdditionalReferencedDocument (EXTENDED's line-level ones too), as the artefact's context.
      if (inv.syntax === 'cii' && root) {
        const out: Violation[] = [];
        const walk = (n: XNode) => {
          if (
            n.name === 'AdditionalReferencedDocument' &&
            !n.children.some((k) => k.name === 'IssuerAssignedID' && k.text !== '')
          )
            out.push(fail('BT-122 absent', { xpath: n.xpath, line: n.line }));
          n.children.forEach(walk);
        };
        walk(root);
        return out;
      }
      return inv.attachments.filter((a) => blank(a.id)).map((a) => fail('BT-122 absent', a.loc));
    },
  ),
  rule(
    'BR-53',
    ['BT-6', 'BT-111'],
    'Si une devise de comptabilisation de la TVA (BT-6) est indiquée, le montant total de TVA dans cette devise (BT-111) doit être fourni',
    'If the VAT accounting currency code (BT-6) is present, then the Invoice total VAT amount in accounting currency (BT-111) shall be provided',
    (inv) => {
      if (!inv.taxCurrency || blank(inv.taxCurrency)) return [];
      const same = text(inv.taxCurrency) === text(inv.currency);
      // CII: the artefact also requires the accounting currency to differ from the invoice currency (its test ends
      // with not(ram:TaxCurrencyCode = ram:InvoiceCurrencyCode)); UBL accepts it equal (the invoice's VAT total is
      // then in it).
      if (same && inv.syntax === 'cii')
        return [fail(`devise ${show(inv.taxCurrency)} égale à la devise de facture`, inv.taxCurrency.loc)];
      return !same && !inv.totals?.vatTotalAccounting
        ? [fail(`devise ${show(inv.taxCurrency)} sans BT-111`, inv.taxCurrency.loc)]
        : [];
    },
  ),
  rule(
    'BR-54',
    ['BT-160', 'BT-161'],
    "Chaque attribut d'article doit avoir un nom et une valeur",
    'Each Item attribute (BG-32) shall contain an Item attribute name (BT-160) and an Item attribute value (BT-161)',
    (inv) =>
      inv.lines.flatMap((l) =>
        l.attributes.filter((a) => !a.name || !a.value).map((a) => fail('nom ou valeur absent', a.loc)),
      ),
  ),
  rule(
    'BR-55',
    ['BT-25'],
    'Chaque référence à une facture antérieure doit contenir son numéro (BT-25)',
    'Each Preceding Invoice reference (BG-3) shall contain a Preceding Invoice reference (BT-25)',
    // UBL tests the element's presence only (exists(cbc:ID)).
    (inv) =>
      inv.precedingInvoices
        .filter((p) => (inv.syntax === 'ubl' ? p.id === undefined : blank(p.id)))
        .map((p) => fail('BT-25 absent', p.loc)),
  ),
  rule(
    'BR-56',
    ['BT-63'],
    'Le représentant fiscal doit avoir un numéro de TVA (BT-63)',
    'Each Seller tax representative party (BG-11) shall have a Seller tax representative VAT identifier (BT-63)',
    (inv) =>
      inv.taxRepresentative && blank(inv.taxRepresentative.vatId)
        ? [fail('BT-63 absent', inv.taxRepresentative.loc)]
        : [],
  ),
  rule(
    'BR-57',
    ['BT-80'],
    "L'adresse de livraison doit contenir un code pays (BT-80)",
    'Each Deliver to address (BG-15) shall contain a Deliver to country code (BT-80)',
    (inv) =>
      inv.delivery?.address && blank(inv.delivery.address.country)
        ? [fail('BT-80 absent', inv.delivery.address.loc)]
        : [],
  ),
  rule(
    'BR-61',
    ['BT-81', 'BT-84'],
    'Pour un virement (codes 30 et 58), le compte de paiement (BT-84) doit être fourni',
    'If the Payment means type code (BT-81) means SEPA credit transfer, Local credit transfer or Non-SEPA international credit transfer, the Payment account identifier (BT-84) shall be present',
    (inv) =>
      // CII binds the rule to the account element (CII-SR-470 covers a credit transfer without one).
      inv.paymentMeans
        .filter(
          (p) =>
            ['30', '58'].includes(text(p.code)) &&
            // CII: an account element without IBANID or ProprietaryID (an empty one is there).
            (inv.syntax !== 'cii'
              ? !p.accounts.some((a) => !blank(a.id))
              : p.accounts.length > 0 && !p.accounts.some((a) => a.id !== undefined)),
        )
        .map((p) => fail(`code ${show(p.code)} sans BT-84`, p.loc)),
  ),
  rule(
    'BR-62',
    ['BT-34'],
    "L'adresse électronique du vendeur (BT-34) doit avoir un identifiant de schéma",
    'The Seller electronic address (BT-34) shall have a Scheme identifier',
    (inv) =>
      inv.syntax === 'cii' && inv.binding?.root
        ? ciiEndpointWithoutScheme(inv.binding.root, 'SellerTradeParty', 'BT-34')
        : inv.seller?.endpoint && inv.seller.endpoint.scheme === undefined
          ? [fail(`BT-34 ${show(inv.seller.endpoint)} sans schemeID`, inv.seller.endpoint.loc)]
          : [],
  ),
  rule(
    'BR-63',
    ['BT-49'],
    "L'adresse électronique de l'acheteur (BT-49) doit avoir un identifiant de schéma",
    'The Buyer electronic address (BT-49) shall have a Scheme identifier',
    (inv) =>
      inv.syntax === 'cii' && inv.binding?.root
        ? ciiEndpointWithoutScheme(inv.binding.root, 'BuyerTradeParty', 'BT-49')
        : inv.buyer?.endpoint && inv.buyer.endpoint.scheme === undefined
          ? [fail(`BT-49 ${show(inv.buyer.endpoint)} sans schemeID`, inv.buyer.endpoint.loc)]
          : [],
  ),
  rule(
    'BR-64',
    ['BT-157'],
    "L'identifiant standard de l'article (BT-157) doit avoir un identifiant de schéma",
    'The Item standard identifier (BT-157) shall have a Scheme identifier',
    (inv) =>
      inv.lines.flatMap((l) =>
        l.standardItemId && l.standardItemId.scheme === undefined
          ? [fail('BT-157 sans schemeID', l.standardItemId.loc)]
          : [],
      ),
  ),
  rule(
    'BR-65',
    ['BT-158'],
    "Le code de classification de l'article (BT-158) doit avoir un identifiant de liste",
    'The Item classification identifier (BT-158) shall have a Scheme identifier',
    (inv) =>
      inv.lines.flatMap((l) =>
        l.classifications
          // UBL tests the attribute's presence, CII a non-blank value.
          .filter((c) => c.scheme === undefined || (inv.syntax === 'cii' && c.scheme.trim() === ''))
          .map((c) => fail('BT-158 sans listID', c.loc)),
      ),
  ),
];
