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
import type { Daemon } from './daemon.ts';
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

export async function listForOps(daemon: Daemon, state?: RaccordementState): Promise<RaccordementRecord[]> {
  return listRaccordements(daemon.store.db, state ? { state } : {});
}

export async function approve(
  daemon: Daemon,
  id: number,
  opts: { returnSyntax?: ReturnSyntax; comment?: string } = {},
): Promise<RaccordementRecord> {
  const db = daemon.store.db;
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
  await daemon.refreshPartners();
  const partner = (await daemon.accounts().getPartner(r.partner))!;
  const portalUrl = Mailer.portalUrl(daemon.config);
  const sftpHost = ['0.0.0.0', '::', ''].includes(daemon.config.sftp.host)
    ? new URL(portalUrl).hostname
    : daemon.config.sftp.host;
  daemon.logger.info({ raccordement: id, partner: r.partner, mode: r.mode }, 'raccordement approved');
  await mailerFor(daemon.config, daemon.logger).send(
    raccordementApprovedMail(r.contactEmail, r, {
      mode: r.mode,
      login: r.partner,
      sftpHost,
      sftpPort: daemon.info?.sftpPort ?? null,
      fingerprints: hostKeyFingerprints(daemon.config.dataDir),
      apiUrl: `${portalUrl}/cpro/factures/v1/deposer/flux`,
      returnSyntax: partner.returnSyntax,
      credential: r.publicKey ? 'clé publique' : 'mot de passe',
    }),
  );
  return (await getRaccordement(db, id))!;
}

export async function refuse(daemon: Daemon, id: number, comment?: string): Promise<RaccordementRecord> {
  const db = daemon.store.db;
  const r = await getRaccordement(db, id);
  if (!r) throw new RaccordementError(`no raccordement ${id}`);
  if (!(await decideRaccordement(db, id, 'REFUSEE', comment ?? null)))
    throw new RaccordementError(`raccordement ${id} is already ${r.state}`);
  daemon.logger.info({ raccordement: id, partner: r.partner }, 'raccordement refused');
  await mailerFor(daemon.config, daemon.logger).send(raccordementRefusedMail(r.contactEmail, r, comment ?? null));
  return (await getRaccordement(db, id))!;
}
