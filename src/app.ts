import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { Db } from './db/knex.js';
import { errorHandler } from './http/error-handler.js';
import { requestLogger } from './http/request-logger.js';
import { healthRoutes, type ReadinessCheck } from './http/health.js';

export interface AppDeps {
  db: Db;
  log: Logger;
  /** Extra readiness checks (receivers, miner) named in the /readyz answer. */
  readiness?: ReadinessCheck[];
}

/** Builds the Koa application. It never listens: `main.ts` does, tests use `app.callback()`. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = false;
  app.use(requestLogger(deps.log));
  app.use(errorHandler());
  const router = new Router();
  healthRoutes(router, deps);
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.on('error', (err: Error & { status?: number }, ctx?: Koa.Context) => {
    const log = (ctx?.state as { log?: Logger } | undefined)?.log ?? deps.log;
    if ((err.status ?? 500) >= 500) log.error({ err }, 'request failed');
  });
  return app;
}
