import { timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import getRawBody from 'raw-body';
import { AppError, UsageError } from '../errors.js';

/**
 * The admin JSON API's guard until the portal brings logins: `Authorization: Bearer <admin token>`.
 * Without a configured token every request is refused.
 */
export function requireAdminToken(token: string | undefined): Middleware {
  const wanted = token ? Buffer.from(token) : null;
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    const given = header.startsWith('Bearer ') ? Buffer.from(header.slice(7).trim()) : null;
    if (!wanted) throw new AppError('the admin API is off: set TOLLGATE_ADMIN_TOKEN', 401, 'unauthorized');
    if (!given || given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
      ctx.set('WWW-Authenticate', 'Bearer');
      throw new AppError('a valid admin bearer token is required', 401, 'unauthorized');
    }
    await next();
  };
}

/** The request's JSON body (at most 1 MB), or a 400 naming the problem. */
export async function jsonBody(ctx: { req: NodeJS.ReadableStream & { headers: Record<string, unknown> } }): Promise<unknown> {
  let text: string;
  try {
    text = await getRawBody(ctx.req as never, { limit: '1mb', encoding: 'utf8' });
  } catch (err) {
    const status = (err as { status?: number }).status === 413 ? 413 : 400;
    throw new AppError(status === 413 ? 'the body is larger than 1 MB' : 'unreadable request body', status, 'bad_request');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AppError(`the body is not valid JSON: ${(err as Error).message}`, 400, 'bad_request');
  }
}

/** UsageErrors of the domain become 400s with their message. */
export function usageAsBadRequest(err: unknown): never {
  if (err instanceof UsageError) throw new AppError(err.message, 400, 'validation_error');
  throw err;
}
