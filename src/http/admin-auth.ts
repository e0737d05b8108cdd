import { timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { AppError, UsageError } from '../errors.js';

/** Compares a given secret with the expected one in constant time. */
export function sameSecret(given: string, wanted: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(wanted);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The guard of the JSON API under /api/v1 until the portal brings logins: `Authorization: Bearer
 * <admin token>`. Without a configured token the API is off (503).
 */
export function requireAdminToken(token: string | undefined): Middleware {
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    if (!token) throw new AppError('the API is off: set TOLLGATE_ADMIN_TOKEN', 503, 'api_disabled');
    if (!header.startsWith('Bearer ') || !sameSecret(header.slice(7).trim(), token)) {
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
