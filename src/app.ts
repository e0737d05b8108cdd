import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Db } from './db/knex.js';
import { curriHandler, withCurriFirst, type CurriHandler } from './http/curri.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorHandler } from './http/error-handler.js';
import { requestLogger } from './http/request-logger.js';
import { healthRoutes, type ReadinessCheck } from './http/health.js';
import type { BudgetEngine } from './budget/engine.js';
import { billingSoapRoutes, type SoapLinePort } from './soap/billing-service.js';
import { requireAdminToken } from './http/admin-auth.js';
import { budgetRoutes } from './http/budget-routes.js';
import { reportRoutes } from './http/report-routes.js';
import { lockApiRoutes } from './http/lock-api.js';
import { createMetrics, metricsRoutes, type Metrics } from './http/metrics.js';
import { phoneService } from './http/phone-service.js';
import type { PhoneLockServices } from './phone-lock/create.js';
import { NotFoundError } from './errors.js';
import { randomBytes } from 'node:crypto';
import { authenticate } from './http/auth.js';
import { gadgetAuthenticate } from './http/gadget-auth.js';
import { createGadgetSigner } from './gadgets/gadget-tokens.js';
import { portalApi } from './http/routes/portal-api.js';
import { staticWeb } from './http/static-web.js';
import { defaultPortalDeps, type PortalDeps } from './portal/portal-deps.js';

/** The settings the Phone Lock routes read. */
export type LockSettings = Pick<
  Config,
  'curriPath' | 'curriFailureDecision' | 'curriAnnouncement' | 'curriMaxBodyBytes' | 'curriAllowedNodes' | 'adminToken' | 'pinBlockSeconds'
>;

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
  /** Phone Lock (CURRI, phone service, JSON API); its routes exist only when given. */
  lock?: PhoneLockServices & { settings: LockSettings };
  /** Default: a registry of the app's own. */
  metrics?: Metrics;
  /** Sessions, LDAP, the built front end (defaults: random JWT secret, no LDAP, no front end). */
  portal?: PortalDeps;
}

/** The SOAP API's LockLine/UnlockLine: the `admin` reason of a line. */
function soapLinesOf(lock: PhoneLockServices): SoapLinePort {
  return {
    async setAdminLock(line, on, who) {
      await lock.phoneLock.setLock({ line, reason: 'admin', locked: on, who, channel: 'api' });
      const s = await lock.phoneLock.status(line);
      return { extension: line.extension, partition: line.partition, locked: s.locked, reasons: s.reasons.map((r) => r.reason) };
    },
  };
}

const curriFronts = new WeakMap<Koa, { path: string; handle: CurriHandler }>();

/**
 * The listener a server should use: CURRI requests go straight to their handler (before Koa's
 * context and middleware), everything else to the app. Tests may use `app.callback()`: the app
 * hands CURRI requests to the same handler.
 */
export function requestListener(app: Koa): (req: IncomingMessage, res: ServerResponse) => void {
  const front = curriFronts.get(app);
  const rest = app.callback();
  return front ? withCurriFirst(front.path, front.handle, rest) : rest;
}

/** Builds the Koa application. It never listens: `main.ts` does, tests use `app.callback()`. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = false;
  const metrics = deps.metrics ?? createMetrics();
  const lock = deps.lock;
  if (lock) {
    // First: CUCM's hot path skips the request logger and the JSON error handler; it answers
    // every request itself (always 200 + XACML) and logs what goes wrong.
    const s = lock.settings;
    const handle = curriHandler({
      path: s.curriPath, decide: (req) => lock.phoneLock.decide(req), failureDecision: s.curriFailureDecision,
      ...(s.curriAnnouncement ? { announcement: s.curriAnnouncement } : {}),
      maxBodyBytes: s.curriMaxBodyBytes, allowedNodes: s.curriAllowedNodes, metrics, log: deps.log.child({ component: 'curri' }),
    });
    curriFronts.set(app, { path: s.curriPath, handle });
    app.use(async function curri(ctx, next) {
      if (ctx.path !== s.curriPath) return next();
      ctx.respond = false;
      handle(ctx.req, ctx.res);
    });
  }
  app.use(requestLogger(deps.log));
  if (lock) app.use(phoneService({ ...lock, log: deps.log, blockMinutes: Math.ceil(lock.settings.pinBlockSeconds / 60) }));
  app.use(errorHandler());
  const router = new Router();
  healthRoutes(router, deps);
  metricsRoutes(router, metrics);
  const adminToken = deps.adminToken ?? lock?.settings.adminToken;
  billingSoapRoutes(router, { db: deps.db, log: deps.log, adminToken, budgets: deps.budgets, lines: deps.lines ?? (lock ? soapLinesOf(lock) : undefined) });
  // One guard for the whole JSON API.
  router.use('/api/v1', requireAdminToken(adminToken));
  budgetRoutes(router, { db: deps.db, budgets: deps.budgets, ...(deps.defaultTimezone ? { defaultTimezone: deps.defaultTimezone } : {}) });
  reportRoutes(router, { db: deps.db });
  if (lock) lockApiRoutes(router, { db: deps.db, ...lock });
  app.use(router.routes());
  app.use(router.allowedMethods());
  // The portal: its JSON API under /api/ (callers found by `authenticate`) and the built front end.
  // Phone Lock (/api/v1/lines…, /phone/) and Budget Control mount their own routers here.
  const portal = deps.portal ?? defaultPortalDeps();
  const gadgetSigner = portal.gadgetSigner ?? createGadgetSigner(randomBytes(32).toString('hex'));
  const now = portal.now ?? (() => Math.floor(Date.now() / 1000));
  const api = portalApi({
    db: deps.db, log: deps.log, portal, ...(deps.readiness ? { readiness: deps.readiness } : {}), budgets: deps.budgets, phoneLock: lock?.phoneLock, pins: lock?.pins,
    defaultTimezone: deps.defaultTimezone, gadgetSigner, now, metrics,
  });
  const auth = authenticate({ db: deps.db, tokens: portal.tokens });
  // The gadgets (Jabber tabs, Webex embedded apps) use their own bearer tokens under /api/gadget/.
  const gadgetAuth = gadgetAuthenticate({ db: deps.db, signer: gadgetSigner, now });
  app.use(async function portalAuth(ctx, next) {
    if (ctx.path.startsWith('/api/gadget/')) return gadgetAuth(ctx, next);
    if (ctx.path.startsWith('/api/') && !ctx.path.startsWith('/api/v1/')) return auth(ctx, next);
    return next();
  });
  app.use(api.router.routes());
  app.use(api.router.allowedMethods());
  if (portal.gadgetsDir) app.use(staticWeb(portal.gadgetsDir, { prefix: '/gadgets/' }));
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
