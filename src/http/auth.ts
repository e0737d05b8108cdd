import type { Context, Middleware, Next } from 'koa';
import type { Logger } from 'pino';
import type { TokenService } from '../auth/tokens.js';
import type { Db } from '../db/knex.js';
import { findUserById } from '../db/queries/portal-users.js';
import type { Viewer } from '../db/queries/scoped-calls.js';
import type { DbUserRow } from '../db/tables.js';
import { AppError } from '../errors.js';

export const SESSION_COOKIE = 'tollgate_session';
export const CSRF_COOKIE = 'tollgate_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export interface AuthState {
  user: DbUserRow;
  viewer: Viewer;
  via: 'cookie' | 'bearer' | 'gadget';
  /** The gadget token's id (via `gadget`). */
  tokenId?: string;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Paths a user who must change the password may still use. */
const DURING_PASSWORD_CHANGE = new Set(['/api/me', '/api/me/password', '/api/sessions']);

export function viewerOf(u: DbUserRow): Viewer {
  return {
    id: u.id, level: Number(u.level), scope: u.scope, department: u.department, cost_center: u.cost_center,
    office_location: u.office_location, extra_departments: u.extra_departments,
  };
}

/**
 * Finds the caller of an `/api/` request: a bearer token (API clients) or the session cookie
 * (the portal; state-changing requests must echo the session's CSRF value in `x-csrf-token`).
 * Sets `ctx.state.auth`, or leaves it unset for anonymous requests. A bad, expired or revoked
 * token, or a failed CSRF check, is a 401/403 (logged as a warning), never a silent anonymous.
 */
export function authenticate(deps: { db: Db; tokens: TokenService }): Middleware {
  return async function authenticate(ctx: Context, next: Next) {
    // Logging in is anonymous: a stale or revoked cookie must not stand in its way.
    if (ctx.method === 'POST' && ctx.path === '/api/sessions') return next();
    const header = ctx.get('authorization');
    const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    const cookie = ctx.cookies.get(SESSION_COOKIE);
    const token = bearer ?? cookie;
    if (!token) return next();
    const via = bearer ? 'bearer' : 'cookie';
    const log = (ctx.state as { log?: Logger }).log;
    let claims;
    try {
      claims = deps.tokens.verify(token);
    } catch (err) {
      const expired = (err as Error).name === 'TokenExpiredError';
      log?.warn({ via, reason: (err as Error).message }, 'token refused');
      if (via === 'cookie') clearSessionCookies(ctx);
      throw new AppError(expired ? 'session expired: log in again' : 'invalid token: log in again', 401, expired ? 'token_expired' : 'invalid_token');
    }
    const user = await findUserById({ db: deps.db, id: Number(claims.sub) });
    if (!user || Number(user.token_version) !== claims.ver || user.disabled || Number(user.level) <= 0) {
      log?.warn({ via, userId: claims.sub }, 'revoked token refused');
      if (via === 'cookie') clearSessionCookies(ctx);
      throw new AppError('session ended (logged out, password changed or access removed): log in again', 401, 'token_revoked');
    }
    if (via === 'cookie' && !SAFE.has(ctx.method)) {
      if (claims.kind !== 'portal' || !claims.csrf || ctx.get(CSRF_HEADER) !== claims.csrf) {
        log?.warn({ userId: user.id, path: ctx.path }, 'CSRF check failed');
        throw new AppError(`missing or wrong ${CSRF_HEADER} header (cross-site request refused)`, 403, 'csrf_failed');
      }
    }
    ctx.state.auth = { user, viewer: viewerOf(user), via } satisfies AuthState;
    if (user.must_change_password && !DURING_PASSWORD_CHANGE.has(ctx.path)) {
      throw new AppError('the password must be changed first (POST /api/me/password)', 403, 'password_change_required');
    }
    return next();
  };
}

/** The authenticated caller, or a 401. */
export function authOf(ctx: Context): AuthState {
  const auth = (ctx.state as { auth?: AuthState }).auth;
  if (!auth) throw new AppError('log in first', 401, 'unauthenticated');
  return auth;
}

/** The caller if at least `level`, else 403 (logged). */
export function requireLevel(ctx: Context, level: number): AuthState {
  const auth = authOf(ctx);
  if (auth.viewer.level < level) {
    (ctx.state as { log?: Logger }).log?.warn({ userId: auth.user.id, level: auth.viewer.level, needed: level, path: ctx.path }, 'permission refused');
    throw new AppError(`permission level ${level} needed (yours is ${auth.viewer.level})`, 403, 'forbidden');
  }
  return auth;
}

export function setSessionCookies(ctx: Context, options: { token: string; csrf: string; ttl: number; secure: boolean }): void {
  const common = { sameSite: 'strict' as const, secure: options.secure, maxAge: options.ttl * 1000, path: '/', overwrite: true };
  // Behind a TLS reverse proxy the request itself is plain HTTP: mark the cookies Secure anyway.
  if (options.secure) (ctx.cookies as unknown as { secure: boolean }).secure = true;
  ctx.cookies.set(SESSION_COOKIE, options.token, { ...common, httpOnly: true });
  // Readable by the page's script, which echoes it in x-csrf-token (double submit, bound to the JWT).
  ctx.cookies.set(CSRF_COOKIE, options.csrf, { ...common, httpOnly: false });
}

export function clearSessionCookies(ctx: Context): void {
  ctx.cookies.set(SESSION_COOKIE, '', { maxAge: 0, path: '/', overwrite: true, httpOnly: true, sameSite: 'strict' });
  ctx.cookies.set(CSRF_COOKIE, '', { maxAge: 0, path: '/', overwrite: true, httpOnly: false, sameSite: 'strict' });
}
