/** `passerelle doctor`: what an operator checks first. */
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { defaultConfigPath, schemaDir } from '../config.ts';
import { RULES_CONFORMANCE } from '../rules/engine.ts';
import { listSchemaSets } from '../schemas/catalog.ts';
import { runningDaemon } from './admin-client.ts';
import { hostKeyFingerprints } from './sftp/server.ts';

export async function doctor(
  config: Config,
  out: (line: string) => void,
  configFile: string = defaultConfigPath(),
): Promise<boolean> {
  let ok = true;
  const check = (good: boolean, text: string) => {
    out(`${good ? '✓' : '✗'} ${text}`);
    if (!good) ok = false;
  };
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  // Same rule as scripts/check-node.js and package.json's engines.
  check(major >= 24 || (major === 22 && minor >= 22), `Node.js ${process.versions.node} (24+, or 22.22+, needed)`);
  out(
    existsSync(configFile)
      ? `  configuration: ${path.resolve(configFile)}`
      : `  configuration: none (${path.resolve(configFile)} absent): defaults; pick one with --config FILE or PASSERELLE_CONFIG`,
  );
  // Only looks: doctor never creates the data folder (`start` does).
  if (existsSync(config.dataDir)) {
    const writable = canWrite(config.dataDir);
    check(writable, `data folder ${config.dataDir} ${writable ? 'is writable' : 'is not writable'}`);
  } else {
    let parent = path.dirname(path.resolve(config.dataDir));
    while (!existsSync(parent)) parent = path.dirname(parent);
    check(
      canWrite(parent),
      `data folder ${config.dataDir} does not exist yet (\`passerelle start\` creates it${canWrite(parent) ? '' : `, but ${parent} is not writable`})`,
    );
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

function canWrite(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
