/**
 * The SFTP endpoint: an ssh2 server that only speaks the `sftp` subsystem. Sockets are screened first
 * (bans, connection caps, slots for connections not yet logged in) on our own net.Server and only then
 * handed to ssh2, so a banned address costs no key exchange. The login is the partner code; password
 * (scrypt hash) and/or OpenSSH public keys. Every credential goes through the shared Defender first.
 */
import net from 'node:net';
import type { Registry } from 'prom-client';
import ssh2 from 'ssh2';
import type { AuthContext, Connection } from 'ssh2';
import type { Config } from '../../config.ts';
import { PARTNER_CODE } from '../../config.ts';
import type { Logger } from '../../log.ts';
import type { PartnerAccounts } from '../../store/types.ts';
import type { Intake } from '../intake-types.ts';
import { ensureMailbox } from '../../store/mailboxes.ts';
import { Defender, MemoryDefenderStore, normaliseAddress } from '../defender.ts';
import { Defence } from './defence.ts';
import { ensureHostKeys, fingerprintOf, hostKeyFingerprints } from './hostkeys.ts';
import { findListedKey } from './keys.ts';
import { createSftpMetrics } from './metrics.ts';
import type { SftpMetrics } from './metrics.ts';
import { burnPasswordCheck, verifyPassword } from './password.ts';
import { refusal } from './refusals.ts';
import type { RefusalCode } from './refusals.ts';
import { SftpSession } from './session.ts';
import { OFFERED_CIPHERS, keysAsKeyObjects, nativeCryptoLoaded } from './transport.ts';

export { hostKeyFingerprints };

interface SftpServerDeps {
  config: Config;
  accounts: PartnerAccounts;
  intake: Intake;
  logger: Logger;
  metrics?: Registry;
  /** The daemon's shared defender (database); absent = one in memory for this server alone. */
  defender?: Defender;
}

/** Where to listen; each field overrides `config.sftp`. `port: 0` here means an ephemeral port (tests, bench). */
interface SftpListen {
  port?: number;
  host?: string;
}

interface Conn {
  id: number;
  address: string;
  socket: net.Socket;
  client?: Connection;
  partner?: string;
  session?: SftpSession;
  /** Holds a pre-authentication slot until logged in (or closed). */
  preAuth: boolean;
  preAuthTimer?: NodeJS.Timeout;
  authFailures: number;
  lastActive: number;
  openedAt: number;
}

const AUTH_METHODS: AuthContext['method'][] = ['publickey', 'password'];

export class SftpServer {
  readonly #deps: SftpServerDeps;
  readonly #log: Logger;
  readonly #metrics: SftpMetrics;
  readonly #defence: Defence;
  readonly #preAuth: Defence;
  readonly #defender: Defender;
  readonly #conns = new Map<number, Conn>();
  readonly #closing = new Set<Promise<void>>();
  #net?: net.Server;
  #ssh?: ssh2.Server;
  #sweeper?: NodeJS.Timeout;
  #nextId = 1;

  constructor(deps: SftpServerDeps) {
    this.#deps = deps;
    this.#log = deps.logger.child({ component: 'sftp' });
    this.#metrics = createSftpMetrics(deps.metrics);
    const { sftp } = deps.config;
    this.#defence = new Defence(sftp);
    // Connections not yet logged in get their own, smaller caps: idle sockets cannot take the partners' room.
    this.#preAuth = new Defence({
      maxConnections: Math.min(sftp.maxPreAuthConnections, sftp.maxConnections),
      maxConnectionsPerAddress: Math.min(sftp.maxPreAuthPerAddress, sftp.maxConnectionsPerAddress),
    });
    this.#defender =
      deps.defender ??
      new Defender(new MemoryDefenderStore(), deps.config.defender, {
        logger: deps.logger,
        ...(deps.metrics ? { registry: deps.metrics } : {}),
      });
    // A ban decided anywhere on this node ends the attempts of that address's connections not logged in.
    this.#defender.onBan((address) => {
      for (const c of this.#conns.values())
        if (c.address === address && !c.partner) {
          this.#refuse('SFTP-BANNED', { address }, 'sftp connection closed: address banned');
          c.client?.end();
          setTimeout(() => c.socket.destroy(), 500).unref();
        }
    });
  }

  async start(listen: SftpListen = {}): Promise<{ port: number; fingerprints: string[] }> {
    if (this.#net) throw new Error('SFTP server already started');
    const { config } = this.#deps;
    if (listen.port === undefined && config.sftp.port === 0) throw new Error('the SFTP endpoint is off (sftp.port: 0)');
    const port = listen.port ?? config.sftp.port;
    const host = listen.host ?? config.sftp.host;
    const hostKeys = await ensureHostKeys(config.dataDir);
    const fingerprints = hostKeyFingerprints(config.dataDir);
    const ssh = new ssh2.Server(
      { hostKeys, ident: 'Passerelle', algorithms: { cipher: OFFERED_CIPHERS } },
      (client, info) => this.#onClient(client, info.ip, info.port),
    );
    this.#ssh = ssh;
    const srv = net.createServer((socket) => this.#onSocket(socket));
    this.#net = srv;
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, host, () => {
        srv.off('error', reject);
        resolve();
      });
    });
    srv.on('error', (err) => this.#log.error({ err }, 'sftp listener error'));
    const sweepMs = Math.min(1000, config.sftp.idleTimeoutSeconds * 250);
    this.#sweeper = setInterval(() => this.#sweep(), sweepMs);
    this.#sweeper.unref();
    const bound = (srv.address() as net.AddressInfo).port;
    // Which ssh2 crypto path runs matters for throughput (docs/sftp.md, "Ciphers").
    this.#log.info({ host, port: bound, fingerprints, nativeCrypto: nativeCryptoLoaded() }, 'sftp endpoint listening');
    return { port: bound, fingerprints };
  }

  /** Stops listening, closes every connection and waits until their unfinished uploads are deleted. */
  async stop(): Promise<void> {
    const srv = this.#net;
    if (!srv) return;
    this.#net = undefined;
    clearInterval(this.#sweeper);
    const closed = new Promise<void>((resolve) => srv.close(() => resolve()));
    for (const c of this.#conns.values()) c.socket.destroy();
    await Promise.all([...this.#closing]);
    await closed;
    this.#log.info('sftp endpoint stopped');
  }

  #refuse(reason: RefusalCode, fields: Record<string, unknown>, msg: string): void {
    this.#metrics.refusals.inc({ reason });
    const f = refusal(reason);
    this.#log.warn({ ...fields, code: f.code }, msg);
  }

  #onSocket(socket: net.Socket): void {
    const address = normaliseAddress(socket.remoteAddress);
    const banned = this.#defender.cachedBan(address);
    if (banned > 0) {
      this.#refuse('SFTP-BANNED', { address, secondsLeft: banned }, 'sftp connection refused: address banned');
      socket.destroy();
      return;
    }
    // Slots are taken at once (synchronously), so a burst of sockets cannot pass the caps.
    const admitted = this.#defence.admit(address);
    const preAuth = admitted === 'ok' ? this.#preAuth.admit(address) : admitted;
    if (admitted !== 'ok' || preAuth !== 'ok') {
      if (admitted === 'ok') this.#defence.release(address);
      this.#refuse(
        'SFTP-TOO-MANY-CONNECTIONS',
        { address, cap: admitted !== 'ok' ? admitted : `pre-auth-${preAuth}` },
        'sftp connection refused: too many connections',
      );
      socket.destroy();
      return;
    }
    const conn: Conn = {
      id: this.#nextId++,
      address,
      socket,
      preAuth: true,
      authFailures: 0,
      lastActive: Date.now(),
      openedAt: Date.now(),
    };
    this.#conns.set(conn.id, conn);
    socket.setNoDelay(true);
    socket.once('close', () => {
      this.#defence.release(address);
      this.#endPreAuth(conn);
      this.#conns.delete(conn.id);
    });
    conn.preAuthTimer = setTimeout(() => {
      if (conn.partner || socket.destroyed) return;
      this.#refuse('SFTP-AUTH-TIMEOUT', { address }, 'sftp connection closed: not logged in in time');
      conn.client?.end();
      setTimeout(() => socket.destroy(), conn.client ? 1000 : 0).unref();
    }, this.#deps.config.sftp.preAuthTimeoutSeconds * 1000);
    conn.preAuthTimer.unref();
    socket.pause();
    // The ban may have been decided on another node: the database says, within defender.cacheMs.
    this.#defender.bannedFor(address).then(
      (left) => {
        if (socket.destroyed) return;
        if (left > 0) {
          this.#refuse('SFTP-BANNED', { address, secondsLeft: left }, 'sftp connection refused: address banned');
          socket.destroy();
          return;
        }
        this.#ssh!.injectSocket(socket);
        socket.resume();
      },
      (err: unknown) => {
        this.#log.error({ err, address }, 'sftp ban check failed; connection refused');
        socket.destroy();
      },
    );
  }

  #endPreAuth(conn: Conn): void {
    clearTimeout(conn.preAuthTimer);
    if (!conn.preAuth) return;
    conn.preAuth = false;
    this.#preAuth.release(conn.address);
  }

  #findConn(ip: string, port: number): Conn | undefined {
    const address = normaliseAddress(ip);
    for (const c of this.#conns.values())
      if (c.address === address && c.socket.remotePort === port && !c.client) return c;
    return undefined;
  }

  #onClient(client: Connection, ip: string, port: number): void {
    const conn = this.#findConn(ip, port);
    if (!conn) {
      client.end();
      return;
    }
    conn.client = client;
    client.on('handshake', () => keysAsKeyObjects(client));
    this.#metrics.sessionsActive.inc();
    this.#metrics.sessionsTotal.inc();
    const log = this.#log.child({ conn: conn.id, address: conn.address });
    client.on('authentication', (ctx) => {
      conn.lastActive = Date.now();
      this.#authenticate(conn, ctx, log).catch((err: unknown) => {
        log.error({ err }, 'sftp authentication error');
        try {
          ctx.reject();
        } catch {
          // connection gone
        }
      });
    });
    client.on('ready', () => {
      this.#endPreAuth(conn);
      const partner = conn.partner!;
      const { config, intake } = this.#deps;
      const plog = log.child({ partner });
      conn.session = new SftpSession({
        partner,
        address: conn.address,
        paths: ensureMailbox(config.dataDir, partner),
        intake,
        log: plog,
        metrics: this.#metrics,
        touch: () => {
          conn.lastActive = Date.now();
        },
      });
      client.on('session', (accept) => {
        const session = accept();
        // Only the sftp subsystem: no shell, exec, pty or forwarding (ssh2 rejects requests nobody listens to).
        session.on('sftp', (acceptSftp) => conn.session?.attach(acceptSftp()));
      });
    });
    client.on('error', (err) => log.debug({ err: err.message }, 'sftp connection error'));
    client.on('close', () => {
      this.#metrics.sessionsActive.dec();
      const done = (conn.session?.end() ?? Promise.resolve())
        .catch((err: unknown) => log.error({ err }, 'sftp session cleanup failed'))
        .finally(() => {
          log.info(
            { partner: conn.partner, seconds: Math.round((Date.now() - conn.openedAt) / 1000) },
            'sftp connection closed',
          );
          this.#closing.delete(done);
        });
      this.#closing.add(done);
    });
  }

  async #authenticate(conn: Conn, ctx: AuthContext, log: Logger): Promise<void> {
    if (ctx.method !== 'password' && ctx.method !== 'publickey') {
      ctx.reject(AUTH_METHODS); // `none` and the rest are how clients ask which methods exist: not an attempt
      return;
    }
    const code = ctx.username;
    const account = PARTNER_CODE.test(code) ? await this.#deps.accounts.getPartner(code) : undefined;
    const usable = account?.active ? account : undefined;
    if (ctx.method === 'publickey') {
      const pk = ctx;
      if (!pk.signature && usable && findListedKey(usable.sftpAuthorizedKeys, pk.key.data)) {
        ctx.accept(); // a probe: "this key would do"; the client signs next (not an attempt)
        return;
      }
    }
    // Asked before any check, counted atomically: parallel connections cannot get past the limit.
    const verdict = await this.#defender.begin('sftp', conn.address, ctx.method === 'password' ? code : undefined);
    if (!verdict.ok) {
      this.#metrics.logins.inc({ method: ctx.method, result: 'refused' });
      this.#refuse(
        'SFTP-BANNED',
        { address: conn.address, login: code.slice(0, 64), why: verdict.reason, secondsLeft: verdict.retryAfter },
        'sftp authentication refused: banned',
      );
      ctx.reject();
      conn.client?.end();
      return;
    }
    let ok = false;
    let keyFingerprint: string | undefined;
    if (ctx.method === 'password') {
      if (usable?.sftpPasswordHash) ok = await verifyPassword(ctx.password, usable.sftpPasswordHash);
      else await burnPasswordCheck(ctx.password); // same delay whether the login exists or not
    } else {
      const pk = ctx;
      const listed = usable ? findListedKey(usable.sftpAuthorizedKeys, pk.key.data) : undefined;
      keyFingerprint = fingerprintOf(pk.key.data);
      ok = !!listed && !!pk.signature && !!pk.blob && listed.verify(pk.blob, pk.signature, pk.hashAlgo) === true;
    }
    if (ok) await this.#defender.succeed(verdict.ticket);
    const banned = ok ? false : await this.#defender.fail(verdict.ticket);
    if (conn.socket.destroyed) return;
    if (ok) {
      conn.partner = code;
      clearTimeout(conn.preAuthTimer);
      this.#metrics.logins.inc({ method: ctx.method, result: 'ok' });
      log.info({ partner: code, method: ctx.method, key: keyFingerprint }, 'sftp login');
      ctx.accept();
      return;
    }
    conn.authFailures++;
    this.#metrics.logins.inc({ method: ctx.method, result: 'failed' });
    this.#metrics.refusals.inc({ reason: 'SFTP-AUTH-FAILED' });
    // The login is logged (truncated: it is client input), the reason is not told to the client.
    log.warn(
      { login: code.slice(0, 64), method: ctx.method, key: keyFingerprint, attempt: conn.authFailures },
      'sftp login refused',
    );
    if (banned)
      this.#refuse(
        'SFTP-BANNED',
        { address: conn.address, seconds: this.#deps.config.defender.banSeconds },
        'sftp address banned after repeated failures',
      );
    if (banned || conn.authFailures >= this.#deps.config.sftp.maxAuthAttempts) {
      if (!banned)
        this.#refuse(
          'SFTP-AUTH-TOO-MANY',
          { address: conn.address },
          'sftp connection closed: too many authentication attempts',
        );
      ctx.reject();
      conn.client?.end();
      return;
    }
    ctx.reject(AUTH_METHODS);
  }

  #sweep(): void {
    const idleMs = this.#deps.config.sftp.idleTimeoutSeconds * 1000;
    const now = Date.now();
    for (const c of this.#conns.values()) {
      if (now - c.lastActive > idleMs) {
        this.#refuse('SFTP-IDLE', { address: c.address, partner: c.partner }, 'sftp connection closed: idle');
        c.lastActive = now;
        c.client?.end();
        // A client that ignores the disconnect is cut at the socket.
        setTimeout(() => c.socket.destroy(), c.client ? 2000 : 0).unref();
      }
    }
    if (!this.#deps.defender) void this.#defender.sweep();
  }
}
