/**
 * Sending the portal's mails with nodemailer: through the configured SMTP server, or, when none is
 * configured, into `<dataDir>/mail/outbox/` as `.eml` files (the link is then logged so that a
 * tester on a laptop can follow it). Mail bodies are never logged: they hold one-time links.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** What the mail is, for the log (activation, reset, raccordement…). */
  kind: string;
  /** A link to print in the log when there is no SMTP server (never logged otherwise). */
  link?: string;
}

export class Mailer {
  readonly #config: Config['mail'];
  readonly #outbox: string;
  readonly #logger: Logger;
  readonly #transport: Transporter;
  readonly smtp: boolean;

  constructor(config: Config, logger: Logger) {
    this.#config = config.mail;
    this.#outbox = path.join(config.dataDir, 'mail', 'outbox');
    this.#logger = logger.child({ part: 'mail' });
    const m = config.mail;
    this.smtp = Boolean(m.host);
    this.#transport = m.host
      ? nodemailer.createTransport({
          host: m.host,
          port: m.port,
          secure: m.tls === 'implicit',
          requireTLS: m.tls === 'starttls',
          ignoreTLS: m.tls === 'none',
          ...(m.auth ? { auth: { user: m.auth.user, pass: m.auth.pass } } : {}),
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 30_000,
        })
      : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  /** Public base address of the portal in links. */
  static portalUrl(config: Config): string {
    if (config.mail.portalUrl) return config.mail.portalUrl.replace(/\/+$/, '');
    const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
    return `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${config.http.port}`;
  }

  async send(mail: Mail): Promise<void> {
    const info = await this.#transport.sendMail({
      from: this.#config.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      headers: { 'X-Passerelle-Mail': mail.kind },
    });
    if (this.smtp) {
      this.#logger.info({ kind: mail.kind, messageId: info.messageId }, 'mail sent');
      return;
    }
    await mkdir(this.#outbox, { recursive: true, mode: 0o700 });
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${mail.kind}-${randomUUID().slice(0, 8)}.eml`;
    const tmp = path.join(this.#outbox, `.${name}.tmp`);
    await writeFile(tmp, (info as unknown as { message: Buffer }).message, { mode: 0o600 });
    await rename(tmp, path.join(this.#outbox, name));
    // No SMTP server: the outbox is the only way to the link, so the log shows it.
    this.#logger.info(
      { kind: mail.kind, file: name, ...(mail.link ? { link: mail.link } : {}) },
      'mail written to outbox',
    );
  }

  close(): void {
    this.#transport.close();
  }
}

const mailers = new WeakMap<Config, Mailer>();

/** The one mailer of a daemon (its configuration object), made on first use. */
export function mailerFor(config: Config, logger: Logger): Mailer {
  let m = mailers.get(config);
  if (!m) {
    m = new Mailer(config, logger);
    mailers.set(config, m);
  }
  return m;
}

/** Closes the daemon's mailer (its SMTP connections) when it has one. */
export function closeMailer(config: Config): void {
  mailers.get(config)?.close();
  mailers.delete(config);
}
