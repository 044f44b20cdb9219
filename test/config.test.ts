/** The configuration: one validated YAML file, a clear error naming the bad key, environment overrides. */
import { describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ConfigError, buildConfig, loadConfig } from '../src/config.ts';
import { openPostgres, quoteIdentifier } from '../src/store/connect.ts';
import { tempDir } from './helpers/env.ts';

describe('configuration', () => {
  it('accepts the shipped files', () => {
    for (const f of ['config/passerelle.yaml', 'deploy/passerelle.example.yaml']) {
      expect(() => buildConfig(parse(readFileSync(f, 'utf8')), {})).not.toThrow();
    }
  });

  it('has safe defaults', () => {
    const c = buildConfig({}, {});
    expect(c).toMatchObject({
      maxFlowSizeKo: 30000,
      http: { host: '127.0.0.1' },
      sftp: { host: '127.0.0.1', port: 2222 },
    });
    expect(c.databaseUrl).toBeUndefined();
  });

  it('names the bad key', () => {
    expect(() => buildConfig({ partners: [{ code: 'abc', name: 'x' }] }, {})).toThrow(
      /partners\.0\.code: a partner code is 3 to 8/,
    );
    expect(() => buildConfig({ sftp: { port: 'twenty' } }, {})).toThrow(/sftp\.port/);
    expect(() => buildConfig({ maxFlowSizeKo: 30000, colour: 'blue' }, {})).toThrow(/colour/);
    expect(() =>
      buildConfig(
        {
          partners: [
            { code: 'AAA111', name: 'a' },
            { code: 'AAA111', name: 'b' },
          ],
        },
        {},
      ),
    ).toThrow(/declared twice/);
  });

  it('applies environment overrides', () => {
    const c = buildConfig(
      { dataDir: './x' },
      { DATABASE_URL: 'postgres://h/db', PASSERELLE_DATA: '/srv/p', PASSERELLE_SFTP_PORT: '0' },
    );
    expect(c).toMatchObject({ databaseUrl: 'postgres://h/db', dataDir: '/srv/p', sftp: { port: 0 } });
  });

  it('validates environment overrides like the file, naming the variable and its value', () => {
    expect(() => buildConfig({}, { PASSERELLE_HTTP_PORT: 'abc' })).toThrow(
      /PASSERELLE_HTTP_PORT="abc" \(environment, for http\.port\)/,
    );
    expect(() => buildConfig({}, { PASSERELLE_SFTP_PORT: '70000' })).toThrow(/PASSERELLE_SFTP_PORT="70000"/);
    expect(() => buildConfig({}, { PASSERELLE_SFTP_PORT: '22x' })).toThrow(/PASSERELLE_SFTP_PORT="22x"/);
    expect(() => buildConfig({}, { PASSERELLE_HTTP_PORT: '-1' })).toThrow(/PASSERELLE_HTTP_PORT="-1"/);
    expect(() => buildConfig({}, { PASSERELLE_DB_SCHEMA: 'Bad"Schema; x' })).toThrow(
      /PASSERELLE_DB_SCHEMA="Bad\\"Schema; x" \(environment, for databaseSchema\): a schema name/,
    );
    expect(() => buildConfig({}, { PASSERELLE_LOG_LEVEL: 'loud' })).toThrow(/PASSERELLE_LOG_LEVEL="loud"/);
    // The file's own bad value is still named as the file's key, without a variable.
    expect(() => buildConfig({ http: { port: 'x' } }, {})).toThrow(/^invalid configuration:\nhttp\.port: /);
    // Good values merge into the file's sections without losing the other keys.
    const c = buildConfig(
      { http: { host: '0.0.0.0' }, log: { level: 'warn' } },
      { PASSERELLE_HTTP_PORT: ' 8081 ', PASSERELLE_LOG_LEVEL: 'debug', PASSERELLE_DB_SCHEMA: 'passerelle_qa' },
    );
    expect(c).toMatchObject({
      http: { host: '0.0.0.0', port: 8081 },
      log: { level: 'debug' },
      databaseSchema: 'passerelle_qa',
    });
  });

  it('refuses an unsafe schema name in the file and at the database door', async () => {
    expect(() => buildConfig({ databaseSchema: 'x"; DROP TABLE flows; --' }, {})).toThrow(/databaseSchema/);
    expect(() => buildConfig({ databaseSchema: 'Upper' }, {})).toThrow(/databaseSchema/);
    await expect(openPostgres('postgres://127.0.0.1:1/none', 'a"b')).rejects.toThrow(/unsafe PostgreSQL schema/);
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
  });

  it('reports an unreadable or missing file', () => {
    const dir = tempDir();
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'partners: [\n');
    expect(() => loadConfig(bad, {})).toThrow(ConfigError);
    expect(() => loadConfig(path.join(dir, 'none.yaml'), {})).toThrow(/not found/);
  });
});
