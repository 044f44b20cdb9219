/**
 * How the CLI reaches a running daemon: its info file (`<dataDir>/daemon.json` on the embedded database,
 * `<dataDir>/daemon.<host>.json` on PostgreSQL, see lock.ts) names its admin API and token.
 */
import { readFileSync } from 'node:fs';
import type { AdminOps } from './admin-ops.ts';
import type { DaemonInfo } from './lock.ts';
import { daemonInfoFiles, hostName, pidAlive } from './lock.ts';

/** A daemon of this host running on `dataDir` with its admin API on, if any. */
export function runningDaemon(dataDir: string): DaemonInfo | undefined {
  for (const file of daemonInfoFiles(dataDir)) {
    try {
      const info = JSON.parse(readFileSync(file, 'utf8')) as DaemonInfo;
      // Files written before the host field existed are this host's.
      if ((info.host ?? hostName()) !== hostName() || !pidAlive(info.pid)) continue;
      if (info.httpPort) return info;
    } catch {
      // Unreadable: as if absent.
    }
  }
  return undefined;
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

const enc = encodeURIComponent;

/** The CLI's operations through a running daemon's admin API (its routes answer with `localAdmin`). */
export function remoteAdmin(info: DaemonInfo): AdminOps {
  return {
    partners: {
      list: () => adminCall(info, 'GET', '/partners'),
      show: (code) => adminCall(info, 'GET', `/partners/${enc(code)}`),
      add: (input) => adminCall(info, 'POST', '/partners', input),
      setPassword: async (code, password) => {
        await adminCall(info, 'POST', `/partners/${enc(code)}/password`, { password });
      },
      addKey: async (code, key) => {
        await adminCall(info, 'POST', `/partners/${enc(code)}/keys`, { key });
      },
      setSigned: (code, signed) => adminCall(info, 'POST', `/partners/${enc(code)}/signed`, { signed }),
    },
    flows: {
      list: (filter) => {
        const q = new URLSearchParams();
        for (const [k, v] of Object.entries(filter)) if (v !== undefined && v !== '') q.set(k, String(v));
        return adminCall(info, 'GET', `/flows?${q.toString()}`);
      },
      show: (ref) => adminCall(info, 'GET', `/flows/${enc(ref)}`),
    },
  };
}
