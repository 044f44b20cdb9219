/** Prometheus metrics of the daemon (one registry; transports add their own metrics to it). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface DaemonMetrics {
  registry: Registry;
  flowsReceived: Counter<'partner' | 'box' | 'transport'>;
  flowsConcluded: Counter<'state'>;
  flowDuration: Histogram<'box'>;
  flowsByState: Gauge<'state'>;
}

/**
 * `partnerLabels` adds the partner code to the flow counters; off by default, because /metrics is not
 * authenticated and partner codes with their volumes are the partners' business.
 */
export function createMetrics(opts: { partnerLabels?: boolean } = {}): DaemonMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'passerelle_' });
  return {
    registry,
    flowsReceived: new Counter({
      name: 'passerelle_flows_received_total',
      help: 'Flows taken in',
      labelNames: opts.partnerLabels ? ['partner', 'box', 'transport'] : ['box', 'transport'],
      registers: [registry],
    }),
    flowsConcluded: new Counter({
      name: 'passerelle_flows_concluded_total',
      help: 'Flows that reached a final or waiting state',
      labelNames: ['state'],
      registers: [registry],
    }),
    flowDuration: new Histogram({
      name: 'passerelle_flow_processing_seconds',
      help: 'Time from the job start to the compte-rendu',
      labelNames: ['box'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    flowsByState: new Gauge({
      name: 'passerelle_flows',
      help: 'Flows in the database by state',
      labelNames: ['state'],
      registers: [registry],
    }),
  };
}
