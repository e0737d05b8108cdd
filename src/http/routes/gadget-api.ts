import type { LoginThrottle } from '../../auth/throttle.js';
import { viewerTimeZone } from '../../portal/home.js';
import type Router from '@koa/router';
import { z } from 'zod';
import { authenticateUser } from '../../auth/login.js';
import type { BudgetEngine } from '../../budget/engine.js';
import type { Db } from '../../db/knex.js';
import { findUserByUsername } from '../../db/queries/portal-users.js';
import { findUsersByEmail, revokeGadgetToken, revokeGadgetTokensOfUser } from '../../db/queries/gadget-tokens.js';
import { listScopedCalls } from '../../db/queries/scoped-calls.js';
import type { DbUserRow } from '../../db/tables.js';
import { AppError, NotFoundError } from '../../errors.js';
import { CHART_PERIODS, ownOutgoingChart } from '../../gadgets/call-chart.js';
import { gadgetConfigHelp } from '../../gadgets/config-help.js';
import { gadgetTokenDays, issueGadgetToken, setGadgetTokenDays, TOKEN_DAYS, type GadgetSigner } from '../../gadgets/gadget-tokens.js';
import type { WebexVerifier } from '../../gadgets/webex.js';
import type { PortalDeps } from '../../portal/portal-deps.js';
import type { PhoneLock } from '../../phone-lock/service.js';
import type { ApiRegistry } from '../api-route.js';
import { portalSelfRoutes } from './portal-self.js';
import * as S from './portal-schemas.js';

const gadgetSession = z.object({
  token: z.string().describe('send as Authorization: Bearer on /api/gadget/ requests'),
  expiresAt: z.string(),
  user: z.object({ username: z.string(), name: z.string(), language: z.string(), extension: z.string(), level: z.number() }),
});
const presentGadgetUser = (u: DbUserRow) => ({
  username: u.username, name: [u.first_name, u.last_name].filter(Boolean).join(' '), language: u.language ?? '', extension: u.extension ?? '', level: Number(u.level),
});
const gadgetSettings = z.object({ tokenDays: z.coerce.number().int(`whole days, ${TOKEN_DAYS.min} to ${TOKEN_DAYS.max}`).min(TOKEN_DAYS.min, `at least ${TOKEN_DAYS.min} day`).max(TOKEN_DAYS.max, `at most ${TOKEN_DAYS.max} days`) }).strict();

/**
 * The gadgets' API under /api/gadget/ (gadget tokens, see src/http/gadget-auth.ts): sign-in with
 * portal credentials or a Webex user token, the own calls (through scopedCalls), the outgoing-calls
 * chart, budgets and the own line (lock history channel `gadget`); and, for administrators
 * (portal session, level 10), the token lifetime, revocation and the configuration help.
 */
export function gadgetApiRoutes(router: Router, api: ApiRegistry, deps: {
  db: Db; portal: PortalDeps; throttle: LoginThrottle; signer: GadgetSigner; webex: WebexVerifier | undefined; now: () => number;
  budgets?: BudgetEngine | undefined; phoneLock?: PhoneLock | undefined; defaultTimezone?: string | undefined;
}): void {
  const { db, portal, signer, now } = deps;
  const session = async (user: DbUserRow, via: 'password' | 'webex') => {
    const issued = await issueGadgetToken({ db, signer, user, via, now: now() });
    return { token: issued.token, expiresAt: new Date(issued.expiresAt * 1000).toISOString(), user: presentGadgetUser(user) };
  };

  api.add(router, { method: 'post', path: '/api/gadget/sessions', tag: 'gadget', summary: 'Gadget sign-in with portal credentials (local or LDAP): a gadget token', body: S.loginBody.omit({ kind: true }), response: gadgetSession },
    async ({ ctx, body }) => {
      let user: DbUserRow;
      try {
        user = await authenticateUser({ db, ldap: portal.ldap, throttle: deps.throttle, attributes: portal.ldapAttributes, username: body.username, password: body.password, address: ctx.ip, now: now() });
        const out = await session(user, 'password');
        ctx.state.log?.info({ userId: user.id, username: user.username, via: 'password' }, 'gadget sign-in');
        return out;
      } catch (err) {
        ctx.state.log?.warn({ username: body.username, address: ctx.ip, code: (err as AppError).code }, 'gadget sign-in refused');
        throw err;
      }
    });

  api.add(router, { method: 'post', path: '/api/gadget/webex', tag: 'gadget', summary: 'Gadget sign-in inside the Webex App: the Embedded App SDK user token, verified and mapped to a user by e-mail', body: z.object({ token: z.string().min(20, 'a Webex user token (JWT)').max(20_000) }).strict(), response: gadgetSession },
    async ({ ctx, body }) => {
      if (!deps.webex) throw new AppError('Webex sign-in is not configured (TOLLGATE_WEBEX_APP_IDS)', 409, 'webex_not_configured');
      try {
        const { email } = await deps.webex.verify(body.token);
        const users = await findUsersByEmail({ db, email });
        if (users.length === 0) throw new AppError(`no tollgate user has the e-mail address ${email}`, 401, 'unknown_user');
        if (users.length > 1) throw new AppError(`several tollgate users have the e-mail address ${email}: sign in with your user name`, 401, 'ambiguous_user');
        const out = await session(users[0]!, 'webex');
        ctx.state.log?.info({ userId: users[0]!.id, username: users[0]!.username, via: 'webex' }, 'gadget sign-in');
        return out;
      } catch (err) {
        ctx.state.log?.warn({ address: ctx.ip, code: (err as AppError).code, reason: (err as Error).message }, 'gadget Webex sign-in refused');
        throw err;
      }
    });

  api.add(router, { method: 'delete', path: '/api/gadget/sessions', tag: 'gadget', summary: 'Sign the gadget out: revokes its token', level: 2, token: 'gadget' },
    async ({ auth }) => {
      await revokeGadgetToken({ db, tokenId: auth.tokenId ?? '', now: now() });
      return undefined;
    });

  api.add(router, { method: 'get', path: '/api/gadget/me', tag: 'gadget', summary: 'The signed-in user of a gadget', level: 2, token: 'gadget', response: gadgetSession.shape.user },
    async ({ auth }) => presentGadgetUser(auth.user));

  api.add(router, { method: 'get', path: '/api/gadget/calls', tag: 'gadget', summary: 'The own calls, newest first (incoming, outgoing, missed, internal; or only those with a cost)', level: 2, token: 'gadget',
    query: z.object({ kind: z.enum(['incoming', 'outgoing', 'missed', 'internal']).optional(), costOnly: z.enum(['true', 'false']).default('false'), limit: z.coerce.number().int().min(1).max(200).default(50) }).strict(), response: S.callListOut },
    async ({ query, auth }) => {
      const calls = await listScopedCalls({ db, viewer: auth.viewer, filter: { ownOnly: true, ...(query.kind ? { kind: query.kind } : {}), costOnly: query.costOnly === 'true' }, limit: query.limit });
      return { calls, next: null };
    });

  api.add(router, { method: 'get', path: '/api/gadget/chart', tag: 'gadget', summary: 'The own outgoing calls per hour (today, yesterday) or per day (last 7 days), in the user\'s site time zone', level: 2, token: 'gadget',
    query: z.object({ period: z.enum(CHART_PERIODS).default('today') }).strict() },
    async ({ query, auth }) => ownOutgoingChart({
      db, viewer: auth.viewer, period: query.period, now: now(),
      timeZone: await viewerTimeZone({ db, userId: auth.user.id, fallback: deps.defaultTimezone ?? 'UTC' }),
    }));

  portalSelfRoutes(router, api, { budgets: deps.budgets, phoneLock: deps.phoneLock }, { prefix: '/api/gadget', channel: 'gadget' });

  // ---- administration (portal session, level 10)
  api.add(router, { method: 'get', path: '/api/admin/gadgets', tag: 'admin', summary: 'Gadget token lifetime and the Jabber/Webex configuration values for a base URL', level: 10,
    query: z.object({ base: z.string().trim().max(500).optional().describe('https://host:port the clients reach; default: this request\'s origin') }).strict() },
    async ({ ctx, query }) => {
      let help;
      try {
        help = gadgetConfigHelp(query.base || `${ctx.protocol}://${ctx.host}`);
      } catch (err) {
        throw new AppError(`query.base: ${(err as Error).message}`, 400, 'validation_error');
      }
      return { tokenDays: await gadgetTokenDays(db), limits: { min: TOKEN_DAYS.min, max: TOKEN_DAYS.max }, webexSignIn: deps.webex !== undefined, ...help };
    });

  api.add(router, { method: 'put', path: '/api/admin/gadgets', tag: 'admin', summary: 'Set the lifetime of gadget tokens issued from now on', level: 10, body: gadgetSettings, response: gadgetSettings },
    async ({ ctx, body, auth }) => {
      await setGadgetTokenDays(db, body.tokenDays, now());
      ctx.state.log?.info({ by: auth.user.id, tokenDays: body.tokenDays }, 'gadget token lifetime set');
      return { tokenDays: body.tokenDays };
    });

  api.add(router, { method: 'post', path: '/api/admin/gadgets/revoke', tag: 'admin', summary: "Revoke every gadget token of a user (effective at once)", level: 10,
    body: z.object({ username: z.string().trim().min(1, 'required').max(128) }).strict(), response: z.object({ revoked: z.number() }) },
    async ({ ctx, body, auth }) => {
      const user = await findUserByUsername({ db, username: body.username });
      if (!user) throw NotFoundError(`user ${JSON.stringify(body.username)}`);
      const revoked = await revokeGadgetTokensOfUser({ db, userId: user.id, now: now() });
      ctx.state.log?.info({ by: auth.user.id, userId: user.id, revoked }, 'gadget tokens revoked');
      return { revoked };
    });
}
