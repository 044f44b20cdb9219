/**
 * The web portal, modelled on the qualification portal's "Déposer un flux" screen: a partner signs in
 * with its code and SFTP/API password, deposits (box depot) or analyses (box analyse) a file, follows
 * its flows and downloads their compte-rendu. Sessions are in the database (shared by every daemon);
 * every POST carries a CSRF token (the sign-in form too, double-submitted with a cookie) and passes the
 * Origin check; sign-ins go through the daemon's Defender, shared with SFTP, the API twin and the admin API.
 */
import fastifyMultipart from '@fastify/multipart';
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { PARTNER_CODE } from '../../config.ts';
import { SYNTAXES } from '../../formats/registry.ts';
import { createSession, deleteSession, pruneSessions, touchSession } from '../../store/accounts.ts';
import type { Queryable } from '../../store/db.ts';
import type { PartnerAccount } from '../../store/types.ts';
import type { PortalServices } from '../services.ts';
import { normaliseAddress } from '../defender.ts';
import { hashPassword, verifyPassword } from '../sftp/password.ts';
import { registerAccounts, SESSION_COOKIE } from './portal/accounts.ts';
import { BASE, CSS, depositPage, errorPage, flowListPage, flowPage, isFinal, loginPage } from './portal/views.ts';
import type { PageContext, SyntaxChoice } from './portal/views.ts';
import { receiveDepositForm } from './portal/upload.ts';

const COOKIE = 'passerelle_portail';
/** The sign-in form's token, double-submitted: this cookie and the form's `_csrf` field must match. */
const LOGIN_COOKIE = 'passerelle_connexion';
/** A session ends after this long without a request, and in any case after ABSOLUTE_TTL_MS. */
const IDLE_TTL_MS = 30 * 60 * 1000;
const ABSOLUTE_TTL_MS = 8 * 60 * 60 * 1000;
const LIST_LIMIT = 50;

interface Session {
  partner: string;
  csrf: string;
  createdAt: Date;
}

/** What a signed-in request carries once its session is checked. */
interface Signed {
  sid: string;
  session: Session;
  partner: PartnerAccount;
  ctx: PageContext;
}

/**
 * The partner sign-in's sessions, in the database's `portal_sessions` beside the account sessions: every
 * daemon on the database shares them and a restart keeps them. The cookie holds a random 256-bit id, the
 * table its SHA-256; the database's clock decides the idle and absolute timeouts.
 */
export class PortalSessions {
  readonly #db: () => Queryable;

  constructor(db: () => Queryable) {
    this.#db = db;
  }

  async create(partner: string): Promise<{ sid: string; session: Session }> {
    const { sid, csrf } = await createSession(this.#db(), { partnerCode: partner });
    return { sid, session: { partner, csrf, createdAt: new Date() } };
  }

  /** The live partner session of this id, its idle timer restarted; undefined when unknown or expired. */
  async get(sid: string | undefined): Promise<Session | undefined> {
    if (!sid || !/^[A-Za-z0-9_-]{43}$/.test(sid)) return undefined;
    const s = await touchSession(this.#db(), sid, IDLE_TTL_MS / 1000, ABSOLUTE_TTL_MS / 1000);
    if (!s?.partnerCode) return undefined;
    return { partner: s.partnerCode, csrf: s.csrf, createdAt: s.createdAt };
  }

  /** Whether this id is a live session of the account journey (an account or a matelas test user). */
  async isAccountSession(sid: string): Promise<boolean> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(sid)) return false;
    const s = await touchSession(this.#db(), sid, IDLE_TTL_MS / 1000, ABSOLUTE_TTL_MS / 1000);
    return s !== undefined && s.partnerCode === null;
  }

  async delete(sid: string): Promise<void> {
    await deleteSession(this.#db(), sid);
  }

  /** Removes expired sessions (account ones too: same table, same timeouts). */
  async prune(): Promise<void> {
    await pruneSessions(this.#db(), IDLE_TTL_MS / 1000, ABSOLUTE_TTL_MS / 1000);
  }
}

function readCookie(req: FastifyRequest, name: string): string | undefined {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A cross-site POST announces itself; refuse it even before looking at tokens. The rules browsers follow:
 * a real `Origin` must be this host (scheme and port included in its host part); `Origin: null` is sent
 * for privacy reasons (a `no-referrer` policy, a redirect through another site, a sandboxed frame) and
 * proves nothing either way, so it is not refused here — the CSRF token decides; `Sec-Fetch-Site`, when
 * the browser sends it, must say `same-origin` (or `none`: typed by the user).
 */
function crossOrigin(headers: FastifyRequest['headers']): boolean {
  const site = headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return true;
  const origin = headers.origin;
  if (!origin || origin === 'null') return false;
  try {
    return new URL(origin).host !== headers.host;
  } catch {
    return true;
  }
}

/** Distinct `syntaxeFlux` values (UBL Invoice and CreditNote share one) with their labels. */
function syntaxChoices(): SyntaxChoice[] {
  const byFlux = new Map<string, string[]>();
  for (const s of SYNTAXES) byFlux.set(s.syntaxeFlux, [...(byFlux.get(s.syntaxeFlux) ?? []), s.label]);
  return [...byFlux].map(([syntaxeFlux, labels]) => ({ syntaxeFlux, label: labels.join(' / ') }));
}

function send(reply: FastifyReply, status: number, page: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(page);
}

/**
 * The portal under `/portail` (and `/` → `/portail`) in its own encapsulated scope, so its
 * form and multipart parsers do not touch the API twin's JSON routes.
 */
export const portalRoutes: FastifyPluginAsync<{ services: PortalServices }> = async (app, { services }) => {
  const { config, flows, partners } = services;
  const maxBytes = services.intake.maxFlowBytes; // the intake's limit
  const tmpDir = path.join(config.dataDir, 'tmp');
  mkdirSync(tmpDir, { recursive: true });
  const sessions = new PortalSessions(() => services.db);
  // Unknown partners are checked against a throwaway hash so that their refusal takes as long as a bad password.
  let decoy: Promise<string> | undefined;
  const syntaxes = syntaxChoices();

  app.get('/', async (_req, reply) => reply.redirect(`${BASE}`, 302));

  await app.register(async (scope) => {
    await scope.register(fastifyMultipart, {
      limits: { fileSize: maxBytes, files: 1, fields: 8, fieldSize: 1024, parts: 10, headerPairs: 20 },
    });
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 8192 },
      (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    scope.addHook('onSend', async (_req, reply, payload) => {
      reply.header(
        'content-security-policy',
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      );
      reply.header('x-content-type-options', 'nosniff');
      // same-origin (not no-referrer): browsers then send this site's Origin on its own forms, and
      // nothing to other sites.
      reply.header('referrer-policy', 'same-origin');
      reply.header('x-frame-options', 'DENY');
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      return payload;
    });

    const cookie = (req: FastifyRequest, value: string, maxAgeSeconds: number): string =>
      `${COOKIE}=${value}; Path=${BASE}; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}` +
      (req.protocol === 'https' ? '; Secure' : '');

    /** The signed-in partner of this request, or undefined after answering (redirect to sign-in). */
    const signedIn = async (req: FastifyRequest, reply: FastifyReply): Promise<Signed | undefined> => {
      const sid = readCookie(req, COOKIE);
      const session = await sessions.get(sid);
      const partner = session ? await partners.getPartner(session.partner) : undefined;
      if (!sid || !session || !partner?.active) {
        if (sid) await sessions.delete(sid);
        await reply.redirect(BASE, 303);
        return undefined;
      }
      return {
        sid,
        session,
        partner,
        ctx: { partner: { code: partner.code, name: partner.name }, csrf: session.csrf },
      };
    };

    /** A POST from a signed-in partner with the right token, or undefined after answering 403. */
    const signedPost = async (
      req: FastifyRequest,
      reply: FastifyReply,
      token: () => unknown,
    ): Promise<Signed | undefined> => {
      const s = await signedIn(req, reply);
      if (!s) return undefined;
      if (crossOrigin(req.headers) || !sameToken(token(), s.session.csrf)) {
        await send(
          reply,
          403,
          errorPage(
            s.ctx,
            'Requête refusée',
            'Jeton de formulaire absent ou invalide (CSRF) : rechargez la page et recommencez.',
          ),
        );
        return undefined;
      }
      return s;
    };

    registerAccounts(scope, services);

    scope.get(`${BASE}/static/portail.css`, async (_req, reply) =>
      reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(CSS),
    );

    /** The sign-in page with a fresh form token, set as a cookie too (double submit: no session yet). */
    const loginView = (req: FastifyRequest, reply: FastifyReply, status: number, error?: string) => {
      const token = randomBytes(24).toString('base64url');
      reply.header(
        'set-cookie',
        `${LOGIN_COOKIE}=${token}; Path=${BASE}; HttpOnly; SameSite=Strict; Max-Age=3600` +
          (req.protocol === 'https' ? '; Secure' : ''),
      );
      return send(reply, status, loginPage(error, token));
    };

    // The portal's home: an account (or test user) session lands on Accueil, a partner session on Déposer.
    scope.get(BASE, async (req, reply) => {
      const account = readCookie(req, SESSION_COOKIE);
      if (account && (await sessions.isAccountSession(account))) return reply.redirect(`${BASE}/accueil`, 303);
      if (await sessions.get(readCookie(req, COOKIE))) return reply.redirect(`${BASE}/deposer`, 303);
      return loginView(req, reply, 200);
    });

    scope.post<{ Body: Record<string, string> | undefined }>(`${BASE}/connexion`, async (req, reply) => {
      const expected = readCookie(req, LOGIN_COOKIE);
      if (crossOrigin(req.headers) || !expected || !sameToken(req.body?._csrf, expected))
        return loginView(req, reply, 403, 'Requête refusée (origine différente ou formulaire expiré) : recommencez.');
      const address = normaliseAddress(req.socket.remoteAddress);
      const code = String(req.body?.partenaire ?? '')
        .trim()
        .toUpperCase();
      const verdict = await services.guard.begin('portal', address, PARTNER_CODE.test(code) ? code : undefined);
      if (!verdict.ok)
        return loginView(
          req,
          reply.header('retry-after', String(verdict.retryAfter)),
          429,
          `Trop de tentatives de connexion : réessayez dans ${Math.ceil(verdict.retryAfter / 60)} minute(s).`,
        );
      const password = String(req.body?.motDePasse ?? '');
      const partner = PARTNER_CODE.test(code) ? await partners.getPartner(code) : undefined;
      const hash = partner?.active && partner.sftpPasswordHash ? partner.sftpPasswordHash : undefined;
      const ok = hash
        ? await verifyPassword(password, hash)
        : (await verifyPassword(password, await (decoy ??= hashPassword(randomUUID())))) && false;
      if (!ok || !partner) {
        await services.guard.fail(verdict.ticket);
        services.logger.warn({ partner: code.slice(0, 8), address }, 'portal sign-in refused');
        return loginView(req, reply, 401, 'Code partenaire ou mot de passe incorrect.');
      }
      await services.guard.succeed(verdict.ticket);
      const old = readCookie(req, COOKIE);
      if (old) await sessions.delete(old);
      const { sid } = await sessions.create(partner.code);
      services.logger.info({ partner: partner.code, address }, 'portal sign-in');
      return reply
        .header('set-cookie', cookie(req, sid, Math.floor(ABSOLUTE_TTL_MS / 1000)))
        .redirect(`${BASE}/deposer`, 303);
    });

    scope.post<{ Body: Record<string, string> | undefined }>(`${BASE}/deconnexion`, async (req, reply) => {
      const s = await signedPost(req, reply, () => req.body?._csrf);
      if (!s) return reply;
      await sessions.delete(s.sid);
      return reply.header('set-cookie', cookie(req, '', 0)).redirect(BASE, 303);
    });

    const depositView = (s: Signed, error?: string) =>
      depositPage(s.ctx, {
        syntaxes,
        maxFlowSizeKo: config.maxFlowSizeKo,
        signedByDefault: s.partner.signed,
        ...(error ? { error } : {}),
      });

    scope.get(`${BASE}/deposer`, async (req, reply) => {
      const s = await signedIn(req, reply);
      return s ? send(reply, 200, depositView(s)) : reply;
    });

    scope.post<{ Querystring: { box?: string } }>(`${BASE}/deposer`, async (req, reply) => {
      const s = await signedIn(req, reply);
      if (!s) return reply;
      const box = req.query.box === 'analyse' ? 'analyse' : req.query.box === 'depot' ? 'depot' : undefined;
      if (!box) return send(reply, 400, depositView(s, 'Action inconnue : choisissez Déposer ou Analyser.'));
      if (!req.isMultipart()) return send(reply, 400, depositView(s, 'Formulaire invalide (multipart attendu).'));
      const form = await receiveDepositForm(req, {
        tmpDir,
        maxFlowSizeKo: config.maxFlowSizeKo,
        tokenOk: (f) => !crossOrigin(req.headers) && sameToken(f._csrf, s.session.csrf),
      });
      const { fields } = form;
      const upload = form.upload;
      let refusal = form.refusal;
      const syntaxeFlux = fields.syntaxeFlux ?? '';
      const syntax = syntaxeFlux ? SYNTAXES.find((x) => x.syntaxeFlux === syntaxeFlux) : undefined;
      if (!refusal && syntaxeFlux && !syntax)
        refusal = { status: 400, message: `Type de flux inconnu : ${syntaxeFlux}` };
      if (!refusal && !upload) refusal = { status: 400, message: 'Aucun fichier sélectionné.' };
      if (refusal || !upload) {
        if (upload) await rm(upload.file, { force: true });
        const r = refusal ?? { status: 400, message: 'Aucun fichier sélectionné.' };
        return send(
          reply,
          r.status,
          r.status === 403 ? errorPage(s.ctx, 'Requête refusée', r.message) : depositView(s, r.message),
        );
      }
      const res = await services.intake.claim({
        partner: s.partner.code,
        box,
        path: upload.file,
        originalName: upload.name,
        transport: 'portal',
        ...(syntax ? { declaredInterface: syntax.interfaceCode } : {}),
        ...(fields.signe === 'oui'
          ? { declaredSigned: true }
          : fields.signe === 'non'
            ? { declaredSigned: false }
            : {}),
      });
      services.logger.info({ partner: s.partner.code, box, flow: res.flowNumber ?? res.id }, 'portal deposit');
      return reply.redirect(`${BASE}/flux/${res.id}`, 303);
    });

    scope.get(`${BASE}/flux`, async (req, reply) => {
      const s = await signedIn(req, reply);
      if (!s) return reply;
      const mine = await flows.list({ partner: s.partner.code, limit: LIST_LIMIT });
      return send(reply, 200, flowListPage({ ...s.ctx, refresh: mine.some((f) => !isFinal(f)) }, mine));
    });

    /** The partner's own flow of this id; another partner's answers exactly like a missing one. */
    const ownFlow = async (s: Signed, id: string) => {
      if (!/^\d{1,15}$/.test(id)) return undefined;
      const flow = await flows.get(Number(id));
      return flow && flow.partner === s.partner.code ? flow : undefined;
    };
    const notFound = (reply: FastifyReply, s: Signed) =>
      send(
        reply,
        404,
        errorPage(s.ctx, 'Flux introuvable', 'Ce flux n’existe pas ou n’appartient pas à votre compte.'),
      );

    scope.get<{ Params: { id: string } }>(`${BASE}/flux/:id`, async (req, reply) => {
      const s = await signedIn(req, reply);
      if (!s) return reply;
      const flow = await ownFlow(s, req.params.id);
      if (!flow) return notFound(reply, s);
      const [stages, returns] = await Promise.all([flows.stages(flow.id), flows.returnFlows(flow.id)]);
      const mine = returns.filter((r) => r.partner === s.partner.code);
      return send(reply, 200, flowPage({ ...s.ctx, refresh: !isFinal(flow) }, flow, stages, mine));
    });

    scope.get<{ Params: { id: string; rid: string } }>(`${BASE}/flux/:id/compte-rendu/:rid`, async (req, reply) => {
      const s = await signedIn(req, reply);
      if (!s) return reply;
      const flow = await ownFlow(s, req.params.id);
      const rf = flow
        ? (await flows.returnFlows(flow.id)).find(
            (r) => String(r.id) === req.params.rid && r.partner === s.partner.code,
          )
        : undefined;
      if (!rf) return notFound(reply, s);
      const fileName = rf.fileName.replace(/[^A-Za-z0-9._-]/g, '_');
      return reply
        .type('application/xml; charset=utf-8')
        .header('content-disposition', `attachment; filename="${fileName}"`)
        .send(rf.content);
    });
  });
};
