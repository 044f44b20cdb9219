/** How the CLI reaches a running daemon: `<dataDir>/daemon.json` names its admin API and token. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DaemonInfo } from './daemon.ts';

export function runningDaemon(dataDir: string): DaemonInfo | undefined {
  const file = path.join(dataDir, 'daemon.json');
  if (!existsSync(file)) return undefined;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as DaemonInfo;
    process.kill(info.pid, 0); // throws when the process is gone
    return info.httpPort ? info : undefined;
  } catch {
    return undefined;
  }
}

export async function adminCall<T>(
  info: DaemonInfo,
  method: 'GET' | 'POST',
  route: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${info.httpPort}/admin${route}`, {
    method,
    headers: {
      authorization: `Bearer ${info.token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(json.error ?? `admin API answered ${res.status}`);
  return json;
}
