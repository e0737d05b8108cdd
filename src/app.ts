import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { Db } from './db/knex.js';
import { NotFoundError } from './errors.js';
import { errorHandler } from './http/error-handler.js';
import { requestLogger } from './http/request-logger.js';
import { healthRoutes, type ReadinessCheck } from './http/health.js';
import { authenticate } from './http/auth.js';
import { portalApi } from './http/routes/portal-api.js';
import { staticWeb } from './http/static-web.js';
import { defaultPortalDeps, type PortalDeps } from './portal/portal-deps.js';

export interface AppDeps {
  db: Db;
  log: Logger;
  /** Extra readiness checks (receivers, miner) named in the /readyz answer. */
  readiness?: ReadinessCheck[];
  /** Sessions, LDAP, the built front end (defaults: random JWT secret, no LDAP, no front end). */
  portal?: PortalDeps;
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
  // The portal: its JSON API under /api/ (callers found by `authenticate`) and the built front end.
  // Phone Lock (/api/v1/lines…, /phone/) and Budget Control mount their own routers here.
  const portal = deps.portal ?? defaultPortalDeps();
  const api = portalApi({ db: deps.db, log: deps.log, portal, ...(deps.readiness ? { readiness: deps.readiness } : {}) });
  const auth = authenticate({ db: deps.db, tokens: portal.tokens });
  app.use(async function portalAuth(ctx, next) {
    if (ctx.path.startsWith('/api/') && !ctx.path.startsWith('/api/v1/')) return auth(ctx, next);
    return next();
  });
  app.use(api.router.routes());
  app.use(api.router.allowedMethods());
  if (portal.webDir) app.use(staticWeb(portal.webDir));
  // Keep last: an /api/ path nothing answered is a JSON 404, not Koa's text one.
  app.use(async function apiNotFound(ctx, next) {
    await next();
    if (ctx.path.startsWith('/api/') && ctx.body === undefined && ctx.status === 404) throw NotFoundError(`${ctx.method} ${ctx.path}`);
  });
  app.on('error', (err: Error & { status?: number }, ctx?: Koa.Context) => {
    const log = (ctx?.state as { log?: Logger } | undefined)?.log ?? deps.log;
    if ((err.status ?? 500) >= 500) log.error({ err }, 'request failed');
  });
  return app;
}
