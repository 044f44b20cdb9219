/** File-name conventions of the mailboxes. */
import { expect, it } from '@jest/globals';
import { declaredInterface, declaredSigned, isIncompleteName } from '../src/store/mailboxes.ts';

it('reads the interface prefix and the signature flag from a file name', () => {
  expect(declaredInterface('FSO1100A_facture.xml')).toBe('FSO1100A');
  expect(declaredInterface('facture_FSO1100A.xml')).toBeUndefined();
  expect(declaredSigned('SIGNE_facture.xml')).toBe(true);
  expect(declaredSigned('FSO1106A_NONSIGNE_f.xml')).toBe(false);
  expect(declaredSigned('FSO1106A_facture.xml')).toBeUndefined();
  expect(declaredSigned('CONSIGNE_facture.xml')).toBeUndefined();
});

it('leaves incomplete uploads alone', () => {
  for (const n of ['.hidden.xml', 'a.xml.tmp', 'a.part', 'a.FILEPART']) expect(isIncompleteName(n)).toBe(true);
  for (const n of ['a.xml', 'a.p7s', 'tmp.xml']) expect(isIncompleteName(n)).toBe(false);
});
