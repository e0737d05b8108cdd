import { findSiteByCode } from '../../db/queries/sites.js';
import Router from '@koa/router';
import type { Logger } from 'pino';
import { z } from 'zod';
import { authenticateUser } from '../../auth/login.js';
import { createLoginThrottle } from '../../auth/throttle.js';
import { reprocessDiscarded, REPROCESSABLE } from '../../billing/reprocess.js';
import { hashPassword, passwordProblem, randomPassword, verifyPassword } from '../../auth/passwords.js';
import type { Db } from '../../db/knex.js';
import { bumpTokenVersion, deleteUser, devicesOfUsers, findUserById, findUserByUsername, searchUsers, setPassword, updateAccount } from '../../db/queries/portal-users.js';
import { findScopedCall, listScopedCalls } from '../../db/queries/scoped-calls.js';
import { homeData, viewerTimeZone } from '../../portal/home.js';
import { callExport } from '../../portal/call-export.js';
import { streamOutput } from '../report-stream.js';
import { siteStatus } from '../../db/queries/site-status.js';
import type { DbUserRow } from '../../db/tables.js';
import { AppError, NotFoundError } from '../../errors.js';
import type { PortalDeps } from '../../portal/portal-deps.js';
import { dashboardLayout, parseLayout, WIDGET_IDS, WIDGETS, widgetData, type WidgetId } from '../../portal/dashboard.js';
import { exportUsersCsv, importUsersCsv, loadPresentedUser, presentUser, saveUser } from '../../portal/users-admin.js';
import { createApiRegistry, openApiDocument, type ApiRegistry } from '../api-route.js';
import type { ReadinessCheck } from '../health.js';
import type { Metrics } from '../metrics.js';
import { serviceStatus } from '../../portal/service-status.js';
import { adminApi } from './admin-api.js';
import { portalReportRoutes } from './portal-reports.js';
import { portalScheduleRoutes } from './portal-schedules.js';
import { portalSelfRoutes } from './portal-self.js';
import { portalManageRoutes } from './portal-manage.js';
import { gadgetApiRoutes } from './gadget-api.js';
import { revokeGadgetTokensOfUser } from '../../db/queries/gadget-tokens.js';
import type { GadgetSigner } from '../../gadgets/gadget-tokens.js';
import type { PinService } from '../../phone-lock/pin-service.js';
import type { BudgetEngine } from '../../budget/engine.js';
import type { PhoneLock } from '../../phone-lock/service.js';
import { clearSessionCookies, setSessionCookies } from '../auth.js';
import { readText } from '../body.js';
import { parseInput } from '../validate.js';
import * as S from './portal-schemas.js';

/**
 * The portal's JSON API under /api/: sessions, the caller (`me`), users, calls, home and system
 * status. Handlers validate, call one domain or query function and shape the answer. Every call
 * query goes through `scopedCalls` (src/db/queries/scoped-calls.ts).
 */
export function portalApi(deps: {
  db: Db; log: Logger; portal: PortalDeps; readiness?: ReadinessCheck[]; budgets?: BudgetEngine | undefined; phoneLock?: PhoneLock | undefined;
  pins?: PinService | undefined; defaultTimezone?: string | undefined; gadgetSigner: GadgetSigner; now: () => number; metrics?: Metrics | undefined;
}): { router: Router; registry: ApiRegistry } {
  const { db, portal } = deps;
  const router = new Router({ prefix: '' });
  const api = createApiRegistry();
  const now = deps.now;
  const throttle = createLoginThrottle({ db, ...portal.throttle, now });
  /** Users, extensions and devices feed Phone Lock's directory: reload it after a change rather than at the next refresh. */
  const refreshLock = async () => deps.phoneLock?.refreshDirectory().catch((err: Error) => deps.log.warn({ err: err.message }, 'Phone Lock directory not reread after a user change'));
  const zoneOf = (userId: number) => viewerTimeZone({ db, userId, fallback: deps.defaultTimezone ?? 'UTC' });

  function issueSession(ctx: Parameters<Parameters<ApiRegistry['add']>[2]>[0]['ctx'], user: DbUserRow, kind: 'portal' | 'api') {
    const issued = portal.tokens.issue({ userId: user.id, version: Number(user.token_version), kind });
    if (kind === 'portal') setSessionCookies(ctx, { token: issued.token, csrf: issued.csrf!, ttl: portal.sessionTtl, secure: portal.cookieSecure });
    return issued;
  }

  // ---- sessions and the caller
  api.add(router, { method: 'post', path: '/api/sessions', tag: 'sessions', summary: 'Log in (local or LDAP); a portal session cookie or an API bearer token', body: S.loginBody, response: S.sessionOut },
    async ({ ctx, body }) => {
      let user: DbUserRow;
      try {
        user = await authenticateUser({ db, ldap: portal.ldap, throttle, attributes: portal.ldapAttributes, username: body.username, password: body.password, address: ctx.ip, now: now() });
      } catch (err) {
        ctx.state.log?.warn({ username: body.username, address: ctx.ip, code: (err as AppError).code }, 'login refused');
        throw err;
      }
      ctx.state.log?.info({ userId: user.id, username: user.username, kind: body.kind, source: user.auth_source }, 'login');
      const issued = issueSession(ctx, user, body.kind);
      return {
        user: await loadPresentedUser(db, user),
        expiresAt: new Date(issued.expiresAt * 1000).toISOString(),
        ...(body.kind === 'portal' ? { csrfToken: issued.csrf } : { token: issued.token }),
      };
    });

  api.add(router, { method: 'delete', path: '/api/sessions', tag: 'sessions', summary: 'Log out: ends every session and token of the caller', level: 0 },
    async ({ ctx, auth }) => {
      await bumpTokenVersion({ db, id: auth.user.id });
      clearSessionCookies(ctx);
      ctx.state.log?.info({ userId: auth.user.id }, 'logout');
      return undefined;
    });

  api.add(router, { method: 'get', path: '/api/me', tag: 'me', summary: 'The logged-in user', level: 0, response: S.userOut },
    async ({ auth }) => loadPresentedUser(db, auth.user));

  api.add(router, { method: 'patch', path: '/api/me', tag: 'me', summary: 'Change the own language', level: 0, body: S.mePatch, response: S.userOut },
    async ({ auth, body }) => {
      await updateAccount({ db, id: auth.user.id, patch: { language: body.language }, now: now() });
      return loadPresentedUser(db, (await findUserById({ db, id: auth.user.id }))!);
    });

  api.add(router, { method: 'post', path: '/api/me/password', tag: 'me', summary: 'Change the own password (required at first login); ends other sessions', level: 0, body: S.passwordBody, response: S.sessionOut },
    async ({ ctx, auth, body }) => {
      const user = auth.user;
      if (user.auth_source !== 'local') throw new AppError('directory (LDAP) passwords are changed in the directory', 400, 'validation_error');
      if (!(await verifyPassword(body.currentPassword, user.password_hash))) throw new AppError('body.currentPassword: wrong current password', 400, 'validation_error');
      const problem = passwordProblem(body.newPassword, user.username);
      if (problem) throw new AppError(`body.newPassword: ${problem}`, 400, 'validation_error');
      if (body.newPassword === body.currentPassword) throw new AppError('body.newPassword: must differ from the current password', 400, 'validation_error');
      await db.transaction(async (tx) => {
        await setPassword({ db: tx, id: user.id, hash: await hashPassword(body.newPassword), mustChange: false, now: now() });
        // A new password also ends the gadgets' sign-ins (a portal logout does not).
        await revokeGadgetTokensOfUser({ db: tx, userId: user.id, now: now() });
      });
      const fresh = (await findUserById({ db, id: user.id }))!;
      ctx.state.log?.info({ userId: user.id }, 'password changed');
      const issued = issueSession(ctx, fresh, auth.via === 'cookie' ? 'portal' : 'api');
      return {
        user: await loadPresentedUser(db, fresh), expiresAt: new Date(issued.expiresAt * 1000).toISOString(),
        ...(auth.via === 'cookie' ? { csrfToken: issued.csrf } : { token: issued.token }),
      };
    });

  // ---- users (level 10)
  api.add(router, { method: 'get', path: '/api/users', tag: 'users', summary: 'Search users', level: 10, query: S.userListQuery, response: S.userListOut },
    async ({ query }) => {
      const { total, users } = await searchUsers({ db, search: {
        ...(query.q ? { q: query.q } : {}), ...(query.department !== undefined ? { department: query.department } : {}),
        ...(query.cost_center !== undefined ? { costCenter: query.cost_center } : {}), ...(query.site !== undefined ? { site: query.site } : {}),
        ...(query.level !== undefined ? { level: query.level } : {}), ...(query.source ? { authSource: query.source } : {}),
        limit: query.limit, offset: query.offset,
      } });
      const devices = await devicesOfUsers({ db, userIds: users.map((u) => u.id) });
      return { total, users: users.map((u) => presentUser(u, devices.get(u.id) ?? [])) };
    });

  api.add(router, { method: 'get', path: '/api/users/export', tag: 'users', summary: 'All users as CSV or TSV for Excel (UTF-8 BOM, CRLF)', level: 10, query: S.exportQuery, produces: 'text/csv' },
    async ({ ctx, query }) => {
      ctx.type = query.format === 'tsv' ? 'text/tab-separated-values; charset=utf-8' : 'text/csv; charset=utf-8';
      ctx.attachment(`users.${query.format}`);
      return exportUsersCsv({ db, format: query.format, delimiter: query.delimiter });
    });

  api.add(router, { method: 'post', path: '/api/users/import', tag: 'users', summary: 'Import users from CSV/TSV; with any bad line nothing is imported unless partial=true', level: 10, query: S.importQuery, textBody: 'text/csv', response: S.importOut },
    async ({ ctx, query, auth }) => {
      const text = await readText(ctx, 20 * 1024 * 1024);
      try {
        const result = await importUsersCsv({ db, text, partial: query.partial, now: now() });
        await refreshLock();
        ctx.state.log?.info({ by: auth.user.id, imported: result.imported, problems: result.problems.length }, 'users imported');
        return result;
      } catch (err) {
        ctx.state.log?.warn({ by: auth.user.id, code: (err as AppError).code }, 'user import refused');
        throw err;
      }
    });

  api.add(router, { method: 'post', path: '/api/users/sync', tag: 'users', summary: 'Run AD/LDAP sync now', level: 10 },
    async () => {
      if (!portal.syncDirectory) throw new AppError('LDAP is not configured (TOLLGATE_LDAP_URL)', 409, 'ldap_not_configured');
      const result = await portal.syncDirectory();
      await refreshLock();
      return result;
    });

  api.add(router, { method: 'post', path: '/api/users', tag: 'users', summary: 'Create a user', level: 10, body: S.userCreate, response: S.userOut },
    async ({ ctx, body, auth }) => {
      if (await findUserByUsername({ db, username: body.username })) throw new AppError(`body.username: ${JSON.stringify(body.username)} already exists`, 409, 'conflict');
      if (body.password) {
        const problem = passwordProblem(body.password, body.username);
        if (problem) throw new AppError(`body.password: ${problem}`, 400, 'validation_error');
      }
      const id = await saveUser({ db, user: body, now: now() });
      await refreshLock();
      ctx.status = 201;
      ctx.state.log?.info({ by: auth.user.id, userId: id }, 'user created');
      return loadPresentedUser(db, (await findUserById({ db, id }))!);
    });

  async function target(params: Record<string, string>): Promise<DbUserRow> {
    const id = parseInput(S.idParam, params.id, 'path');
    const user = await findUserById({ db, id });
    if (!user) throw NotFoundError(`user ${id}`);
    return user;
  }

  api.add(router, { method: 'get', path: '/api/users/{id}', tag: 'users', summary: 'One user', level: 10, response: S.userOut },
    async ({ params }) => loadPresentedUser(db, await target(params)));

  api.add(router, { method: 'patch', path: '/api/users/{id}', tag: 'users', summary: 'Edit a user', level: 10, body: S.userPatch, response: S.userOut },
    async ({ ctx, params, body: parsed, raw, auth }) => {
      const user = await target(params);
      // Only the fields the request names change (the schema's defaults must not blank the others).
      const sent = new Set(Object.keys(raw as object));
      const body = Object.fromEntries(Object.entries(parsed).filter(([k]) => sent.has(k))) as typeof parsed;
      if (user.id === auth.user.id && body.level !== undefined && body.level < 10) throw new AppError('body.level: you cannot lower your own level', 400, 'validation_error');
      if (user.id === auth.user.id && body.disabled === true) throw new AppError('body.disabled: you cannot disable yourself', 400, 'validation_error');
      const current = await loadPresentedUser(db, user);
      const merged = {
        ...Object.fromEntries(Object.entries(current).filter(([k]) => !['id', 'custom', 'auth_source', 'must_change_password', 'last_login_at', 'manager'].includes(k))),
        ...Object.fromEntries(current.custom.map((v, i) => [`custom_${i + 1}`, v])),
        ...body,
        username: user.username,
      };
      const full = parseInput(S.userCreate.omit({ password: true }), { ...merged, site: merged.site ?? undefined }, 'body');
      await saveUser({ db, user: full, now: now() });
      await refreshLock();
      ctx.state.log?.info({ by: auth.user.id, userId: user.id, fields: Object.keys(body) }, 'user edited');
      return loadPresentedUser(db, (await findUserById({ db, id: user.id }))!);
    });

  api.add(router, { method: 'delete', path: '/api/users/{id}', tag: 'users', summary: 'Delete a user (their calls stay, without an owner)', level: 10 },
    async ({ ctx, params, auth }) => {
      const user = await target(params);
      if (user.id === auth.user.id) throw new AppError('you cannot delete yourself', 400, 'validation_error');
      await db.transaction((tx) => deleteUser({ db: tx, id: user.id }));
      await refreshLock();
      ctx.state.log?.info({ by: auth.user.id, userId: user.id }, 'user deleted');
      return undefined;
    });

  api.add(router, { method: 'post', path: '/api/users/{id}/password', tag: 'users', summary: 'Reset a local password (random when none given); must be changed at next login', level: 10, body: S.passwordResetBody, response: z.object({ password: z.string().optional() }) },
    async ({ ctx, params, body, auth }) => {
      const user = await target(params);
      const password = body.password ?? randomPassword();
      const problem = passwordProblem(password, user.username);
      if (problem) throw new AppError(`body.password: ${problem}`, 400, 'validation_error');
      await db.transaction(async (tx) => {
        await updateAccount({ db: tx, id: user.id, patch: { auth_source: 'local' }, now: now() });
        await setPassword({ db: tx, id: user.id, hash: await hashPassword(password), mustChange: true, now: now() });
        await revokeGadgetTokensOfUser({ db: tx, userId: user.id, now: now() });
      });
      ctx.state.log?.info({ by: auth.user.id, userId: user.id }, 'password reset');
      return body.password ? {} : { password };
    });

  // ---- calls (every level ≥ 2; what is visible is decided by scopedCalls)
  const filterOf = (q: z.infer<typeof S.callFilterQuery>) => ({
    ...(q.from !== undefined ? { from: q.from } : {}), ...(q.to !== undefined ? { to: q.to } : {}), ...(q.number ? { number: q.number } : {}),
    ...(q.extension ? { extension: q.extension } : {}), ...(q.user ? { user: q.user } : {}), ...(q.department ? { department: q.department } : {}),
    ...(q.kind ? { kind: q.kind } : {}), ...(q.destination_type ? { destinationType: q.destination_type } : {}), ...(q.site ? { site: q.site } : {}),
  });

  /**
   * A level-2 caller naming another user in a filter is refused (and logged) rather than answered
   * with nothing; the result would be empty anyway, since every query goes through scopedCalls.
   */
  function refuseForeignFilter(ctx: Parameters<Parameters<ApiRegistry['add']>[2]>[0]['ctx'], auth: { user: DbUserRow; viewer: { level: number } }, q: { user?: string | undefined }) {
    if (auth.viewer.level < 6 && q.user && q.user.toLowerCase() !== auth.user.username.toLowerCase()) {
      ctx.state.log?.warn({ userId: auth.user.id, filterUser: q.user, path: ctx.path }, 'call filter outside the permission level refused');
      throw new AppError(`query.user: level ${auth.viewer.level} sees only its own calls (got ${JSON.stringify(q.user)})`, 403, 'forbidden');
    }
  }

  api.add(router, { method: 'get', path: '/api/calls', tag: 'calls', summary: 'Calls visible to the caller, newest first, with filters', level: 2, query: S.callListQuery, response: S.callListOut },
    async ({ ctx, query, auth }) => {
      refuseForeignFilter(ctx, auth, query);
      const calls = await listScopedCalls({ db, viewer: auth.viewer, filter: filterOf(query), limit: query.limit, ...(query.before ? { before: query.before } : {}) });
      return { calls, next: calls.length === query.limit ? calls[calls.length - 1]!.id : null };
    });

  api.add(router, { method: 'get', path: '/api/calls/export', tag: 'calls', summary: "Visible calls as CSV or Excel (same filters; streamed; times in the user's time zone)", level: 2, query: S.callExportQuery, produces: 'text/csv' },
    async ({ ctx, query, auth }) => {
      refuseForeignFilter(ctx, auth, query);
      const { format, ...filter } = query;
      streamOutput(ctx, callExport({ db, viewer: auth.viewer, filter: filterOf(filter), timeZone: await zoneOf(auth.user.id) }), format, 'calls');
      return undefined;
    });

  api.add(router, { method: 'get', path: '/api/calls/{id}', tag: 'calls', summary: 'One visible call (404 when it is not visible to the caller)', level: 2, response: S.callOut },
    async ({ ctx, params, auth }) => {
      const id = parseInput(S.idParam, params.id, 'path');
      const call = await findScopedCall({ db, viewer: auth.viewer, id });
      if (!call) {
        ctx.state.log?.warn({ userId: auth.user.id, callId: id }, 'call not found or not visible');
        throw NotFoundError(`call ${id}`);
      }
      return call;
    });

  // ---- home
  api.add(router, { method: 'get', path: '/api/home', tag: 'home', summary: "Own last calls and this month's summary (month and day of the user's site time zone)", level: 2, query: S.homeQuery, response: S.homeOut },
    async ({ query, auth }) => homeData({ db, viewer: auth.viewer, limit: query.limit, now: now(), timeZone: await zoneOf(auth.user.id) }));

  // ---- dashboard (level 2): the widget catalogue, each widget's data, and the caller's saved layout
  api.add(router, { method: 'get', path: '/api/dashboard/widgets', tag: 'dashboard', summary: 'The widget catalogue', level: 2 },
    async () => ({ widgets: WIDGET_IDS.map((id) => ({ id, chart: WIDGETS[id].chart, period: WIDGETS[id].period })) }));

  api.add(router, { method: 'get', path: '/api/dashboard/widgets/{id}', tag: 'dashboard', summary: "One widget's data over the caller's visible calls", level: 2 },
    async ({ params, auth }) => {
      const id = parseInput(z.enum(WIDGET_IDS), params.id, 'path') as WidgetId;
      return widgetData({ db, viewer: auth.viewer, id, now: new Date(), timeZone: await zoneOf(auth.user.id) });
    });

  api.add(router, { method: 'get', path: '/api/me/dashboard', tag: 'dashboard', summary: 'The caller\'s dashboard layout', level: 2, response: dashboardLayout },
    async ({ auth }) => parseLayout(auth.user.dashboard));

  api.add(router, { method: 'put', path: '/api/me/dashboard', tag: 'dashboard', summary: 'Save the caller\'s dashboard layout (widgets, zones, minimised)', level: 2, body: dashboardLayout, response: dashboardLayout },
    async ({ body, auth }) => {
      await updateAccount({ db, id: auth.user.id, patch: { dashboard: JSON.stringify(body) }, now: now() });
      return body;
    });

  // ---- system status (level 10)
  api.add(router, { method: 'get', path: '/api/status', tag: 'status', summary: 'Per site: files, rows, stored, discarded by reason, undefined extensions; services (receivers, miner, scheduler), CURRI decisions since start, report schedules', level: 10 },
    async () => ({ sites: await siteStatus({ db }), ...(await serviceStatus({ db, readiness: deps.readiness ?? [], metrics: deps.metrics })) }));

  adminApi(router, api, { db, log: deps.log, phoneLock: deps.phoneLock });

  api.add(router, { method: 'post', path: '/api/status/reprocess', tag: 'status', summary: 'Reprocess discarded calls (after adding users, extensions or sites)', level: 10,
    body: z.object({ site: z.string().trim().min(1).optional(), reasons: z.array(z.enum(REPROCESSABLE as unknown as [string, ...string[]])).optional() }).strict(),
    response: z.object({ examined: z.number(), stored: z.number(), stillDiscarded: z.number() }) },
    async ({ ctx, body, auth }) => {
      if (body.site && !(await findSiteByCode({ db, code: body.site }))) throw NotFoundError(`site ${body.site}`);
      const result = await reprocessDiscarded({ db, log: ctx.state.log ?? deps.log, ...(body.site ? { siteCode: body.site } : {}), ...(body.reasons ? { reasons: body.reasons } : {}) });
      ctx.state.log?.info({ by: auth.user.id, ...result }, 'discarded calls reprocessed');
      return result;
    });

  router.get('/api/openapi.json', (ctx) => {
    ctx.body = openApiDocument(api, { version: '0.1.0' });
  });
  portalReportRoutes(router, api, { db, now });
  portalScheduleRoutes(router, api, { db });
  portalSelfRoutes(router, api, { budgets: deps.budgets, phoneLock: deps.phoneLock });
  portalManageRoutes(router, api, { db, budgets: deps.budgets, phoneLock: deps.phoneLock, pins: deps.pins, defaultTimezone: deps.defaultTimezone, now });
  gadgetApiRoutes(router, api, { db, portal, throttle, defaultTimezone: deps.defaultTimezone, signer: deps.gadgetSigner, webex: portal.webex, now: deps.now, budgets: deps.budgets, phoneLock: deps.phoneLock });
  return { router, registry: api };
}
