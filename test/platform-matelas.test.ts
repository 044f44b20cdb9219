import { describe, expect, it } from '@jest/globals';
import {
  MATELAS_ENTITIES,
  MATELAS_HEADER,
  fictitiousSiret,
  generateMatelas,
  luhnValid,
  parseMatelasCsv,
  partnerNumber,
  passwordFollowsRule,
} from '../src/platform/matelas.ts';

const now = new Date('2026-11-29T08:07:00Z');
const gen = (partner: string, set = 1, seed = 'demo') =>
  generateMatelas({ seed, partner, set, accountId: '25784152', now });

describe('matelas de données', () => {
  const a = gen('ABC123');
  const b = gen('ABD123');

  it('is a UTF-8 ;-separated CSV with the platform header and file name', () => {
    const lines = a.csv.split('\n').filter(Boolean);
    expect(lines[0]).toBe(MATELAS_HEADER);
    // Every line has exactly three fields (no value contains the separator).
    for (const l of lines) expect(l.split(';')).toHaveLength(3);
    expect(Buffer.from(a.csv, 'utf8').toString('utf8')).toBe(a.csv);
    expect(a.csv).toContain('Destinataire sans paramètre');
    // 09:07 in Paris (UTC+1 in November).
    expect(a.fileName).toBe('Rapport_25784152_CREATION_202611290907.csv');
    expect(lines.length).toBeGreaterThan(2000);
    expect(lines.length).toBeLessThan(2600);
    expect(parseMatelasCsv(a.csv)).toEqual(a.rows);
  });

  it('covers the 14 kinds of entity', () => {
    const kinds = new Set(a.rows.map((r) => r.entite));
    expect(MATELAS_ENTITIES).toHaveLength(14);
    expect([...kinds].sort()).toEqual([...MATELAS_ENTITIES].sort());
    for (const k of MATELAS_ENTITIES.slice(0, 12)) {
      const labels = a.rows.filter((r) => r.entite === k).map((r) => r.libelle);
      for (const l of [
        'Identifiant Compte GP',
        'Login compte GP',
        'Mot de passe Compte GP',
        'Identifiant Structure',
        'SIRET Structure',
        'Identifiant Service',
        'Code du service',
        'Login Compte Utilisateur 1',
        'Mot de passe Compte Utilisateur 2',
      ]) {
        expect(labels).toContain(l);
      }
    }
    const gp = a.rows.find((r) => r.entite === 'Fournisseur Partenaire' && r.libelle === 'Login compte GP')!.valeur;
    expect(gp).toMatch(/^GEST_FOUR\d+@cpp2017\.fr$/);
    // Invoices in every status 01–12 and several cadres.
    const statuses = new Set(
      a.rows.filter((r) => r.entite === 'Facture' && r.libelle === 'Statut').map((r) => r.valeur),
    );
    expect(statuses.size).toBe(12);
    const cadres = new Set(
      a.rows.filter((r) => r.entite === 'Facture' && r.libelle === 'Cadre de facturation').map((r) => r.valeur),
    );
    expect(cadres.size).toBeGreaterThan(3);
  });

  it('gives structure parameters matching the kinds', () => {
    const s = (kind: string) => a.directory.structures.find((x) => x.kind === kind)!;
    expect(s('Destinataire avec service obligatoire').codeServiceDoitEtreRenseigne).toBe(true);
    expect(s('Destinataire avec EJ obligatoire').numeroEjDoitEtreRenseigne).toBe(true);
    expect(s('Destinataire avec EJ ou service obligatoire').gestionNumeroEjOuCodeService).toBe(true);
    const none = s('Destinataire sans paramètre');
    expect([
      none.codeServiceDoitEtreRenseigne,
      none.numeroEjDoitEtreRenseigne,
      none.gestionNumeroEjOuCodeService,
    ]).toEqual([false, false, false]);
    const mixed = a.directory.services.filter(
      (x) => x.structureId === s('Destinataire avec services avec et sans EJ obligatoire').id,
    );
    expect(mixed.some((x) => x.ejRequired)).toBe(true);
    expect(mixed.some((x) => !x.ejRequired && x.active)).toBe(true);
  });

  it('has 14-digit Luhn SIRETs whose SIREN cannot be a real one', () => {
    const sirets = a.rows.filter((r) => /SIRET/.test(r.libelle)).map((r) => r.valeur);
    expect(sirets.length).toBeGreaterThan(12);
    for (const s of sirets) {
      expect(s).toMatch(/^[0-9]{14}$/);
      expect(luhnValid(s)).toBe(true);
      expect(luhnValid(s.slice(0, 9))).toBe(false);
    }
  });

  it('has identifiers unique within a set and across two partners and two sets', () => {
    // Values that identify something (not references to it: an EJ row's SIRET names its structure).
    const ID_LABELS = /^(Identifiant .*|Login .*|SIRET Structure|Numero EJ|Numero de facture)$/;
    const ids = (m: ReturnType<typeof gen>) =>
      m.rows
        .filter(
          (r) =>
            ID_LABELS.test(r.libelle) &&
            !(r.entite === 'Engagement Juridique' && r.libelle === 'SIRET Structure') &&
            !(r.entite === 'Facture' && r.libelle === 'Numero EJ'),
        )
        .map((r) => r.valeur);
    const own = ids(a);
    expect(new Set(own).size).toBe(own.length);
    const other = new Set([...ids(b), ...ids(gen('ABC123', 2))]);
    for (const v of own) expect(other.has(v)).toBe(false);
    // Partner numbers are one-to-one on AAA999 codes.
    expect(partnerNumber('AAA000')).toBe(0);
    expect(partnerNumber('ZZZ999')).toBe(17_575_999);
    expect(fictitiousSiret(partnerNumber('ABC123'), 1, 0)).not.toBe(fictitiousSiret(partnerNumber('ABD123'), 1, 0));
  });

  it('follows the password rule', () => {
    const pw = a.rows.filter((r) => r.libelle.startsWith('Mot de passe')).map((r) => r.valeur);
    expect(pw.length).toBe(36);
    for (const p of pw) expect(passwordFollowsRule(p)).toBe(true);
    expect(passwordFollowsRule('abcdefghijkl')).toBe(false);
  });

  it('has no value a spreadsheet would run as a formula', () => {
    for (const r of a.rows) for (const v of [r.entite, r.libelle, r.valeur]) expect(v).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('is deterministic for a seed and differs for another', () => {
    expect(gen('ABC123').csv).toBe(a.csv);
    const other = gen('ABC123', 1, 'other-seed');
    expect(other.csv).not.toBe(a.csv);
    // Identifiers do not depend on the seed, only names, passwords and amounts do.
    expect(other.directory.structures.map((s) => s.siret)).toEqual(a.directory.structures.map((s) => s.siret));
    expect(() => gen('ABC123', 100)).toThrow(RangeError);
  });
});
