/**
 * The account journey of the portal: Créer votre compte → activation mail (720 h) → password and secret
 * question → connexion → accueil → Mon compte (contact address, password, matelas de données). The
 * matelas' test users sign in too and act for their structure.
 *
 * Sessions live in the database (every daemon sees them); the cookie holds a random id whose SHA-256 is
 * the key. Forms before sign-in carry an HMAC of a random form cookie (double submit); forms after it the
 * session's token. Sign-in failures are counted per address (like SFTP) and per account (locked in the
 * database), passwords and secret answers are scrypt hashes and never logged.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Mailer, closeMailer, mailerFor } from '../../../mail/mailer.ts';
import { activationMail, matelasReadyMail, resetMail } from '../../../mail/messages.ts';
import { MatelasActionError } from '../../../platform/matelas-service.ts';
import type { MatelasAction } from '../../../platform/matelas-service.ts';
import {
  AccountExistsError,
  accountFailed,
  accountSucceeded,
  activateAccount,
  checkToken,
  createAccount,
  createSession,
  deleteAccountSessions,
  deleteSession,
  findAccountByEmail,
  findAccountByPartner,
  findTestUser,
  getAccount,
  issueToken,
  loginFailed,
  loginLockedFor,
  loginSucceeded,
  markTokenAnswered,
  pruneSessions,
  searchPublicStructures,
  setContactEmail,
  setPasswordHash,
  sharedSecret,
  touchSession,
  useToken,
} from '../../../store/accounts.ts';
import type { AccountFields, SessionRecord } from '../../../store/accounts.ts';
import { getMatelas, listStructures } from '../../../store/directory.ts';
import { listFlows } from '../../../store/flows.ts';
import type { PortalServices } from '../../services.ts';
import { matelasFolder } from '../../platform-jobs.ts';
import { normaliseAddress } from '../../defender.ts';
import { burnPasswordCheck, hashPassword, verifyPassword } from '../../sftp/password.ts';
import { registerRaccordement } from './raccordement.ts';
import { registerSuivi } from './suivi.ts';
import { SUIVI_CSS, SUIVI_JS } from './views-suivi.ts';
import { BASE } from './views.ts';
import {
  ACCOUNT_CSS,
  ACCOUNT_JS,
  ACTIVATION_HOURS,
  RESET_HOURS,
  accountErrorPage,
  accountLoginPage,
  activationPage,
  forgotPage,
  homePage,
  linkProblemPage,
  messagePage,
  monComptePage,
  resetPasswordPage,
  resetQuestionPage,
  signUpDonePage,
  signUpPage,
} from './views-accounts.ts';
import type { AccountContext, Challenge, MatelasFile, Viewer } from './views-accounts.ts';

export const SESSION_COOKIE = 'passerelle_compte';
const FORM_COOKIE = 'passerelle_formulaire';
const IDLE_SECONDS = 30 * 60;
const ABSOLUTE_SECONDS = 8 * 60 * 60;
/** An account (or test user) is locked this long after this many failed sign-ins in a row. */
const LOCK_AFTER = 5;
const LOCK_SECONDS = 15 * 60;
const CHALLENGE_SECONDS = 30 * 60;
const MATELAS_FILE = /^Rapport_[A-Za-z0-9]+_CREATION_(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})\.csv$/;
const EMAIL = /^[^\s@<>()[\]\\,;:"]{1,64}@[^\s@<>()[\]\\,;:"]{1,190}\.[^\s@<>()[\]\\,;:"]{2,63}$/;
const NUMBERS = ['zéro', 'un', 'deux', 'trois', 'quatre', 'cinq', 'six', 'sept', 'huit', 'neuf'];

export type Body = Record<string, string> | undefined;

/** What the other portal modules use to know who is signed in. */
export interface PortalAuth {
  signedIn(req: FastifyRequest, reply: FastifyReply): Promise<Signed | undefined>;
  signedPost(req: FastifyRequest<{ Body: Body }>, reply: FastifyReply): Promise<Signed | undefined>;
}

/**
 * The platform's password rule as the activation page states it: at least 12 characters and 3 of the
 * 4 groups — upper case, lower case, digits, special characters (accented letters count as special).
 */
export function passwordProblem(p: string): string | undefined {
  const chars = [...p];
  const groups = [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => chars.some((c) => re.test(c))).length;
  if (chars.length >= 12 && groups >= 3) return undefined;
  return 'Le mot de passe doit contenir au moins 12 caractères et au moins 3 des 4 types suivants : majuscules, minuscules, chiffres, caractères spéciaux (lettres accentuées comprises).';
}

/** Secret answers are compared without case and surrounding spaces, as a person types them twice. */
const normalAnswer = (a: string): string => a.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('fr');

function readCookie(req: FastifyRequest, name: string): string | undefined {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function same(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A POST another site made a browser send. Browsers send `Sec-Fetch-Site`; `Origin` names the page's
 * origin, or `null` when the referrer policy hides it — `null` proves nothing either way, so the
 * form token decides.
 */
export function foreignPost(req: FastifyRequest): boolean {
  if (req.headers['sec-fetch-site'] === 'cross-site') return true;
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return false;
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

export const send = (reply: FastifyReply, status: number, page: string): FastifyReply =>
  reply.code(status).type('text/html; charset=utf-8').send(page);

export const text = (b: Body, name: string, max = 200): string =>
  String(b?.[name] ?? '')
    .trim()
    .slice(0, max);

export interface Signed {
  sid: string;
  session: SessionRecord;
  viewer: Viewer;
  partner: string;
  ctx: AccountContext;
}

export function registerAccounts(scope: FastifyInstance, services: PortalServices): void {
  const { config } = services;
  const db = () => services.db;
  const mailer = mailerFor(config, services.logger);
  const portalUrl = Mailer.portalUrl(config);
  const logger = services.logger.child({ part: 'portal' });
  let secret: Promise<Buffer> | undefined;
  const hmac = async (...parts: string[]) =>
    createHmac('sha256', await (secret ??= sharedSecret(db(), 'portal-forms')))
      .update(parts.join('\u0000'))
      .digest('base64url');

  const prune = setInterval(() => void pruneSessions(db(), IDLE_SECONDS, ABSOLUTE_SECONDS).catch(() => {}), 5 * 60_000);
  prune.unref();
  scope.addHook('onClose', async () => {
    clearInterval(prune);
    closeMailer(config);
  });

  // The matelas job runs on whichever daemon takes it: that one mails the account's owner.
  services.platform.onMatelasReady = async (partner, file) => {
    const account = await findAccountByPartner(db(), partner);
    if (!account) return;
    await mailer.send(
      matelasReadyMail(
        account.contactEmail ?? account.loginEmail,
        `${portalUrl}${BASE}/mon-compte`,
        path.basename(file),
      ),
    );
  };

  const secure = (req: FastifyRequest) => (req.protocol === 'https' ? '; Secure' : '');
  const sessionCookie = (req: FastifyRequest, value: string, maxAge: number) =>
    `${SESSION_COOKIE}=${value}; Path=${BASE}; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure(req)}`;

  /** The random form cookie of this browser, set with the page when it has none yet (once per request). */
  const fresh = new WeakMap<FastifyRequest, string>();
  const formCookie = (req: FastifyRequest, reply: FastifyReply): string => {
    const c = readCookie(req, FORM_COOKIE);
    if (c && /^[A-Za-z0-9_-]{43}$/.test(c)) return c;
    let made = fresh.get(req);
    if (!made) {
      made = randomBytes(32).toString('base64url');
      fresh.set(req, made);
      reply.header('set-cookie', `${FORM_COOKIE}=${made}; Path=${BASE}; HttpOnly; SameSite=Strict${secure(req)}`);
    }
    return made;
  };
  /** The token of forms shown before sign-in: HMAC of the form cookie (double submit). */
  const formToken = async (req: FastifyRequest, reply: FastifyReply): Promise<string> =>
    hmac('form', formCookie(req, reply));
  const formTokenValid = async (req: FastifyRequest, given: unknown): Promise<boolean> => {
    const c = readCookie(req, FORM_COOKIE);
    return Boolean(c) && same(given, await hmac('form', c!));
  };
  /** Refuses a forged anonymous POST; true when it answered. */
  const refuseAnonymous = async (req: FastifyRequest<{ Body: Body }>, reply: FastifyReply): Promise<boolean> => {
    if (!foreignPost(req) && (await formTokenValid(req, req.body?._csrf))) return false;
    await send(
      reply,
      403,
      messagePage(
        'Requête refusée',
        'Request refused',
        'Formulaire expiré ou envoyé depuis un autre site : rechargez la page et recommencez.',
        { error: true },
      ),
    );
    return true;
  };

  const challenge = async (req: FastifyRequest, reply: FastifyReply): Promise<Challenge> => {
    const a = 2 + (randomBytes(1)[0]! % 8);
    const b = 2 + (randomBytes(1)[0]! % 8);
    const expires = Math.floor(Date.now() / 1000) + CHALLENGE_SECONDS;
    const nonce = randomBytes(12).toString('base64url');
    // Bound to the form cookie so a solved question cannot be shared; the answer is only in the HMAC.
    const c = formCookie(req, reply);
    return {
      question: `Combien font ${NUMBERS[a]} plus ${NUMBERS[b]} ?`,
      token: `${expires}.${nonce}.${await hmac('defi', c, nonce, String(expires), String(a + b))}`,
    };
  };
  const challengeSolved = async (req: FastifyRequest<{ Body: Body }>): Promise<boolean> => {
    const [expires, nonce, mac] = text(req.body, 'defi', 200).split('.');
    const answer = text(req.body, 'reponseDefi', 3);
    if (!expires || !nonce || !mac || !/^\d{1,2}$/.test(answer) || Number(expires) < Date.now() / 1000) return false;
    return same(mac, await hmac('defi', readCookie(req, FORM_COOKIE) ?? '', nonce, expires, String(Number(answer))));
  };

  /** The signed-in viewer, or undefined after redirecting to the sign-in page. */
  const signedIn = async (req: FastifyRequest, reply: FastifyReply): Promise<Signed | undefined> => {
    const sid = readCookie(req, SESSION_COOKIE);
    const session = sid ? await touchSession(db(), sid, IDLE_SECONDS, ABSOLUTE_SECONDS) : undefined;
    let viewer: Viewer | undefined;
    if (session?.accountId) {
      const account = await getAccount(db(), session.accountId);
      if (account?.activatedAt) viewer = { kind: 'account', account };
    } else if (session?.directoryUserId) {
      const user = await findTestUser(db(), { id: session.directoryUserId });
      if (user) viewer = { kind: 'test', user };
    }
    if (!sid || !session || !viewer) {
      if (sid) await deleteSession(db(), sid);
      await reply.redirect(`${BASE}/compte/connexion`, 303);
      return undefined;
    }
    const partner = viewer.kind === 'account' ? viewer.account.partner : viewer.user.partner;
    return { sid, session, viewer, partner, ctx: { viewer, csrf: session.csrf } };
  };
  /** A signed-in POST with its session's token; undefined after answering 403 (or redirecting). */
  const signedPost = async (req: FastifyRequest<{ Body: Body }>, reply: FastifyReply): Promise<Signed | undefined> => {
    const s = await signedIn(req, reply);
    if (!s) return undefined;
    if (foreignPost(req) || !same(req.body?._csrf, s.session.csrf)) {
      await send(
        reply,
        403,
        accountErrorPage(
          s.ctx,
          'Requête refusée',
          'Jeton de formulaire absent ou invalide (CSRF) : rechargez la page et recommencez.',
        ),
      );
      return undefined;
    }
    return s;
  };

  registerRaccordement(scope, services, { signedIn, signedPost });
  registerSuivi(scope, services, { signedIn, signedPost });

  scope.get(`${BASE}/static/compte.css`, async (_req, reply) =>
    reply
      .type('text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(ACCOUNT_CSS + SUIVI_CSS),
  );
  scope.get(`${BASE}/static/compte.js`, async (_req, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(ACCOUNT_JS + SUIVI_JS),
  );

  // ------------------------------------------------------------------------------------------
  // Créer votre compte

  scope.get(`${BASE}/inscription`, async (req, reply) => {
    const ch = await challenge(req, reply);
    return send(reply, 200, signUpPage({ csrf: await formToken(req, reply), challenge: ch }));
  });

  scope.post<{ Body: Body }>(`${BASE}/inscription`, async (req, reply) => {
    if (await refuseAnonymous(req, reply)) return reply;
    const b = req.body;
    const values = Object.fromEntries(
      [
        'email',
        'email2',
        'nom',
        'prenom',
        'contact',
        'telephone',
        'fax',
        'adresse',
        'complement',
        'codePostal',
        'ville',
        'pays',
      ].map((k) => [k, text(b, k)]),
    );
    const email = values.email!.toLowerCase();
    const problem = !EMAIL.test(email)
      ? 'Adresse électronique de connexion invalide.'
      : email !== values.email2!.toLowerCase()
        ? 'Les deux adresses électroniques de connexion sont différentes.'
        : !values.nom || !values.prenom
          ? 'Le nom et le prénom sont obligatoires.'
          : values.contact && !EMAIL.test(values.contact)
            ? 'Adresse électronique de contact invalide.'
            : !(await challengeSolved(req))
              ? 'Réponse à la vérification anti-robot incorrecte : une nouvelle question vous est posée.'
              : undefined;
    if (problem) {
      const ch = await challenge(req, reply);
      return send(reply, 400, signUpPage({ csrf: await formToken(req, reply), challenge: ch, values, error: problem }));
    }
    const fields: AccountFields = {
      loginEmail: email,
      nom: values.nom!,
      prenom: values.prenom!,
      contactEmail: values.contact ? values.contact.toLowerCase() : null,
      adresse: values.adresse!,
      complement: values.complement!,
      codePostal: values.codePostal!,
      ville: values.ville!,
      pays: values.pays!,
      telephone: values.telephone!,
      fax: values.fax!,
    };
    try {
      const account = await createAccount(db(), fields);
      const token = await issueToken(db(), account.id, 'activation', ACTIVATION_HOURS);
      logger.info({ account: account.id, partner: account.partner }, 'portal account created');
      await mailer.send(activationMail(email, `${portalUrl}${BASE}/activation?jeton=${token}`, ACTIVATION_HOURS));
    } catch (e) {
      // An address already registered gets the same page: the form does not tell who has an account.
      if (!(e instanceof AccountExistsError)) {
        logger.error({ err: e }, 'portal sign-up failed');
        return send(
          reply,
          500,
          messagePage(
            'Erreur',
            'Error',
            'Le compte n’a pas pu être créé ou le courriel envoyé : réessayez plus tard.',
            { error: true },
          ),
        );
      }
    }
    return send(reply, 200, signUpDonePage(email));
  });

  // ------------------------------------------------------------------------------------------
  // Activation

  scope.get<{ Querystring: { jeton?: string } }>(`${BASE}/activation`, async (req, reply) => {
    const token = String(req.query.jeton ?? '').slice(0, 100);
    const t = await checkToken(db(), token, 'activation');
    const csrf = await formToken(req, reply);
    if (t.state !== 'valid') return send(reply, 410, linkProblemPage({ state: t.state, purpose: 'activation', csrf }));
    const account = (await getAccount(db(), t.accountId))!;
    return send(reply, 200, activationPage({ token, csrf, account }));
  });

  scope.post<{ Body: Body }>(`${BASE}/activation`, async (req, reply) => {
    if (await refuseAnonymous(req, reply)) return reply;
    const token = text(req.body, 'jeton', 100);
    const t = await checkToken(db(), token, 'activation');
    const csrf = await formToken(req, reply);
    if (t.state !== 'valid') return send(reply, 410, linkProblemPage({ state: t.state, purpose: 'activation', csrf }));
    const account = (await getAccount(db(), t.accountId))!;
    const password = String(req.body?.motDePasse ?? '').slice(0, 200);
    const question = text(req.body, 'question');
    const answer = normalAnswer(String(req.body?.reponse ?? '').slice(0, 200));
    const error =
      passwordProblem(password) ??
      (password !== String(req.body?.confirmation ?? '')
        ? 'Le mot de passe et sa confirmation sont différents.'
        : question.length < 3 || answer.length < 2
          ? 'La question secrète et sa réponse sont obligatoires.'
          : undefined);
    if (error) return send(reply, 400, activationPage({ token, csrf, account, question, error }));
    const [passwordHash, answerHash] = await Promise.all([hashPassword(password), hashPassword(answer)]);
    if (!(await useToken(db(), token)))
      return send(reply, 410, linkProblemPage({ state: 'used', purpose: 'activation', csrf }));
    await activateAccount(db(), account.id, { passwordHash, question, answerHash });
    logger.info({ account: account.id }, 'portal account activated');
    return reply.redirect(`${BASE}/compte/connexion?etat=active`, 303);
  });

  scope.post<{ Body: Body }>(`${BASE}/activation/renvoyer`, async (req, reply) => {
    if (await refuseAnonymous(req, reply)) return reply;
    const email = text(req.body, 'email').toLowerCase();
    const account = EMAIL.test(email) ? await findAccountByEmail(db(), email) : undefined;
    if (account && !account.activatedAt) {
      const token = await issueToken(db(), account.id, 'activation', ACTIVATION_HOURS);
      await mailer.send(activationMail(email, `${portalUrl}${BASE}/activation?jeton=${token}`, ACTIVATION_HOURS));
    }
    return send(
      reply,
      200,
      messagePage(
        'Courriel envoyé',
        'E-mail sent',
        `Si un compte non activé existe pour ${email}, un nouveau lien d’activation (valable ${ACTIVATION_HOURS} heures) vient de lui être envoyé.`,
      ),
    );
  });

  // ------------------------------------------------------------------------------------------
  // Mot de passe oublié

  scope.get(`${BASE}/mot-de-passe-oublie`, async (req, reply) =>
    send(reply, 200, forgotPage(await formToken(req, reply))),
  );

  scope.post<{ Body: Body }>(`${BASE}/mot-de-passe-oublie`, async (req, reply) => {
    if (await refuseAnonymous(req, reply)) return reply;
    const email = text(req.body, 'email').toLowerCase();
    const account = EMAIL.test(email) ? await findAccountByEmail(db(), email) : undefined;
    if (account?.activatedAt) {
      const token = await issueToken(db(), account.id, 'reset', RESET_HOURS);
      await mailer.send(resetMail(email, `${portalUrl}${BASE}/reinitialisation?jeton=${token}`, RESET_HOURS));
      logger.info({ account: account.id }, 'portal password reset mailed');
    }
    return send(
      reply,
      200,
      messagePage(
        'Courriel envoyé',
        'E-mail sent',
        `Si un compte actif existe pour ${email}, un lien de réinitialisation (valable ${RESET_HOURS} heures) vient de lui être envoyé.`,
      ),
    );
  });

  scope.get<{ Querystring: { jeton?: string } }>(`${BASE}/reinitialisation`, async (req, reply) => {
    const token = String(req.query.jeton ?? '').slice(0, 100);
    const t = await checkToken(db(), token, 'reset');
    const csrf = await formToken(req, reply);
    if (t.state !== 'valid') return send(reply, 410, linkProblemPage({ state: t.state, purpose: 'reset', csrf }));
    if (t.answered) return send(reply, 200, resetPasswordPage({ token, csrf }));
    const account = (await getAccount(db(), t.accountId))!;
    return send(reply, 200, resetQuestionPage({ token, csrf, question: account.secretQuestion ?? '' }));
  });

  scope.post<{ Body: Body }>(`${BASE}/reinitialisation`, async (req, reply) => {
    if (await refuseAnonymous(req, reply)) return reply;
    const token = text(req.body, 'jeton', 100);
    const t = await checkToken(db(), token, 'reset');
    const csrf = await formToken(req, reply);
    if (t.state !== 'valid') return send(reply, 410, linkProblemPage({ state: t.state, purpose: 'reset', csrf }));
    const account = (await getAccount(db(), t.accountId))!;
    if (text(req.body, 'etape') === 'question' || !t.answered) {
      // The secret answer is a credential: the shared defender counts it like any sign-in.
      const verdict = await services.guard.begin('portal', normaliseAddress(req.socket.remoteAddress));
      const banned = verdict.ok ? 0 : verdict.retryAfter;
      const answer = normalAnswer(String(req.body?.reponse ?? '').slice(0, 200));
      const ok =
        verdict.ok && account.secretAnswerHash ? await verifyPassword(answer, account.secretAnswerHash) : false;
      if (verdict.ok) await (ok ? services.guard.succeed(verdict.ticket) : services.guard.fail(verdict.ticket));
      if (!ok) {
        return send(
          reply,
          banned ? 429 : 400,
          resetQuestionPage({
            token,
            csrf,
            question: account.secretQuestion ?? '',
            error: banned ? 'Trop de tentatives : réessayez plus tard.' : 'Réponse incorrecte.',
          }),
        );
      }
      await markTokenAnswered(db(), token);
      return send(reply, 200, resetPasswordPage({ token, csrf }));
    }
    const password = String(req.body?.motDePasse ?? '').slice(0, 200);
    const error =
      passwordProblem(password) ??
      (password !== String(req.body?.confirmation ?? '')
        ? 'Le mot de passe et sa confirmation sont différents.'
        : undefined);
    if (error) return send(reply, 400, resetPasswordPage({ token, csrf, error }));
    const hash = await hashPassword(password);
    if (!(await useToken(db(), token)))
      return send(reply, 410, linkProblemPage({ state: 'used', purpose: 'reset', csrf }));
    await setPasswordHash(db(), account.id, hash);
    await deleteAccountSessions(db(), account.id);
    logger.info({ account: account.id }, 'portal password reset');
    return reply.redirect(`${BASE}/compte/connexion?etat=reinitialise`, 303);
  });

  // ------------------------------------------------------------------------------------------
  // Connexion

  scope.get<{ Querystring: { etat?: string } }>(`${BASE}/compte/connexion`, async (req, reply) => {
    const info =
      req.query.etat === 'active'
        ? 'Votre compte est activé : connectez-vous.'
        : req.query.etat === 'reinitialise'
          ? 'Votre mot de passe a été modifié : connectez-vous.'
          : undefined;
    return send(reply, 200, accountLoginPage(await formToken(req, reply), info ? { info } : {}));
  });

  scope.post<{ Body: Body }>(`${BASE}/compte/connexion`, async (req, reply) => {
    if (await refuseAnonymous(req, reply)) return reply;
    const csrf = await formToken(req, reply);
    const login = text(req.body, 'identifiant');
    const password = String(req.body?.motDePasse ?? '').slice(0, 200);
    const refuse = (status: number, error: string) =>
      send(reply, status, accountLoginPage(csrf, { error, email: login }));
    // Counted by the defender shared with SFTP, the API twin and the partner sign-in (every node sees it).
    const verdict = await services.guard.begin('portal', normaliseAddress(req.socket.remoteAddress), login);
    if (!verdict.ok) {
      reply.header('retry-after', String(verdict.retryAfter));
      return refuse(
        429,
        `Trop de tentatives de connexion : réessayez dans ${Math.ceil(verdict.retryAfter / 60)} minute(s).`,
      );
    }
    const account = login.includes('@') ? await findAccountByEmail(db(), login) : undefined;
    const locked = account?.lockedUntil && account.lockedUntil > new Date();
    let subject: { accountId: number } | { directoryUserId: number } | undefined;
    if (account?.passwordHash && account.activatedAt && !locked) {
      if (await verifyPassword(password, account.passwordHash)) subject = { accountId: account.id };
      else await accountFailed(db(), account.id, LOCK_AFTER, LOCK_SECONDS);
    } else if (!account) {
      const user = await findTestUser(db(), { login });
      const userLock = user ? await loginLockedFor(db(), user.login) : 0;
      // The CSV gives test users' passwords in clear; a hash check is still burnt so timing tells nothing.
      await burnPasswordCheck(password);
      if (user && !userLock && same(password, user.password)) {
        subject = { directoryUserId: user.id };
        await loginSucceeded(db(), user.login);
      } else if (user && !userLock) await loginFailed(db(), user.login, LOCK_AFTER, LOCK_SECONDS);
      if (userLock) {
        await services.guard.fail(verdict.ticket);
        return refuse(423, 'Compte temporairement verrouillé après plusieurs échecs : réessayez plus tard.');
      }
    } else await burnPasswordCheck(password);
    if (locked) {
      await services.guard.fail(verdict.ticket);
      return refuse(423, 'Compte temporairement verrouillé après plusieurs échecs : réessayez plus tard.');
    }
    if (!subject) {
      await services.guard.fail(verdict.ticket);
      logger.warn({ address: req.ip }, 'portal account sign-in refused');
      return refuse(401, 'Identifiant ou mot de passe incorrect (ou compte non activé).');
    }
    await services.guard.succeed(verdict.ticket);
    if ('accountId' in subject) await accountSucceeded(db(), subject.accountId);
    const old = readCookie(req, SESSION_COOKIE);
    if (old) await deleteSession(db(), old);
    const { sid } = await createSession(db(), subject);
    logger.info({ ...subject, address: req.ip }, 'portal account sign-in');
    return reply.header('set-cookie', sessionCookie(req, sid, ABSOLUTE_SECONDS)).redirect(`${BASE}/accueil`, 303);
  });

  scope.post<{ Body: Body }>(`${BASE}/compte/deconnexion`, async (req, reply) => {
    const s = await signedPost(req, reply);
    if (!s) return reply;
    await deleteSession(db(), s.sid);
    return reply.header('set-cookie', sessionCookie(req, '', 0)).redirect(`${BASE}/compte/connexion`, 303);
  });

  // ------------------------------------------------------------------------------------------
  // Accueil

  scope.get<{ Querystring: { q?: string } }>(`${BASE}/accueil`, async (req, reply) => {
    const s = await signedIn(req, reply);
    if (!s) return reply;
    const q = String(req.query.q ?? '')
      .trim()
      .slice(0, 100);
    const [flows, matelas, structures, results] = await Promise.all([
      listFlows(db(), { partner: s.partner, limit: 10 }),
      getMatelas(db(), s.partner),
      s.viewer.kind === 'account'
        ? listStructures(db(), s.partner)
        : Promise.resolve([
            { id: s.viewer.user.structureId, siret: s.viewer.user.siret, name: s.viewer.user.structureName, kind: '' },
          ]),
      q ? searchPublicStructures(db(), q) : Promise.resolve(undefined),
    ]);
    return send(
      reply,
      200,
      homePage(s.ctx, {
        flows,
        matelas: { state: matelas.state, updatedAt: matelas.updatedAt },
        structures: structures.map((x) => ({ id: x.id, siret: x.siret, name: x.name, kind: x.kind })),
        ...(results ? { search: { q, results } } : {}),
      }),
    );
  });

  // ------------------------------------------------------------------------------------------
  // Mon compte

  const matelasFiles = async (
    partner: string,
  ): Promise<{ state: Awaited<ReturnType<typeof getMatelas>>['state']; files: MatelasFile[] }> => {
    const m = await getMatelas(db(), partner);
    const names =
      m.state === 'Pas de matelas' ? [] : await readdir(matelasFolder(config.dataDir, partner)).catch(() => []);
    const files: MatelasFile[] = names
      .map((n) => ({ n, m: MATELAS_FILE.exec(n) }))
      .filter((x) => x.m)
      .sort((a, b) => (a.n < b.n ? 1 : -1))
      .map(({ n, m: d }) => ({
        name: n,
        status: 'Terminé',
        generatedAt: `${d![3]}/${d![2]}/${d![1]} ${d![4]}:${d![5]}`,
      }));
    if (m.state === 'Création')
      files.unshift({ name: '(en cours de génération)', status: 'Création', generatedAt: '' });
    return { state: m.state, files };
  };

  const monCompte = async (reply: FastifyReply, s: Signed, status = 200, msg: { info?: string; error?: string } = {}) =>
    send(
      reply,
      status,
      monComptePage(s.ctx, {
        ...(s.viewer.kind === 'account' ? { matelas: await matelasFiles(s.partner) } : {}),
        ...msg,
      }),
    );

  scope.get(`${BASE}/mon-compte`, async (req, reply) => {
    const s = await signedIn(req, reply);
    return s ? monCompte(reply, s) : reply;
  });

  scope.post<{ Body: Body }>(`${BASE}/mon-compte/contact`, async (req, reply) => {
    const s = await signedPost(req, reply);
    if (!s) return reply;
    if (s.viewer.kind !== 'account')
      return monCompte(reply, s, 403, { error: 'Action réservée aux titulaires de compte.' });
    const email = text(req.body, 'contact').toLowerCase();
    if (email && !EMAIL.test(email))
      return monCompte(reply, s, 400, { error: 'Adresse électronique de contact invalide.' });
    await setContactEmail(db(), s.viewer.account.id, email || null);
    s.viewer.account.contactEmail = email || null;
    return monCompte(reply, s, 200, { info: 'Adresse électronique de contact enregistrée.' });
  });

  scope.post<{ Body: Body }>(`${BASE}/mon-compte/mot-de-passe`, async (req, reply) => {
    const s = await signedPost(req, reply);
    if (!s) return reply;
    if (s.viewer.kind !== 'account')
      return monCompte(reply, s, 403, { error: 'Action réservée aux titulaires de compte.' });
    const a = s.viewer.account;
    const current = String(req.body?.actuel ?? '').slice(0, 200);
    const password = String(req.body?.motDePasse ?? '').slice(0, 200);
    if (!a.passwordHash || !(await verifyPassword(current, a.passwordHash))) {
      await accountFailed(db(), a.id, LOCK_AFTER, LOCK_SECONDS);
      return monCompte(reply, s, 400, { error: 'Mot de passe actuel incorrect.' });
    }
    const error =
      passwordProblem(password) ??
      (password !== String(req.body?.confirmation ?? '')
        ? 'Le mot de passe et sa confirmation sont différents.'
        : undefined);
    if (error) return monCompte(reply, s, 400, { error });
    await setPasswordHash(db(), a.id, await hashPassword(password));
    await deleteAccountSessions(db(), a.id, s.sid);
    logger.info({ account: a.id }, 'portal password changed');
    return monCompte(reply, s, 200, { info: 'Mot de passe modifié.' });
  });

  scope.post<{ Params: { action: string }; Body: Body }>(`${BASE}/mon-compte/matelas/:action`, async (req, reply) => {
    const s = await signedPost(req, reply);
    if (!s) return reply;
    const action = ({ create: 'create', extend: 'extend', reset: 'reset' } as Record<string, MatelasAction>)[
      req.params.action
    ];
    if (!action || s.viewer.kind !== 'account') return monCompte(reply, s, 400, { error: 'Action inconnue.' });
    try {
      await services.platform.matelas(s.partner, action);
    } catch (e) {
      if (e instanceof MatelasActionError)
        return monCompte(reply, s, 409, { error: 'Action impossible dans l’état courant du matelas.' });
      throw e;
    }
    logger.info({ partner: s.partner, action }, 'portal matelas action');
    return reply.redirect(`${BASE}/mon-compte#matelas`, 303);
  });

  scope.get<{ Params: { name: string } }>(`${BASE}/mon-compte/matelas/fichier/:name`, async (req, reply) => {
    const s = await signedIn(req, reply);
    if (!s) return reply;
    const name = req.params.name;
    const own =
      s.viewer.kind === 'account' &&
      MATELAS_FILE.test(name) &&
      (await matelasFiles(s.partner)).files.some((f) => f.name === name);
    if (!own)
      return send(
        reply,
        404,
        accountErrorPage(s.ctx, 'Fichier introuvable', 'Ce fichier n’existe pas ou n’appartient pas à votre compte.'),
      );
    const bytes = await readFile(path.join(matelasFolder(config.dataDir, s.partner), name));
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}"`)
      .send(bytes);
  });
}
