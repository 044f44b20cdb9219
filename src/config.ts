/**
 * The one configuration file (YAML), validated at start. Every default is safe: services bind to
 * loopback, limits are the platform's, nothing is open that the operator did not open.
 * Environment overrides: PASSERELLE_CONFIG (file), DATABASE_URL, PASSERELLE_DB_SCHEMA, PASSERELLE_DATA (dataDir),
 * PASSERELLE_HTTP_PORT, PASSERELLE_SFTP_PORT, PASSERELLE_LOG_LEVEL, validated with the file (ENV_OVERRIDES).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export const PARTNER_CODE = /^[A-Z0-9]{3,8}$/;
/** A PostgreSQL schema name safe anywhere: pg-boss adds `_boss`, and the whole stays under the 63-byte limit. */
export const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]{0,40}$/;

const partnerSchema = z.strictObject({
  /** "AAA999" style partner code, 3-8 upper-case letters or digits; also the SFTP login. */
  code: z.string().regex(PARTNER_CODE, 'a partner code is 3 to 8 upper-case letters or digits'),
  name: z.string().min(1),
  returnSyntax: z.enum(['CPPStatut', 'AIFEStatut']).default('CPPStatut'),
  sftp: z
    .strictObject({
      /** Clear password, hashed at start and never logged; prefer passwordHash. */
      password: z.string().optional(),
      /** scrypt hash as written by `passerelle partners set-password`. */
      passwordHash: z.string().optional(),
      /** OpenSSH authorized_keys lines. */
      authorizedKeys: z.array(z.string()).default([]),
    })
    .optional(),
  signature: z
    .strictObject({
      /** Does this partner sign its flows? (platform question "Le flux est-il signé ?") */
      signed: z.boolean().default(false),
      /** PEM files of the partner's registered signing certificates. */
      certificates: z.array(z.string()).default([]),
      /** PEM bundle of trust anchors for this partner (else signature.trustDir). */
      trustAnchors: z.string().optional(),
    })
    .optional(),
});
const configSchema = z.strictObject({
  /** Mailboxes, spool, embedded database, installed schema sets, host keys. */
  dataDir: z.string().default('./var'),
  /** The platform's limit for one flow, in Ko (1 Ko = 1024 bytes). */
  maxFlowSizeKo: z.number().int().positive().default(30000),
  /** PostgreSQL URL; absent = embedded PGlite under dataDir/db. */
  databaseUrl: z.string().optional(),
  /** PostgreSQL schema for Passerelle's tables (pg-boss uses `<schema>_boss`); default public / pgboss. */
  databaseSchema: z
    .string()
    .regex(SQL_IDENTIFIER, 'a schema name is 1 to 41 lower-case letters, digits or _, not starting with a digit')
    .optional(),
  log: z
    .strictObject({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info') })
    .prefault({}),
  partners: z.array(partnerSchema).default([]),
  folders: z
    .strictObject({
      /** A file must keep the same size and mtime this long before it is taken. */
      stableMs: z.number().int().min(0).default(300),
      /** Use polling (network filesystems, inotify limits). */
      usePolling: z.boolean().default(false),
      /** How often the mailboxes are rescanned as a safety net for missed events. */
      rescanMs: z.number().int().min(100).default(5000),
      /** Also wait until no process has a file open for writing (Linux /proc; same user or root). */
      checkWriters: z.boolean().default(true),
    })
    .prefault({}),
  /** fsync spooled flows and return files (and their folders) before acknowledging or marking them delivered. */
  fsync: z.boolean().default(true),
  /** Stored flows (bytes) and return files older than `days` are purged (0 = never); flows not answered never are. */
  retention: z
    .strictObject({
      days: z.number().int().min(0).default(0),
    })
    .prefault({}),
  pipeline: z
    .strictObject({
      /** Flows processed at once by this node. */
      concurrency: z.number().int().min(1).max(256).default(32),
      /**
       * Fetch lanes sharing `concurrency` (pg-boss fetches a lane's next batch once all of its batch is done):
       * a large flow holds its own lane only, and while a lane completes its batch and fetches the next (two
       * round trips) the others run. Smaller batches cost a burst's throughput (more fetches): the default
       * keeps batches of 8 (docs/benchmarks.md, issue 13).
       */
      queueLanes: z.number().int().min(1).max(16).default(4),
      /** Retries of a flow whose processing failed for a technical reason, before IN_INCIDENTE. */
      retryLimit: z.number().int().min(0).default(3),
      retryDelaySeconds: z.number().int().min(0).default(2),
      /** A job not finished in this time is taken as lost (crashed node) and retried. */
      expireSeconds: z.number().int().min(10).default(300),
      /** Worker threads for XSD validation (0 = validate on the main thread). */
      validationThreads: z.number().int().min(0).max(16).default(1),
      /**
       * Worker threads for syntax detection, reading and EN 16931 rules (0 = on the main thread): keeps the
       * event loop (HTTP, SFTP, /health) answering while a large flow is processed.
       */
      workerThreads: z.number().int().min(0).max(16).default(1),
      /** Reject a deposit whose bytes the same partner already deposited (flows not rejected). */
      rejectDuplicates: z.boolean().default(true),
      /** Interface code used for numbering a flow whose syntax cannot be recognised at intake. */
      unknownInterfaceCode: z
        .string()
        .regex(/^FSO\d{4}A$/)
        .default('FSO0000A'),
    })
    .prefault({}),
  schemas: z
    .strictObject({
      /** Where official schema sets are installed (default dataDir/schemas). */
      dir: z.string().optional(),
      /** Use the official sets shipped in the repository (xsd/official/) when none is installed. */
      shipped: z.boolean().default(true),
      /** Download missing official sets at start where the network allows (only when `shipped` is off). */
      fetchOnStart: z.boolean().default(true),
    })
    .prefault({}),
  http: z
    .strictObject({
      /** API twin, portal, admin API, /metrics. 0 = off. */
      port: z.number().int().min(0).max(65535).default(8080),
      host: z.string().default('127.0.0.1'),
    })
    .prefault({}),
  sftp: z
    .strictObject({
      /** 0 = off. */
      port: z.number().int().min(0).max(65535).default(2222),
      host: z.string().default('127.0.0.1'),
      maxConnections: z.number().int().min(1).default(200),
      maxConnectionsPerAddress: z.number().int().min(1).default(20),
      /** Connections not yet logged in, at once: from one address, and in all (the rest stays for partners). */
      maxPreAuthPerAddress: z.number().int().min(1).default(4),
      maxPreAuthConnections: z.number().int().min(1).default(50),
      /** A connection not logged in after this long is closed (idle sockets cannot hold slots). */
      preAuthTimeoutSeconds: z.number().int().min(1).default(15),
      idleTimeoutSeconds: z.number().int().min(5).default(300),
      maxAuthAttempts: z.number().int().min(1).default(6),
      /** Former place of defender.banAfterFailures / banWindowSeconds / banSeconds; when set, they win. */
      banAfterFailures: z.number().int().min(1).optional(),
      banWindowSeconds: z.number().int().min(1).optional(),
      banSeconds: z.number().int().min(1).optional(),
    })
    .prefault({}),
  /**
   * One defence for every door (SFTP, API twin, portal, admin API), stored in the database so that
   * every node sees it: failed sign-ins counted per address and per account, temporary bans.
   */
  defender: z
    .strictObject({
      /** Ban an address after this many refused credentials within banWindowSeconds. */
      banAfterFailures: z.number().int().min(1).default(10),
      /** Lock an account's password sign-in after this many refused passwords (from any address) in the window. */
      accountBanAfterFailures: z.number().int().min(1).default(50),
      banWindowSeconds: z.number().int().min(1).default(300),
      banSeconds: z.number().int().min(1).default(900),
      /** How long a node trusts its cached "not banned" answer before asking the database again. */
      cacheMs: z.number().int().min(0).default(1000),
    })
    .prefault({}),
  metrics: z
    .strictObject({
      /** Label flow counters with the partner code on the unauthenticated /metrics (off: no partner data). */
      partnerLabels: z.boolean().default(false),
    })
    .prefault({}),
  signature: z
    .strictObject({
      /** How long a flow waits for its detached `.p7s` before being processed without it. */
      detachedWaitMs: z.number().int().min(0).default(2000),
      /** Folder of trust-anchor PEM files (and CRLs) shared by all partners. */
      trustDir: z.string().default('./config/trust'),
    })
    .prefault({}),
  /**
   * Limits of a zip deposit (several invoices in one flow); a zip past any of them is rejected whole
   * (93, its ZIP-* code, see docs/formats.md). Defaults are the platform's and safe.
   */
  zip: z
    .strictObject({
      /** Invoice files in one zip: 500, the platform's limit for one E1 flow. */
      maxInvoices: z.number().int().min(1).default(500),
      /** Entries of any kind (directories, `__MACOSX/`, dotfiles included): bounds the walk of the archive. */
      maxEntries: z.number().int().min(1).default(2000),
      /** Total uncompressed size of the invoice files, in Ko; absent = 10 × maxFlowSizeKo. */
      maxUncompressedKo: z.number().int().positive().optional(),
      /** Uncompressed / compressed size past which an entry (or the whole, beyond 1 Mo) is a decompression bomb. */
      maxRatio: z.number().positive().default(100),
    })
    .prefault({}),
  /**
   * What one flow may cost the gateway (docs/security.md): past a limit the flow is rejected with
   * its own FMT-* / SIG-* code. Defaults suit real invoices.
   */
  limits: z
    .strictObject({
      /** Deepest element nesting in an XML flow (the root is 1); invoices stay under ~15. */
      xmlMaxDepth: z.number().int().min(16).max(10000).default(256),
      /** Longest XML text node, in Ko (an E2 flow's PDF in base64 is one text node). */
      xmlMaxTextKo: z.number().int().min(1).default(16384),
      /** Longest XML attribute value, in Ko. */
      xmlMaxAttributeKo: z.number().int().min(1).default(64),
      /** Bytes one PDF's streams may inflate to, together, in Ko; absent = maxFlowSizeKo. */
      pdfMaxInflatedKo: z.number().int().positive().optional(),
      /** Largest detached signature (`.p7s`), in Ko, before it is parsed; a `.p7m` is bounded by maxFlowSizeKo. */
      signatureMaxKo: z.number().int().min(16).default(1024),
    })
    .prefault({}),
  /**
   * Mails of the portal (activation, password reset, raccordement, matelas ready). Without `host`, mails
   * are written to `<dataDir>/mail/outbox/*.eml` and the links are logged instead (demo, laptop).
   */
  mail: z
    .strictObject({
      /** SMTP server; absent = outbox folder. */
      host: z.string().min(1).optional(),
      port: z.number().int().min(1).max(65535).default(587),
      /** `starttls` (required, refuses a server without it), `implicit` (SMTPS, port 465) or `none` (loopback relays). */
      tls: z.enum(['starttls', 'implicit', 'none']).default('starttls'),
      auth: z.strictObject({ user: z.string().min(1), pass: z.string().min(1) }).optional(),
      /** Sender of every mail (the platform's is choruspro.notification.aife@chorus-pro.gouv.fr). */
      from: z.string().min(3).default('Passerelle <passerelle@localhost>'),
      /** Public address of the portal in mailed links; default http://<http.host>:<http.port>. */
      portalUrl: z.url().optional(),
    })
    .prefault({}),
  platform: z
    .strictObject({
      /** Seed of the deterministic matelas generator. */
      matelasSeed: z.string().default('passerelle'),
      /** Delay imitating the platform's batch that builds a matelas (the platform takes ~15 min). */
      matelasDelaySeconds: z.number().int().min(0).default(0),
      /**
       * Scripted lifecycles: invoices integrated for a recipient (a matelas structure kind such as
       * `Destinataire sans paramètre`, or a SIRET) then follow the scenario, one step every stepSeconds.
       */
      scenarios: z
        .array(
          z.strictObject({
            recipient: z.string().min(1),
            /** e.g. `MISE_A_DISPOSITION → SERVICE_FAIT → MANDATEE → MISE_EN_PAIEMENT` (see src/platform/lifecycle.ts). */
            scenario: z.string().min(1),
            stepSeconds: z.number().min(0).default(60),
          }),
        )
        .default([]),
    })
    .prefault({}),
});
export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

export function defaultConfigPath(): string {
  return process.env.PASSERELLE_CONFIG ?? 'config/passerelle.yaml';
}

/**
 * The environment variables that override a key of the file, and how their text becomes a value.
 * They are merged into the raw configuration before validation, so a bad value is refused exactly
 * as the same value in the file would be, with the variable named.
 */
const ENV_OVERRIDES: readonly { variable: string; key: readonly string[]; integer?: boolean }[] = [
  { variable: 'DATABASE_URL', key: ['databaseUrl'] },
  { variable: 'PASSERELLE_DB_SCHEMA', key: ['databaseSchema'] },
  { variable: 'PASSERELLE_DATA', key: ['dataDir'] },
  { variable: 'PASSERELLE_HTTP_PORT', key: ['http', 'port'], integer: true },
  { variable: 'PASSERELLE_SFTP_PORT', key: ['sftp', 'port'], integer: true },
  { variable: 'PASSERELLE_LOG_LEVEL', key: ['log', 'level'] },
];

/** Only plain decimal digits make a number; anything else stays text and fails validation ("abc", "80x", ""). */
function envValue(text: string, integer: boolean | undefined): unknown {
  return integer && /^-?[0-9]{1,10}$/.test(text.trim()) ? Number(text.trim()) : text;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A copy of the raw configuration with the environment overrides set in it (the file is never changed). */
function mergeEnvironment(raw: unknown, env: NodeJS.ProcessEnv): { merged: unknown; applied: Map<string, string> } {
  const applied = new Map<string, string>();
  if (!isObject(raw)) return { merged: raw, applied };
  const merged: Record<string, unknown> = { ...raw };
  for (const o of ENV_OVERRIDES) {
    const text = env[o.variable];
    if (text === undefined || text === '') continue;
    const [section, name] = o.key.length === 2 ? o.key : [undefined, o.key[0]];
    let node = merged;
    if (section !== undefined) {
      // A section that is not an object is left for zod to refuse, naming the file's key.
      if (merged[section] !== undefined && !isObject(merged[section])) continue;
      node = { ...(merged[section] ?? {}) };
      merged[section] = node;
    }
    node[name as string] = envValue(text, o.integer);
    applied.set(o.key.join('.'), o.variable);
  }
  return { merged, applied };
}

/** Validates a raw object (parsed YAML) with the environment overrides merged into it. */
export function buildConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env, baseDir = process.cwd()): Config {
  const { merged, applied } = mergeEnvironment(raw ?? {}, env);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = i.path.join('.') || '(root)';
      const variable = applied.get(key);
      return variable
        ? `${variable}=${JSON.stringify(env[variable])} (environment, for ${key}): ${i.message}`
        : `${key}: ${i.message}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  config.dataDir = path.resolve(baseDir, config.dataDir);
  config.signature.trustDir = path.resolve(baseDir, config.signature.trustDir);
  if (config.schemas.dir) config.schemas.dir = path.resolve(baseDir, config.schemas.dir);
  if (config.sftp.banAfterFailures !== undefined) config.defender.banAfterFailures = config.sftp.banAfterFailures;
  if (config.sftp.banWindowSeconds !== undefined) config.defender.banWindowSeconds = config.sftp.banWindowSeconds;
  if (config.sftp.banSeconds !== undefined) config.defender.banSeconds = config.sftp.banSeconds;
  const codes = new Set<string>();
  for (const p of config.partners) {
    if (codes.has(p.code))
      throw new ConfigError(`invalid configuration:\npartners: partner code ${p.code} is declared twice`);
    codes.add(p.code);
  }
  return config;
}

/** Reads and validates the configuration file; a missing default file means all defaults. */
export function loadConfig(file = defaultConfigPath(), env: NodeJS.ProcessEnv = process.env): Config {
  let raw: unknown = {};
  if (existsSync(file)) {
    try {
      raw = parseYaml(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ConfigError(`cannot read configuration ${file}: ${(e as Error).message}`);
    }
  } else if (file !== 'config/passerelle.yaml') {
    throw new ConfigError(`configuration file not found: ${file}`);
  }
  return buildConfig(
    raw,
    env,
    path.dirname(path.resolve(file)) === path.resolve('config') ? process.cwd() : path.dirname(path.resolve(file)),
  );
}

/** Where official schema sets live. */
export function schemaDir(config: Config): string {
  return config.schemas.dir ?? path.join(config.dataDir, 'schemas');
}
