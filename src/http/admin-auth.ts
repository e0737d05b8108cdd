import { timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { AppError, UsageError } from '../errors.js';

/**
 * The guard of the JSON API under /api/v1 until the portal brings logins: `Authorization: Bearer
 * <admin token>`. Without a configured token the API is off (503).
 */
export function requireAdminToken(token: string | undefined): Middleware {
  const wanted = token ? Buffer.from(token) : null;
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    const given = header.startsWith('Bearer ') ? Buffer.from(header.slice(7).trim()) : null;
    if (!wanted) throw new AppError('the API is off: set TOLLGATE_ADMIN_TOKEN', 503, 'api_disabled');
    if (!given || given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
      ctx.set('WWW-Authenticate', 'Bearer');
      throw new AppError('a valid admin bearer token is required', 401, 'unauthorized');
    }
    await next();
  };
}

/** UsageErrors of the domain become 400s with their message. */
export function usageAsBadRequest(err: unknown): never {
  if (err instanceof UsageError) throw new AppError(err.message, 400, 'validation_error');
  throw err;
}
