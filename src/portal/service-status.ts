import type { Db } from '../db/knex.js';
import type { ReadinessCheck } from '../http/health.js';
import type { Metrics } from '../http/metrics.js';
import { listSchedules } from '../reports/scheduler.js';

/**
 * The service part of the status page: each readiness check (receivers, miner, scheduler), the
 * CURRI decisions counted since start (by decision and reason) and the report scheduler's state
 * (enabled schedules, next run, last failures).
 */
export async function serviceStatus(options: { db: Db; readiness: readonly ReadinessCheck[]; metrics: Metrics | undefined }) {
  const services: Record<string, string> = {};
  for (const c of options.readiness) {
    try {
      services[c.name] = (await c.check()) ?? 'ok';
    } catch (err) {
      services[c.name] = (err as Error).message;
    }
  }
  const decisions = options.metrics ? (await options.metrics.curriDecisions.get()).values : [];
  const curri = decisions.map((v) => ({ decision: String(v.labels.decision ?? ''), why: String(v.labels.why ?? ''), count: v.value }))
    .filter((d) => d.count > 0).sort((a, b) => b.count - a.count);
  const schedules = (await listSchedules({ db: options.db })).filter((s) => s.enabled);
  const next = schedules.reduce<number | null>((m, s) => (m === null || s.nextRunAt < m ? s.nextRunAt : m), null);
  return {
    services,
    curri: { total: curri.reduce((n, d) => n + d.count, 0), decisions: curri },
    scheduler: {
      enabled: schedules.length,
      nextRunAt: next === null ? null : new Date(next * 1000).toISOString(),
      failing: schedules.filter((s) => s.lastStatus === 'failed').map((s) => s.name),
    },
  };
}
