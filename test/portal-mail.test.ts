/**
 * Mails without an SMTP server go to <dataDir>/mail/outbox/ as .eml files and the link is logged; the
 * `mail:` section is validated like the rest of the configuration; the portal's password rule.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { buildConfig } from '../src/config.ts';
import { passwordProblem } from '../src/gateway/http/portal/accounts.ts';
import { Mailer } from '../src/mail/mailer.ts';
import { activationMail } from '../src/mail/messages.ts';
import { cleanup, tempDir, testConfig } from './helpers/env.ts';

describe('portal mail', () => {
  it('writes the mail to the outbox and logs the link when no SMTP server is configured', async () => {
    const dataDir = tempDir();
    try {
      const lines: string[] = [];
      const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
      const config = testConfig(dataDir, { mail: { from: 'Qualif <qualif@passerelle.test>' } });
      const mailer = new Mailer(config, logger);
      expect(mailer.smtp).toBe(false);
      const link = 'http://127.0.0.1:8080/portail/activation?jeton=abc';
      await mailer.send(activationMail('camille@example.test', link, 720));
      const outbox = path.join(dataDir, 'mail', 'outbox');
      const files = readdirSync(outbox);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/-activation-[0-9a-f]{8}\.eml$/);
      expect(statSync(path.join(outbox, files[0]!)).mode & 0o777).toBe(0o600);
      const eml = readFileSync(path.join(outbox, files[0]!), 'utf8');
      expect(eml).toMatch(/^From: Qualif <qualif@passerelle\.test>$/m);
      expect(eml).toMatch(/^To: camille@example\.test$/m);
      expect(eml.replace(/=\r?\n/g, '').replace(/=3D/g, '=')).toContain(link);
      const logged = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === 'mail written to outbox');
      expect(logged?.link).toBe(link);
      mailer.close();
    } finally {
      cleanup(dataDir);
    }
  });

  it('validates the mail section with safe defaults', () => {
    const c = buildConfig({}, {});
    expect(c.mail).toEqual({ port: 587, tls: 'starttls', from: 'Passerelle <passerelle@localhost>' });
    expect(() => buildConfig({ mail: { tls: 'maybe' } }, {})).toThrow(/mail/);
    expect(() => buildConfig({ mail: { portalUrl: 'not a url' } }, {})).toThrow(/portalUrl/);
    expect(() => buildConfig({ mail: { host: 'smtp.example', pasword: 'x' } }, {})).toThrow(/mail/);
    expect(Mailer.portalUrl(buildConfig({ http: { port: 9090 } }, {}))).toBe('http://127.0.0.1:9090');
  });

  it('applies the platform password rule (12 characters, 3 of 4 groups, accents are special)', () => {
    expect(passwordProblem('Court1!')).toBeDefined();
    expect(passwordProblem('toutenminuscules')).toBeDefined();
    expect(passwordProblem('minusculesetchiffres12')).toBeDefined();
    expect(passwordProblem('Majuscules-et-minuscules')).toBeUndefined();
    expect(passwordProblem('minuscules-été-2026')).toBeUndefined();
    expect(passwordProblem('mélangeminusculeé')).toBeDefined();
    expect(passwordProblem('mélangeminusculeé9')).toBeUndefined();
  });
});
