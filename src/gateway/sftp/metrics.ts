/** Prometheus metrics of the SFTP endpoint, registered on the daemon's registry (or a private one). */
import { Counter, Gauge, Registry } from 'prom-client';
import type { Metric } from 'prom-client';

export interface SftpMetrics {
  sessionsActive: Gauge<string>;
  sessionsTotal: Counter<string>;
  logins: Counter<'method' | 'result'>;
  bytes: Counter<'direction'>;
  files: Counter<'direction'>;
  refusals: Counter<'reason'>;
}

/** Reuses a metric already on the registry, so two servers (tests, restarts) can share one registry. */
function reuse<T extends Metric>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function createSftpMetrics(registry: Registry = new Registry()): SftpMetrics {
  const registers = [registry];
  return {
    sessionsActive: reuse(
      registry,
      'passerelle_sftp_sessions_active',
      () =>
        new Gauge({
          name: 'passerelle_sftp_sessions_active',
          help: 'SFTP connections open now (logged in or not)',
          registers,
        }),
    ),
    sessionsTotal: reuse(
      registry,
      'passerelle_sftp_sessions_total',
      () =>
        new Counter({
          name: 'passerelle_sftp_sessions_total',
          help: 'SFTP connections accepted since start',
          registers,
        }),
    ),
    logins: reuse(
      registry,
      'passerelle_sftp_logins_total',
      () =>
        new Counter({
          name: 'passerelle_sftp_logins_total',
          help: 'SFTP login attempts by method (password, publickey) and result (ok, failed)',
          labelNames: ['method', 'result'] as const,
          registers,
        }),
    ),
    bytes: reuse(
      registry,
      'passerelle_sftp_bytes_total',
      () =>
        new Counter({
          name: 'passerelle_sftp_bytes_total',
          help: 'Bytes uploaded (up) and downloaded (down) over SFTP',
          labelNames: ['direction'] as const,
          registers,
        }),
    ),
    files: reuse(
      registry,
      'passerelle_sftp_files_total',
      () =>
        new Counter({
          name: 'passerelle_sftp_files_total',
          help: 'Flows published to the intake (up) and return flows fully downloaded (down) over SFTP',
          labelNames: ['direction'] as const,
          registers,
        }),
    ),
    refusals: reuse(
      registry,
      'passerelle_sftp_refusals_total',
      () =>
        new Counter({
          name: 'passerelle_sftp_refusals_total',
          help: 'Connections, logins and operations refused, by reason',
          labelNames: ['reason'] as const,
          registers,
        }),
    ),
  };
}
