import { describe, expect, it } from '@jest/globals';
import { XmlDocument, XsdValidator } from 'libxml2-wasm';
import { finding, describe as describeFinding } from '../src/finding.ts';

describe('toolchain', () => {
  it('runs TypeScript ESM and libxml2-wasm under Jest', () => {
    const xsd = XmlDocument.fromString(
      '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="a" type="xs:int"/></xs:schema>',
    );
    const v = XsdValidator.fromDoc(xsd);
    const ok = XmlDocument.fromString('<a>1</a>');
    expect(() => v.validate(ok)).not.toThrow();
    const bad = XmlDocument.fromString('<a>x</a>');
    expect(() => v.validate(bad)).toThrow();
    const f = { nature: 'FORMAT', code: 'X', severity: 'fatal', labelFr: 'fr', labelEn: 'en' } as const;
    expect(describeFinding(finding(f, { location: { line: 3 } }))).toBe('en (ligne 3)');
  });
});
