import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { Db } from './db/knex.js';
import { errorHandler } from './http/error-handler.js';
import { requestLogger } from './http/request-logger.js';
import { healthRoutes, type ReadinessCheck } from './http/health.js';
import type { BudgetEngine } from './budget/engine.js';
import { billingSoapRoutes, type SoapLinePort } from './soap/billing-service.js';
import { budgetRoutes } from './http/budget-routes.js';

export interface AppDeps {
  db: Db;
  log: Logger;
  /** Extra readiness checks (receivers, miner) named in the /readyz answer. */
  readiness?: ReadinessCheck[];
  /** The admin token (API and SOAP); none: those refuse every request. */
  adminToken?: string | undefined;
  budgets?: BudgetEngine | undefined;
  lines?: SoapLinePort | undefined;
  /** Time zone of budgets whose members have no site. */
  defaultTimezone?: string;
}

/** Builds the Koa application. It never listens: `main.ts` does, tests use `app.callback()`. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = false;
  app.use(requestLogger(deps.log));
  app.use(errorHandler());
  const router = new Router();
  healthRoutes(router, deps);
  billingSoapRoutes(router, { db: deps.db, log: deps.log, adminToken: deps.adminToken, budgets: deps.budgets, lines: deps.lines });
  budgetRoutes(router, { db: deps.db, adminToken: deps.adminToken, budgets: deps.budgets, ...(deps.defaultTimezone ? { defaultTimezone: deps.defaultTimezone } : {}) });
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.on('error', (err: Error & { status?: number }, ctx?: Koa.Context) => {
    const log = (ctx?.state as { log?: Logger } | undefined)?.log ?? deps.log;
    if ((err.status ?? 500) >= 500) log.error({ err }, 'request failed');
  });
  return app;
}
