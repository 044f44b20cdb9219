/**
 * What the CLI asks of the database, in one place: the admin API's routes (while a daemon holds the
 * database) and the CLI's direct path (no daemon) call these same functions, so both answer alike.
 * Errors carry the HTTP status the admin API answers with and a message the CLI prints as it is.
 *
 * `AdminOps` is the CLI's whole view: `localAdmin` answers from the database (the admin routes and the
 * CLI without a daemon), `remoteAdmin` (admin-client.ts) through the admin API, so a command has one
 * implementation whichever way it goes.
 */
import { z } from 'zod';
import { PARTNER_CODE } from '../config.ts';
import type { Queryable } from '../store/db.ts';
import { findFlow, getHistory, getStages, listFlows, returnFlowsOf } from '../store/flows.ts';
import {
  addSftpKey,
  getPartner,
  listPartners,
  setPartnerSigned,
  setSftpPassword,
  upsertPartner,
} from '../store/partners.ts';
import type { FlowRecord, PartnerAccount } from '../store/types.ts';
import { FLOW_STATES } from '../store/types.ts';
import { checkPasswordRule, hashPassword } from './sftp/password.ts';

export class AdminError extends Error {
  readonly status: 400 | 404 | 409;
  constructor(status: 400 | 404 | 409, message: string) {
    super(message);
    this.status = status;
  }
}

export async function requirePartner(db: Queryable, code: string): Promise<PartnerAccount> {
  const p = await getPartner(db, code);
  if (!p) throw new AdminError(404, `no partner ${code}`);
  return p;
}

export async function requireFlow(db: Queryable, ref: string): Promise<FlowRecord> {
  const flow = await findFlow(db, ref);
  if (!flow) throw new AdminError(404, `no flow ${ref}`);
  return flow;
}

const newPartnerBody = z.strictObject({
  code: z.string().regex(PARTNER_CODE, 'a partner code is 3 to 8 upper-case letters or digits'),
  name: z.string().min(1),
  returnSyntax: z.enum(['CPPStatut', 'AIFEStatut']).optional(),
  signed: z.boolean().optional(),
  /** Change an existing partner on purpose (otherwise an existing code is refused). */
  update: z.boolean().optional(),
});

/** A new partner; an existing code is refused unless `update` (then only the fields given change). */
export async function addPartner(db: Queryable, input: unknown) {
  const parsed = newPartnerBody.safeParse(input);
  if (!parsed.success)
    throw new AdminError(400, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const { update, ...p } = parsed.data;
  const existing = await getPartner(db, p.code);
  if (existing && !update)
    throw new AdminError(
      409,
      `partner ${p.code} already exists (${existing.name}, ${existing.returnSyntax}); add --update to change it`,
    );
  if (!existing && update) throw new AdminError(404, `no partner ${p.code} to update`);
  const saved = await upsertPartner(db, {
    code: p.code,
    name: p.name,
    returnSyntax: p.returnSyntax ?? existing?.returnSyntax ?? 'CPPStatut',
    ...(p.signed !== undefined ? { signed: p.signed } : {}),
  });
  return { ...partnerView(saved), created: !existing };
}

/** A partner as the admin API and the CLI show it: whether it has a password, never the hash. */
function partnerView(p: PartnerAccount) {
  return {
    code: p.code,
    name: p.name,
    active: p.active,
    returnSyntax: p.returnSyntax,
    signed: p.signed,
    password: p.sftpPasswordHash !== undefined,
    keys: p.sftpAuthorizedKeys.length,
  };
}

async function partnerList(db: Queryable) {
  return (await listPartners(db)).map(partnerView);
}

async function setPartnerPassword(db: Queryable, code: string, password: unknown): Promise<void> {
  await requirePartner(db, code);
  const pw = typeof password === 'string' ? password : '';
  const weak = checkPasswordRule(pw);
  if (weak) throw new AdminError(400, weak);
  await setSftpPassword(db, code, await hashPassword(pw));
}

async function addPartnerKey(db: Queryable, code: string, key: unknown): Promise<void> {
  if (typeof key !== 'string' || !key.trim()) throw new AdminError(400, 'key required (an authorized_keys line)');
  await requirePartner(db, code);
  await addSftpKey(db, code, key.trim());
}

export async function setSigned(db: Queryable, code: string, signed: unknown) {
  if (typeof signed !== 'boolean') throw new AdminError(400, 'signed: true or false');
  await requirePartner(db, code);
  await setPartnerSigned(db, code, signed);
  return partnerView(await requirePartner(db, code));
}

function checkFlowState(state: string): void {
  if (!(FLOW_STATES as readonly string[]).includes(state))
    throw new AdminError(400, `unknown state ${state}; states: ${FLOW_STATES.join(', ')}`);
}

async function flowList(db: Queryable, filter: FlowFilter): Promise<FlowRecord[]> {
  if (filter.partner) await requirePartner(db, filter.partner);
  if (filter.state) checkFlowState(filter.state);
  const limit = Number(filter.limit ?? 100);
  if (!Number.isInteger(limit) || limit < 1)
    throw new AdminError(400, `limit: a positive whole number, not ${filter.limit}`);
  return listFlows(db, {
    ...(filter.partner ? { partner: filter.partner } : {}),
    ...(filter.state ? { state: filter.state } : {}),
    limit,
  });
}

/** A flow with its stages, history and return flows (their metadata: the content stays in the database). */
async function flowDetails(db: Queryable, ref: string) {
  const flow = await requireFlow(db, ref);
  return {
    flow,
    stages: await getStages(db, flow.id),
    history: await getHistory(db, flow.id),
    returnFlows: (await returnFlowsOf(db, flow.id)).map(({ content: _c, ...r }) => r),
  };
}

export type PartnerView = ReturnType<typeof partnerView>;
export type FlowDetails = Awaited<ReturnType<typeof flowDetails>>;
export interface FlowFilter {
  partner?: string | undefined;
  state?: string | undefined;
  limit?: string | number | undefined;
}

/** The operations the CLI asks for, the same whether answered here or through a running daemon. */
export interface AdminOps {
  partners: {
    list(): Promise<PartnerView[]>;
    /** The partner, or AdminError 404 "no partner X". */
    show(code: string): Promise<PartnerView>;
    add(input: unknown): Promise<PartnerView & { created: boolean }>;
    setPassword(code: string, password: unknown): Promise<void>;
    addKey(code: string, key: unknown): Promise<void>;
    setSigned(code: string, signed: unknown): Promise<PartnerView>;
  };
  flows: {
    list(filter: FlowFilter): Promise<FlowRecord[]>;
    /** A flow with its stages, history and return flows. */
    show(ref: string): Promise<FlowDetails>;
  };
}

/**
 * The operations on this database. `partnersChanged` runs after a partner is added or changed (the
 * daemon reloads its partners; the CLI alone has nothing to reload).
 */
export function localAdmin(db: Queryable, partnersChanged: () => Promise<void> = async () => undefined): AdminOps {
  const changed = async <T>(result: T): Promise<T> => {
    await partnersChanged();
    return result;
  };
  return {
    partners: {
      list: () => partnerList(db),
      show: async (code) => partnerView(await requirePartner(db, code)),
      add: async (input) => changed(await addPartner(db, input)),
      setPassword: async (code, password) => changed(await setPartnerPassword(db, code, password)),
      addKey: async (code, key) => changed(await addPartnerKey(db, code, key)),
      setSigned: async (code, signed) => changed(await setSigned(db, code, signed)),
    },
    flows: {
      list: (filter) => flowList(db, filter),
      show: (ref) => flowDetails(db, ref),
    },
  };
}
