import type { Middleware } from 'koa';
import { AppError } from '../errors.js';

/** Turns any error into `{ error: { code, message } }`; unknown errors become an opaque 500. */
export function errorHandler(): Middleware {
  return async function errorHandler(ctx, next) {
    try {
      await next();
    } catch (err) {
      const e = err as Error & { status?: number; expose?: boolean; code?: string };
      const status = e instanceof AppError ? e.status : typeof e.status === 'number' ? e.status : 500;
      const expose = e instanceof AppError ? e.expose : (e.expose ?? status < 500);
      ctx.status = status;
      const details = expose ? (e as { details?: unknown }).details : undefined;
      ctx.body = { error: { code: e instanceof AppError ? e.code : status >= 500 ? 'internal_error' : 'bad_request', message: expose ? e.message : 'internal error', ...(details !== undefined ? { details } : {}) } };
      if (status === 429 && e instanceof AppError && (e as { retryAfter?: number }).retryAfter) ctx.set('Retry-After', String((e as { retryAfter?: number }).retryAfter));
      ctx.app.emit('error', err, ctx);
    }
  };
}
