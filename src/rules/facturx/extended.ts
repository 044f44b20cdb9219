/**
 * The Factur-X 1.09.2 EXTENDED artefact's own business rules that are neither code-list nor structure assertions
 * (the tables of codelists.ts): written here after the artefact's XPath, on the document tree.
 */
import type { Invoice, Loc } from '../../formats/invoice.ts';
import type { XNode } from '../../formats/read/tree.ts';
import { facturxRuleSet } from '../sets.ts';
import type { Rule, RuleContext } from '../types.ts';

/** Every element named `name` under `n` (`//ram:name`). */
function descendants(n: XNode, name: string, out: XNode[] = []): XNode[] {
  for (const k of n.children) {
    if (k.name === name) out.push(k);
    descendants(k, name, out);
  }
  return out;
}

/** XPath number() of a text: NaN unless the whole trimmed text is a decimal. */
const xpathNumber = (s: string) => (/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(s.trim()) ? Number(s.trim()) : NaN);

const loc = (n: XNode): Loc => ({
  get xpath() {
    return n.xpath;
  },
  get line() {
    return n.line;
  },
});

const extended = (ctx: RuleContext, inv: Invoice) =>
  inv.binding?.root !== undefined && ctx.rules.includes(facturxRuleSet('EXTENDED'));

export const facturxExtendedRules: Rule[] = [
  {
    // Dropped from the CEN artefacts in 1.3.16, kept by the Factur-X EXTENDED artefact (context the root,
    // `number(//ram:DuePayableAmount) > 0` needs `//ram:SpecifiedTradePaymentTerms` with a due date or a description).
    id: 'BR-CO-25',
    terms: ['BT-115', 'BT-9', 'BT-20'],
    severity: 'fatal',
    labelFr: 'Montant à payer positif : la date d’échéance (BT-9) ou les conditions de paiement (BT-20) sont requises',
    labelEn:
      'Amount due for payment positive: the payment due date (BT-9) or the payment terms (BT-20) shall be present',
    appliesTo: extended,
    check: (inv) => {
      const root = inv.binding!.root!;
      const due = descendants(root, 'DuePayableAmount')[0];
      if (!due || !(xpathNumber(due.raw ?? due.text) > 0)) return [];
      const terms = descendants(root, 'SpecifiedTradePaymentTerms');
      if (terms.some((t) => t.children.some((k) => k.name === 'DueDateDateTime' || k.name === 'Description')))
        return [];
      return [{ detail: `DuePayableAmount = ${due.text}, no payment due date nor payment terms`, loc: loc(due) }];
    },
  },
  {
    // Context //ram:SpecifiedTaxRegistration/ram:ID[not(ancestor::ram:SellerTradeParty)], test @schemeID='VA': but
    // the seller's, a party's tax registration is its VAT identifier.
    id: 'BR-FXEXT-03',
    terms: ['BT-48', 'BT-63'],
    severity: 'fatal',
    labelFr: 'Hors vendeur, un identifiant d’enregistrement fiscal doit être un numéro de TVA (schemeID VA)',
    labelEn: 'Outside the seller, a tax registration identifier shall be a VAT identifier (schemeID VA)',
    appliesTo: extended,
    check: (inv) => {
      const out: { detail: string; loc: Loc }[] = [];
      const walk = (n: XNode, inSeller: boolean) => {
        const seller = inSeller || n.name === 'SellerTradeParty';
        if (!seller && n.name === 'ID' && n.parent?.name === 'SpecifiedTaxRegistration' && n.attrs['schemeID'] !== 'VA')
          out.push({ detail: `schemeID '${n.attrs['schemeID'] ?? ''}'`, loc: loc(n) });
        for (const k of n.children) walk(k, seller);
      };
      walk(inv.binding!.root!, false);
      return out;
    },
  },
];
