import { describe, expect, it } from '@jest/globals';
import {
  API_STATUSES,
  FINAL_STATUSES,
  INVOICE_STATUSES,
  ScenarioError,
  TRANSITIONS,
  checkTransition,
  cppStatusCode,
  nextStatuses,
  planScenario,
  statusFromCppCode,
} from '../src/platform/lifecycle.ts';

const REFUSED = {
  ok: false,
  codeRetour: 20002,
  libelle: "Incohérence au niveau du statut d'origine ou de destination de la facture.",
};

describe('invoice lifecycle', () => {
  it('maps the API statuses onto CPPStatut codes 01–12 both ways', () => {
    expect(INVOICE_STATUSES.map((s) => s.code)).toEqual([
      '01',
      '02',
      '03',
      '04',
      '05',
      '06',
      '07',
      '08',
      '09',
      '10',
      '11',
      '12',
    ]);
    expect(cppStatusCode('DEPOSEE')).toBe('01');
    expect(cppStatusCode('MISE_A_DISPOSITION')).toBe('03');
    expect(cppStatusCode('COMPLETEE')).toBe('12');
    for (const s of API_STATUSES) expect(statusFromCppCode(cppStatusCode(s))).toBe(s);
    expect(statusFromCppCode('13')).toBeUndefined();
  });

  it('allows the platform chain and the recipient chain', () => {
    const chain = [
      'DEPOSEE',
      'MISE_A_DISPOSITION',
      'SERVICE_FAIT',
      'MANDATEE',
      'MISE_A_DISPOSITION_COMPTABLE',
      'COMPTABILISEE',
      'MISE_EN_PAIEMENT',
    ];
    for (let i = 1; i < chain.length; i++) expect(checkTransition(chain[i - 1]!, chain[i]!).ok).toBe(true);
    expect(checkTransition('MISE_A_DISPOSITION_COMPTABLE', 'MISE_EN_PAIEMENT').ok).toBe(true);
    expect(nextStatuses('MISE_A_DISPOSITION').sort()).toEqual([
      'A_RECYCLER',
      'MANDATEE',
      'REJETEE',
      'SERVICE_FAIT',
      'SUSPENDUE',
    ]);
    expect(checkTransition('DEPOSEE', 'MISE_A_DISPOSITION')).toEqual({ ok: true, by: 'plateforme' });
  });

  it('lets only the supplier complete a suspended invoice', () => {
    expect(checkTransition('SUSPENDUE', 'COMPLETEE')).toEqual({ ok: true, by: 'fournisseur' });
    expect(checkTransition('SUSPENDUE', 'COMPLETEE', 'fournisseur').ok).toBe(true);
    expect(checkTransition('SUSPENDUE', 'COMPLETEE', 'destinataire')).toEqual(REFUSED);
    expect(checkTransition('COMPLETEE', 'MISE_A_DISPOSITION').ok).toBe(true);
    expect(nextStatuses('MISE_A_DISPOSITION', 'fournisseur')).toEqual([]);
  });

  it('refuses what the platform refuses, with codeRetour 20002', () => {
    for (const [from, to] of [
      ['MISE_EN_PAIEMENT', 'MANDATEE'],
      ['REJETEE', 'MISE_A_DISPOSITION'],
      ['DEPOSEE', 'MANDATEE'],
      ['MISE_A_DISPOSITION', 'COMPLETEE'],
      ['SERVICE_FAIT', 'SERVICE_FAIT'],
      ['MANDATEE', 'INCONNU'],
      ['BROUILLON', 'DEPOSEE'],
    ]) {
      expect(checkTransition(from!, to!)).toEqual(REFUSED);
    }
    expect([...FINAL_STATUSES].sort()).toEqual(['MISE_EN_PAIEMENT', 'REJETEE']);
    // Every transition joins two known statuses, and every status but DEPOSEE can be reached.
    for (const t of TRANSITIONS) expect(API_STATUSES).toEqual(expect.arrayContaining([t.from, t.to]));
    for (const s of API_STATUSES.filter((x) => x !== 'DEPOSEE')) expect(TRANSITIONS.some((t) => t.to === s)).toBe(true);
  });

  it('plans a scripted scenario, one step every N seconds', () => {
    const start = new Date('2026-11-29T10:00:00Z');
    const plan = planScenario(
      'MISE_A_DISPOSITION → SERVICE_FAIT → MANDATEE → MISE_A_DISPOSITION_COMPTABLE → MISE_EN_PAIEMENT',
      start,
      30,
    );
    expect(plan.map((p) => p.status)).toEqual([
      'MISE_A_DISPOSITION',
      'SERVICE_FAIT',
      'MANDATEE',
      'MISE_A_DISPOSITION_COMPTABLE',
      'MISE_EN_PAIEMENT',
    ]);
    expect(plan.map((p) => p.at.toISOString())).toEqual([
      '2026-11-29T10:00:00.000Z',
      '2026-11-29T10:00:30.000Z',
      '2026-11-29T10:01:00.000Z',
      '2026-11-29T10:01:30.000Z',
      '2026-11-29T10:02:00.000Z',
    ]);
    // ASCII arrows, commas, lower case and CPPStatut codes.
    expect(planScenario('03 -> suspendue, COMPLETEE > 03', start).map((p) => p.status)).toEqual([
      'MISE_A_DISPOSITION',
      'SUSPENDUE',
      'COMPLETEE',
      'MISE_A_DISPOSITION',
    ]);
    expect(planScenario('MISE_A_DISPOSITION', start)).toEqual([{ status: 'MISE_A_DISPOSITION', at: start }]);
  });

  it('refuses a scenario the platform could not play', () => {
    const start = new Date(0);
    expect(() => planScenario('MISE_A_DISPOSITION → MISE_EN_PAIEMENT', start)).toThrow(ScenarioError);
    expect(() => planScenario('MISE_A_DISPOSITION → PAYEE', start)).toThrow(/statut inconnu/);
    expect(() => planScenario(' → ', start)).toThrow(/vide/);
    expect(() => planScenario('MISE_A_DISPOSITION → SERVICE_FAIT', start, -1)).toThrow(/intervalle/);
  });
});
