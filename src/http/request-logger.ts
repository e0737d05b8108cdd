import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';

/** Gives each request a child logger with a request id, and logs one line when it ends. */
export function requestLogger(log: Logger): Middleware {
  return async function requestLogger(ctx, next) {
    const reqId = (ctx.get('x-request-id') || randomUUID()).slice(0, 64);
    const reqLog = log.child({ reqId });
    ctx.state.log = reqLog;
    ctx.set('X-Request-Id', reqId);
    const start = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      // The path only: query strings may carry PINs (Cisco phones send input there).
      reqLog.debug({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 100) / 100 }, 'request');
    }
  };
}
