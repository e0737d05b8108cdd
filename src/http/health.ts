import type Router from '@koa/router';
import { pingDb, type Db } from '../db/knex.js';

export interface ReadinessCheck {
  name: string;
  /** Resolves to an error message, or undefined when ready. */
  check(): Promise<string | undefined> | string | undefined;
}

/** `GET /healthz` (the process answers) and `GET /readyz` (database reachable, receivers up). */
export function healthRoutes(router: Router, deps: { db: Db; readiness?: ReadinessCheck[] }): void {
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const checks: Record<string, string> = {};
    let ready = true;
    try {
      await pingDb(deps.db);
      checks.database = 'ok';
    } catch (err) {
      checks.database = `unreachable: ${(err as Error).message}`;
      ready = false;
    }
    for (const c of deps.readiness ?? []) {
      let problem: string | undefined;
      try {
        problem = await c.check();
      } catch (err) {
        problem = (err as Error).message;
      }
      checks[c.name] = problem ?? 'ok';
      if (problem) ready = false;
    }
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'not ready', checks };
  });
}
