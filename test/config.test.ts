/** The configuration: one validated YAML file, a clear error naming the bad key, environment overrides. */
import { describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ConfigError, buildConfig, loadConfig } from '../src/config.ts';
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

  it('reports an unreadable or missing file', () => {
    const dir = tempDir();
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'partners: [\n');
    expect(() => loadConfig(bad, {})).toThrow(ConfigError);
    expect(() => loadConfig(path.join(dir, 'none.yaml'), {})).toThrow(/not found/);
  });
});
