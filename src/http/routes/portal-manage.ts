import type Router from '@koa/router';
import { z } from 'zod';
import { listBudgetsWithPeriods, presentBudget, removeBudget, setBudget } from '../../budget/admin.js';
import { BUDGET_SCOPES } from '../../budget/budget.js';
import type { BudgetEngine } from '../../budget/engine.js';
import type { Db } from '../../db/knex.js';
import { listHistory } from '../../db/queries/budgets.js';
import { findUserById } from '../../db/queries/portal-users.js';
import { AppError, NotFoundError } from '../../errors.js';
import type { PinService } from '../../phone-lock/pin-service.js';
import type { PhoneLock } from '../../phone-lock/service.js';
import { usageAsBadRequest } from '../admin-auth.js';
import type { ApiRegistry } from '../api-route.js';
import { parseInput } from '../validate.js';

/**
 * Administration of Budget Control and Phone Lock for portal administrators (level 10): budgets
 * and their history; a user's line state, the admin lock, and PIN resets. Every change is made
 * through the same domain functions as the CLI and recorded with the administrator's name.
 */

const scopeParam = z.enum(BUDGET_SCOPES, { error: `scope is ${BUDGET_SCOPES.join(', ')}` });
const idParam = z.coerce.number().int().min(1, 'must be a positive id');

export function portalManageRoutes(router: Router, api: ApiRegistry, deps: {
  db: Db; budgets?: BudgetEngine | undefined; phoneLock?: PhoneLock | undefined; pins?: PinService | undefined; defaultTimezone?: string | undefined; now: () => number;
}): void {
  const { db, now } = deps;

  api.add(router, { method: 'get', path: '/api/budgets', tag: 'budgets', summary: 'Every budget with its current period', level: 10 },
    async () => (await listBudgetsWithPeriods({ db })).map(presentBudget));
  api.add(router, { method: 'put', path: '/api/budgets', tag: 'budgets', summary: 'Create or change a budget (the amount applies to the current period at once)', level: 10, body: z.record(z.string(), z.unknown()) },
    async ({ body }) => {
      const b = await setBudget({ db, input: body, defaultTimezone: deps.defaultTimezone ?? 'UTC', now: now() }).catch(usageAsBadRequest);
      await deps.budgets?.reconcile();
      return b;
    });
  api.add(router, { method: 'delete', path: '/api/budgets/{scope}/{target}', tag: 'budgets', summary: 'Delete a budget', level: 10 },
    async ({ params }) => {
      await removeBudget({ db, scope: parseInput(scopeParam, params.scope, 'path'), target: params.target! }).catch((err: Error) => {
        throw NotFoundError(err.message.replace(/^no /, ''));
      });
      await deps.budgets?.reconcile();
      return undefined;
    });
  api.add(router, { method: 'get', path: '/api/budgets/history', tag: 'budgets', summary: 'What Budget Control did (notices, locks, period ends, carry-over)', level: 10 },
    async ({ ctx }) => listHistory({ db, limit: Math.min(1000, Math.max(1, Number(ctx.query.limit ?? 200) || 200)) }));

  const userLine = async (id: number) => {
    const u = await findUserById({ db, id });
    if (!u) throw NotFoundError(`user ${id}`);
    if (!u.extension) throw new AppError(`user ${u.username} has no extension`, 404, 'not_found');
    return { user: u, line: { extension: u.extension, partition: u.partition ?? '' } };
  };
  const lockOrFail = () => {
    if (!deps.phoneLock) throw new AppError('Phone Lock is not running', 503, 'unavailable');
    return deps.phoneLock;
  };
  api.add(router, { method: 'get', path: '/api/users/{id}/line', tag: 'phone-lock', summary: 'A user\'s line: lock state and reasons', level: 10 },
    async ({ params }) => lockOrFail().status((await userLine(parseInput(idParam, params.id, 'path'))).line));
  for (const action of ['lock', 'unlock'] as const) {
    api.add(router, { method: 'post', path: `/api/users/{id}/line/${action}`, tag: 'phone-lock', summary: `${action === 'lock' ? 'Set' : 'Clear'} the admin lock of a user's line`, level: 10 },
      async ({ params, auth }) => {
        const { line } = await userLine(parseInput(idParam, params.id, 'path'));
        await lockOrFail().setLock({ line, reason: 'admin', locked: action === 'lock', who: auth.user.username, channel: 'web' });
        return lockOrFail().status(line);
      });
  }
  api.add(router, { method: 'put', path: '/api/users/{id}/pin', tag: 'phone-lock', summary: 'Set or reset a user\'s Phone Lock PIN', level: 10, body: z.object({ pin: z.string() }).strict() },
    async ({ params, body }) => {
      if (!deps.pins) throw new AppError('Phone Lock is not running', 503, 'unavailable');
      const user = await findUserById({ db, id: parseInput(idParam, params.id, 'path') });
      if (!user) throw NotFoundError(`user ${params.id}`);
      if (!deps.pins.isValid(body.pin)) throw new AppError(`pin: a PIN is ${deps.pins.length} digits`, 400, 'validation_error');
      return { result: await deps.pins.set(Number(user.id), body.pin, 'web') };
    });
}
