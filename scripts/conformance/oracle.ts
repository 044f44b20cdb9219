/**
 * The conformance oracle (dev/CI only, never used by the product): runs the official artefacts
 * (test/conformance/) with Saxon-HE in ONE JVM for a whole batch and returns, per document, the
 * fatal and warning rule ids of the SVRL report. Oracle.java is compiled at run time into a temp folder.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RULES_CONFORMANCE } from '../../src/rules/engine.ts';

export const ARTEFACTS_DIR = path.resolve('test/conformance');
/** The versions Passerelle conforms to (the engine declares them; docs/en16931-rules.md names them too). */
export const EN16931_VERSION = RULES_CONFORMANCE.en16931;
export const FACTURX_VERSION = RULES_CONFORMANCE.facturx;

export const ARTEFACTS = {
  ubl: path.join(ARTEFACTS_DIR, `en16931-${RULES_CONFORMANCE.en16931}/EN16931-UBL-validation.xslt`),
  cii: path.join(ARTEFACTS_DIR, `en16931-${RULES_CONFORMANCE.en16931}/EN16931-CII-validation.xslt`),
  MINIMUM: path.join(ARTEFACTS_DIR, 'facturx-zf250/FACTUR-X_MINIMUM.xslt'),
  BASICWL: path.join(ARTEFACTS_DIR, 'facturx-zf250/FACTUR-X_BASIC-WL.xslt'),
  BASIC: path.join(ARTEFACTS_DIR, 'facturx-zf250/FACTUR-X_BASIC.xslt'),
  EN16931: path.join(ARTEFACTS_DIR, 'facturx-zf250/FACTUR-X_EN16931.xslt'),
  EXTENDED: path.join(ARTEFACTS_DIR, 'facturx-zf250/FACTUR-X_EXTENDED.xslt'),
} as const;
export type ArtefactId = keyof typeof ARTEFACTS;

export const SAXON_JAR = process.env['SAXON_JAR'] ?? '/usr/share/java/Saxon-HE.jar';

export interface OracleJob {
  artefact: ArtefactId;
  /** Path of the XML document. */
  file: string;
}

export interface OracleResult {
  fatal: string[];
  warning: string[];
  /** Transform time in ms (warm JVM, compiled stylesheet). */
  ms: number;
  error?: string;
}

/** Is the oracle runnable here (java, javac and the Saxon jar)? */
export function oracleAvailable(): string | undefined {
  if (!fs.existsSync(SAXON_JAR))
    return `Saxon-HE not found at ${SAXON_JAR} (apt-get install libsaxonhe-java, or SAXON_JAR)`;
  for (const tool of ['java', 'javac']) {
    const r = spawnSync(tool, ['-version'], { stdio: 'ignore' });
    if (r.error || r.status !== 0) return `${tool} not found (a JDK 11+ is needed)`;
  }
  return undefined;
}

function compile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-oracle-'));
  const src = path.join(import.meta.dirname, 'Oracle.java');
  const r = spawnSync('javac', ['-nowarn', '-cp', SAXON_JAR, '-d', dir, src], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`javac failed: ${r.stderr}`);
  return dir;
}

/** An oracle JVM that takes jobs as they come (it compiles and transforms while the caller prepares the next ones). */
export interface OracleSession {
  submit(jobs: OracleJob[]): void;
  /** Ends the input and waits for every result, keyed by `artefact\tfile`. */
  finish(): Promise<Map<string, OracleResult>>;
}

/** Starts one JVM for a whole batch; jobs are answered in order. */
export function startOracle(): OracleSession {
  const classes = compile();
  const out = new Map<string, OracleResult>();
  const child = spawn('java', ['-Xss8m', '-cp', `${SAXON_JAR}${path.delimiter}${classes}`, 'Oracle'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  // Jobs run in order: the n-th output line answers the n-th job.
  const keys: string[] = [];
  let buf = '';
  let n = 0;
  child.stdout.on('data', (b: Buffer) => {
    buf += b.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const parts = line.split('\t');
      const key = keys[n++]!;
      if (parts[1] === 'ERROR') out.set(key, { fatal: [], warning: [], ms: 0, error: parts[2] ?? '' });
      else
        out.set(key, {
          fatal: parts[1] ? parts[1].split(',') : [],
          warning: parts[2] ? parts[2].split(',') : [],
          ms: Number(parts[3]) / 1000,
        });
    }
  });
  const done = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
  return {
    submit(jobs) {
      for (const j of jobs) keys.push(`${j.artefact}\t${j.file}`);
      if (jobs.length) child.stdin.write(jobs.map((j) => `${ARTEFACTS[j.artefact]}\t${j.file}\n`).join(''));
    },
    async finish() {
      child.stdin.end();
      try {
        const code = await done;
        if (code !== 0 || n !== keys.length)
          throw new Error(`oracle JVM exited ${code} after ${n}/${keys.length} jobs: ${stderr}`);
        return out;
      } finally {
        fs.rmSync(classes, { recursive: true, force: true });
      }
    },
  };
}

/** Runs every job in one JVM; results keyed by `artefact\tfile`. */
export async function runOracle(jobs: OracleJob[]): Promise<Map<string, OracleResult>> {
  const session = startOracle();
  session.submit(jobs);
  return session.finish();
}

/** The fatal rule ids an artefact declares (for coverage and the docs' table), with their message. */
export function fatalRulesOf(artefact: ArtefactId): { id: string; text: string }[] {
  const xslt = fs.readFileSync(ARTEFACTS[artefact], 'utf8');
  const out = new Map<string, string>();
  const re =
    /<svrl:failed-assert test="[^"]*">\s*<xsl:attribute name="id">([^<]+)<\/xsl:attribute>\s*(?:<xsl:attribute name="flag">([^<]+)<\/xsl:attribute>)?[\s\S]*?<svrl:text>([\s\S]*?)<\/svrl:text>/g;
  for (const m of xslt.matchAll(re)) {
    const flag = m[2] ?? 'fatal';
    if (flag === 'warning' || flag === 'information') continue;
    if (!out.has(m[1]!)) out.set(m[1]!, m[3]!.replace(/\s+/g, ' ').trim());
  }
  return [...out].map(([id, text]) => ({ id, text }));
}
