import type Router from '@koa/router';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Why a CURRI call continued or was rejected (a label of `tollgate_curri_decisions_total`). */
export type CurriWhy = 'emergency' | 'not-locked' | 'internal' | 'allow-list' | 'locked' | 'failure';
const CURRI_WHY: readonly CurriWhy[] = ['emergency', 'not-locked', 'internal', 'allow-list', 'locked', 'failure'];

/** The metrics of one app: a registry of its own (tests build many apps in one process). */
export interface Metrics {
  registry: Registry;
  curriDecisions: Counter<'decision' | 'why'>;
  curriLatency: Histogram<'decision'>;
  /**
   * Counts one CURRI decision in `curriDecisions`. Counted in plain numbers and added to the
   * counter when the metrics are read (prom-client's `inc` builds a label key string per call,
   * and this runs for every call CUCM routes).
   */
  countCurriDecision(decision: 'continue' | 'reject', why: CurriWhy): void;
}

export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'tollgate_' });
  const zeros = () => Object.fromEntries(CURRI_WHY.map((w) => [w, 0])) as Record<CurriWhy, number>;
  const pending = { continue: zeros(), reject: zeros() };
  return {
    registry,
    curriDecisions: new Counter({
      name: 'tollgate_curri_decisions_total',
      help: 'CURRI routing decisions by decision (continue, reject) and why (emergency, not-locked, internal, allow-list, locked, failure)',
      labelNames: ['decision', 'why'],
      registers: [registry],
      collect() {
        for (const decision of ['continue', 'reject'] as const) {
          for (const why of CURRI_WHY) {
            const n = pending[decision][why];
            if (n === 0) continue;
            pending[decision][why] = 0;
            this.inc({ decision, why }, n);
          }
        }
      },
    }),
    curriLatency: new Histogram({
      name: 'tollgate_curri_decision_seconds',
      help: 'Time from the start of a CURRI request to its answer, body read included',
      labelNames: ['decision'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers: [registry],
    }),
    countCurriDecision(decision, why) {
      pending[decision][why]++;
    },
  };
}

/** `GET /metrics` in the Prometheus text format. */
export function metricsRoutes(router: Router, metrics: Metrics): void {
  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
}
