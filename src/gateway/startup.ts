/**
 * Start-up failures in one message that names the setting to change (the configuration key, or the
 * environment variable when that is where the value came from) and its value. The daemon closes what it
 * had opened before throwing one of these; the CLI prints the message and exits non-zero.
 */
import path from 'node:path';

export class StartupError extends Error {}

/**
 * `PASSERELLE_HTTP_PORT=8081` when the environment set the value in use, else `http.port: 8081 in the
 * configuration`; both when the environment names another value. `show` hides what must not be printed.
 */
export function setting(s: {
  key: string;
  envVar: string;
  value: string | number;
  same?: (envValue: string) => boolean;
  show?: (v: string) => string;
  env?: NodeJS.ProcessEnv;
}): string {
  const show = s.show ?? ((v: string) => v);
  const value = show(String(s.value));
  const fromEnv = (s.env ?? process.env)[s.envVar];
  if (fromEnv === undefined || fromEnv === '') return `${s.key}: ${value} in the configuration`;
  if ((s.same ?? ((v: string) => v === String(s.value)))(fromEnv)) return `${s.envVar}=${show(fromEnv)}`;
  return `${s.key}: ${value} (or ${s.envVar}=${show(fromEnv)})`;
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  // Connecting to `localhost` tries ::1 and 127.0.0.1: an AggregateError with an empty message.
  const message =
    e?.message ||
    (err instanceof AggregateError ? err.errors.map((x) => (x as Error).message).join('; ') : String(err));
  return e?.code && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}

export function portError(kind: 'http' | 'sftp', host: string, port: number, err: unknown): StartupError {
  const name = kind === 'http' ? 'HTTP' : 'SFTP';
  const envVar = kind === 'http' ? 'PASSERELLE_HTTP_PORT' : 'PASSERELLE_SFTP_PORT';
  const code = (err as NodeJS.ErrnoException)?.code;
  const what =
    code === 'EADDRINUSE'
      ? 'is already in use'
      : code === 'EACCES'
        ? 'is not allowed to this user'
        : code === 'EADDRNOTAVAIL'
          ? `cannot be bound: no address ${host} here (${kind}.host)`
          : `cannot be opened (${reason(err)})`;
  return new StartupError(
    `${name} port ${port} on ${host} ${what} (${setting({ key: `${kind}.port`, envVar, value: port, same: (v) => Number(v) === port })})`,
  );
}

const dataDirSetting = (dataDir: string) =>
  setting({
    key: 'dataDir',
    envVar: 'PASSERELLE_DATA',
    value: dataDir,
    same: (v) => path.resolve(v) === path.resolve(dataDir),
  });

export function dataDirError(dataDir: string, err: unknown): StartupError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const what =
    code === 'ENOTDIR' || code === 'EEXIST'
      ? 'is not a folder (it, or a folder above it, is a file)'
      : code === 'EACCES' || code === 'EPERM'
        ? 'is not readable and writable by this user'
        : code === 'EROFS'
          ? 'is on a read-only file system'
          : `cannot be used (${reason(err)})`;
  return new StartupError(`data folder ${dataDir} ${what} (${dataDirSetting(dataDir)})`);
}

/** The URL without its password. */
function maskUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

export function databaseError(url: string | undefined, dataDir: string, pgliteDir: string, err: unknown): StartupError {
  if (!url)
    return new StartupError(
      `the embedded database in ${pgliteDir} cannot be opened (${dataDirSetting(dataDir)}): ${reason(err)}`,
    );
  return new StartupError(
    `the database cannot be reached (${setting({ key: 'databaseUrl', envVar: 'DATABASE_URL', value: url, show: maskUrl })}): ${reason(err)}`,
  );
}
