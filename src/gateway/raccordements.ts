/**
 * Raccordement requests: made in the portal by a structure's user, approved or refused by ops (CLI and
 * admin API). Approval opens the account's technical partner (the one that owns the matelas, so flows
 * it deposits are routed against that matelas): active, the SFTP key or password of the request, the
 * return syntax; then the technical contact receives the connection details by mail.
 */
import { mailerFor } from '../mail/mailer.ts';
import { raccordementApprovedMail, raccordementRefusedMail } from '../mail/messages.ts';
import type { ReturnSyntax } from '../store/types.ts';
import { decideRaccordement, getRaccordement, listRaccordements } from '../store/raccordements.ts';
import type { RaccordementRecord, RaccordementState } from '../store/raccordements.ts';
import { Mailer } from '../mail/mailer.ts';
import type { Services } from './services.ts';
import { hostKeyFingerprints } from './sftp/hostkeys.ts';

export class RaccordementError extends Error {
  override name = 'RaccordementError';
}

/** What the admin API and the CLI show of a request (never the password hash). */
export function publicView(r: RaccordementRecord): Record<string, unknown> {
  return {
    id: r.id,
    state: r.state,
    mode: r.mode,
    siret: r.siret,
    structure: r.structureName,
    partner: r.partner,
    contact: { name: r.contactName, email: r.contactEmail, phone: r.contactPhone, fax: r.contactFax },
    comments: r.comments,
    credential: r.publicKey ? 'public key' : r.hasPassword ? 'password' : 'none',
    decisionComment: r.decisionComment,
    createdAt: r.createdAt.toISOString(),
    decidedAt: r.decidedAt?.toISOString() ?? null,
  };
}

/** What deciding a request needs: the database, the partners (reloaded on approval), the mailer's settings, the SFTP port. */
export type RaccordementDeciders = Pick<Services, 'config' | 'logger' | 'db' | 'partners' | 'endpoints'>;

export async function listForOps(
  deciders: RaccordementDeciders,
  state?: RaccordementState,
): Promise<RaccordementRecord[]> {
  return listRaccordements(deciders.db, state ? { state } : {});
}

export async function approve(
  deciders: RaccordementDeciders,
  id: number,
  opts: { returnSyntax?: ReturnSyntax; comment?: string } = {},
): Promise<RaccordementRecord> {
  const db = deciders.db;
  const r = await getRaccordement(db, id);
  if (!r) throw new RaccordementError(`no raccordement ${id}`);
  const done = await db.transaction(async (tx) => {
    if (!(await decideRaccordement(tx, id, 'VALIDEE', opts.comment ?? null))) return false;
    await tx.query(
      `UPDATE partners SET active = true, return_syntax = COALESCE($2, return_syntax),
         sftp_password_hash = COALESCE($3, sftp_password_hash),
         sftp_authorized_keys = CASE WHEN $4::text IS NULL THEN sftp_authorized_keys
           ELSE ARRAY(SELECT DISTINCT unnest(sftp_authorized_keys || ARRAY[$4::text])) END
       WHERE code = $1`,
      [r.partner, opts.returnSyntax ?? null, r.passwordHash, r.publicKey],
    );
    return true;
  });
  if (!done) throw new RaccordementError(`raccordement ${id} is already ${r.state}`);
  await deciders.partners.refresh();
  const partner = (await deciders.partners.getPartner(r.partner))!;
  const portalUrl = Mailer.portalUrl(deciders.config);
  const sftpHost = ['0.0.0.0', '::', ''].includes(deciders.config.sftp.host)
    ? new URL(portalUrl).hostname
    : deciders.config.sftp.host;
  deciders.logger.info({ raccordement: id, partner: r.partner, mode: r.mode }, 'raccordement approved');
  await mailerFor(deciders.config, deciders.logger).send(
    raccordementApprovedMail(r.contactEmail, r, {
      mode: r.mode,
      login: r.partner,
      sftpHost,
      sftpPort: deciders.endpoints.sftpPort(),
      fingerprints: hostKeyFingerprints(deciders.config.dataDir),
      apiUrl: `${portalUrl}/cpro/factures/v1/deposer/flux`,
      returnSyntax: partner.returnSyntax,
      credential: r.publicKey ? 'clé publique' : 'mot de passe',
    }),
  );
  return (await getRaccordement(db, id))!;
}

export async function refuse(
  deciders: RaccordementDeciders,
  id: number,
  comment?: string,
): Promise<RaccordementRecord> {
  const db = deciders.db;
  const r = await getRaccordement(db, id);
  if (!r) throw new RaccordementError(`no raccordement ${id}`);
  if (!(await decideRaccordement(db, id, 'REFUSEE', comment ?? null)))
    throw new RaccordementError(`raccordement ${id} is already ${r.state}`);
  deciders.logger.info({ raccordement: id, partner: r.partner }, 'raccordement refused');
  await mailerFor(deciders.config, deciders.logger).send(raccordementRefusedMail(r.contactEmail, r, comment ?? null));
  return (await getRaccordement(db, id))!;
}
