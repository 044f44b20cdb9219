/** `passerelle doctor`: what an operator checks first. */
import { accessSync, constants, mkdirSync } from 'node:fs';
import type { Config } from '../config.ts';
import { schemaDir } from '../config.ts';
import { RULES_CONFORMANCE } from '../rules/engine.ts';
import { listSchemaSets } from '../schemas/catalog.ts';
import { runningDaemon } from './admin-client.ts';
import { hostKeyFingerprints } from './sftp/server.ts';

export async function doctor(config: Config, out: (line: string) => void): Promise<boolean> {
  let ok = true;
  const check = (good: boolean, text: string) => {
    out(`${good ? '✓' : '✗'} ${text}`);
    if (!good) ok = false;
  };
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  check(major > 22 || (major === 22 && minor >= 12), `Node.js ${process.versions.node} (>= 22.12 needed)`);
  try {
    mkdirSync(config.dataDir, { recursive: true });
    accessSync(config.dataDir, constants.W_OK);
    check(true, `data folder ${config.dataDir} is writable`);
  } catch {
    check(false, `data folder ${config.dataDir} is not writable`);
  }
  out(`  database: ${config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}/db`}`);
  const daemon = runningDaemon(config.dataDir);
  if (daemon) {
    const health = await fetch(`http://127.0.0.1:${daemon.httpPort}/health`).then(
      (r) => r.ok,
      () => false,
    );
    check(health, `daemon running (pid ${daemon.pid}, http ${daemon.httpPort}, sftp ${daemon.sftpPort ?? 'off'})`);
  } else {
    out('  daemon: not running (npm start)');
  }
  if (config.databaseUrl) {
    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: config.databaseUrl });
    const reachable = await client
      .connect()
      .then(() => client.query('SELECT 1'))
      .then(
        () => true,
        () => false,
      );
    await client.end().catch(() => undefined);
    check(reachable, `PostgreSQL reachable at ${config.databaseUrl.replace(/\/\/[^@]*@/, '//***@')}`);
  }
  for (const s of listSchemaSets(schemaDir(config), config.schemas.shipped)) {
    check(
      s.installed || s.id === 'passerelle',
      `schema set ${s.id}: ${s.installed ? `${s.origin === 'installed' ? 'installed' : 'shipped'} (${s.path})` : 'missing — flows of this syntax wait; npx passerelle schemas install --from <folder|zip> (or --fetch)'}`,
    );
  }
  out(`  rules: CEN EN 16931 artefacts ${RULES_CONFORMANCE.en16931}, Factur-X ${RULES_CONFORMANCE.facturx}`);
  const fingerprints = hostKeyFingerprints(config.dataDir);
  out(
    `  SFTP ${config.sftp.port === 0 ? 'off' : `on ${config.sftp.host}:${config.sftp.port}`}; host keys: ${fingerprints.length ? fingerprints.join(', ') : 'not generated yet (first start)'}`,
  );
  return ok;
}
