import type Router from '@koa/router';
import type { BudgetEngine } from '../../budget/engine.js';
import { AppError } from '../../errors.js';
import type { PhoneLock } from '../../phone-lock/service.js';
import type { ApiRegistry } from '../api-route.js';

/**
 * The caller's own budgets ("My budgets") and phone line ("My Phone": status, lock and unlock
 * with the `user` reason; a user can neither set nor clear an administrator's or a budget lock).
 */
export function portalSelfRoutes(router: Router, api: ApiRegistry, deps: { budgets?: BudgetEngine | undefined; phoneLock?: PhoneLock | undefined }): void {
  api.add(router, { method: 'get', path: '/api/me/budgets', tag: 'me', summary: 'The budgets covering the caller: amount, spend, remaining, period, line state', level: 2 },
    async ({ auth }) => {
      if (!deps.budgets) throw new AppError('Budget Control is not running', 503, 'unavailable');
      return deps.budgets.statusOf(auth.user.username);
    });

  const line = (auth: { user: { extension: string; partition: string } }) => {
    if (!auth.user.extension) throw new AppError('you have no phone line (no extension in your profile)', 404, 'not_found');
    return { extension: auth.user.extension, partition: auth.user.partition ?? '' };
  };
  api.add(router, { method: 'get', path: '/api/me/phone', tag: 'me', summary: 'The lock state of the caller\'s line, with its reasons', level: 2 },
    async ({ auth }) => {
      if (!deps.phoneLock) throw new AppError('Phone Lock is not running', 503, 'unavailable');
      return deps.phoneLock.status(line(auth));
    });
  for (const action of ['lock', 'unlock'] as const) {
    api.add(router, { method: 'post', path: `/api/me/phone/${action}`, tag: 'me', summary: `${action === 'lock' ? 'Lock' : 'Unlock'} the caller's own line (the user reason only)`, level: 2 },
      async ({ auth }) => {
        if (!deps.phoneLock) throw new AppError('Phone Lock is not running', 503, 'unavailable');
        const l = line(auth);
        await deps.phoneLock.setLock({ line: l, reason: 'user', locked: action === 'lock', who: auth.user.username, channel: 'web' });
        return deps.phoneLock.status(l);
      });
  }
}
