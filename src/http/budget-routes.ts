import type Router from '@koa/router';
import { listBudgetsWithPeriods, presentBudget, removeBudget, setBudget } from '../budget/admin.js';
import { BUDGET_SCOPES, type BudgetScope } from '../budget/budget.js';
import type { BudgetEngine } from '../budget/engine.js';
import type { Db } from '../db/knex.js';
import { listBudgets, listHistory } from '../db/queries/budgets.js';
import { AppError } from '../errors.js';
import { z } from 'zod';
import { usageAsBadRequest } from './admin-auth.js';
import { readJson } from './json-body.js';

/**
 * Budget Control over the JSON API (behind the admin token, see app.ts, until the portal brings logins):
 * GET/PUT /api/v1/budgets, DELETE /api/v1/budgets/:scope/:target, GET /api/v1/budgets/history,
 * GET /api/v1/users/:username/budgets ("My budgets").
 */
export function budgetRoutes(router: Router, deps: { db: Db; budgets?: BudgetEngine | undefined; defaultTimezone?: string }): void {
  const { db } = deps;
  const scopeOf = (v: string): BudgetScope => {
    if (!(BUDGET_SCOPES as readonly string[]).includes(v)) throw new AppError(`scope: one of ${BUDGET_SCOPES.join(', ')} (got ${JSON.stringify(v)})`, 400, 'validation_error');
    return v as BudgetScope;
  };

  router.get('/api/v1/budgets', async (ctx) => {
    ctx.body = (await listBudgetsWithPeriods({ db })).map(presentBudget);
  });
  router.put('/api/v1/budgets', async (ctx) => {
    const input = await readJson(ctx, z.unknown(), 1024 * 1024);
    const b = await setBudget({ db, input, defaultTimezone: deps.defaultTimezone ?? 'UTC', now: Math.floor(Date.now() / 1000) }).catch(usageAsBadRequest);
    await deps.budgets?.reconcile();
    ctx.body = b;
  });
  router.delete('/api/v1/budgets/:scope/:target', async (ctx) => {
    await removeBudget({ db, scope: scopeOf(ctx.params.scope!), target: ctx.params.target! }).catch((err: unknown) => {
      throw new AppError((err as Error).message, 404, 'not_found');
    });
    await deps.budgets?.reconcile();
    ctx.status = 204;
  });
  router.get('/api/v1/budgets/history', async (ctx) => {
    const limit = Math.min(1000, Math.max(1, Number(ctx.query.limit ?? 100) || 100));
    let budgetId: number | undefined;
    if (typeof ctx.query.scope === 'string' && typeof ctx.query.target === 'string') {
      const scope = scopeOf(ctx.query.scope);
      budgetId = (await listBudgets({ db })).find((b) => b.scope === scope && b.target === ctx.query.target)?.id;
      if (budgetId === undefined) throw new AppError(`no ${scope} budget for ${JSON.stringify(ctx.query.target)}`, 404, 'not_found');
    }
    ctx.body = await listHistory({ db, limit, ...(budgetId !== undefined ? { budgetId } : {}) });
  });
  router.get('/api/v1/users/:username/budgets', async (ctx) => {
    if (!deps.budgets) throw new AppError('Budget Control is not running', 503, 'unavailable');
    ctx.body = await deps.budgets.statusOf(ctx.params.username!);
  });
}
