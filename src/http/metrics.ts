import type Router from '@koa/router';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The metrics of one app: a registry of its own (tests build many apps in one process). */
export interface Metrics {
  registry: Registry;
  curriDecisions: Counter<'decision' | 'why'>;
  curriLatency: Histogram<'decision'>;
}

export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'tollgate_' });
  return {
    registry,
    curriDecisions: new Counter({
      name: 'tollgate_curri_decisions_total',
      help: 'CURRI routing decisions by decision (continue, reject) and why (emergency, not-locked, internal, allow-list, locked, failure)',
      labelNames: ['decision', 'why'],
      registers: [registry],
    }),
    curriLatency: new Histogram({
      name: 'tollgate_curri_decision_seconds',
      help: 'Time from the start of a CURRI request to its answer, body read included',
      labelNames: ['decision'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers: [registry],
    }),
  };
}

/** `GET /metrics` in the Prometheus text format. */
export function metricsRoutes(router: Router, metrics: Metrics): void {
  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
}
