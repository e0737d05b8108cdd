import type Router from '@koa/router';
import type { BudgetEngine } from '../../budget/engine.js';
import type { LockChannel } from '../../db/tables.js';
import { AppError } from '../../errors.js';
import type { PhoneLock } from '../../phone-lock/service.js';
import type { ApiRegistry } from '../api-route.js';

/**
 * The caller's own budgets ("My budgets") and phone line ("My Phone": status, lock and unlock
 * with the `user` reason; a user can neither set nor clear an administrator's or a budget lock).
 * Mounted twice: under `/api/me` for the portal (channel `web`) and under `/api/gadget` for the
 * gadgets (gadget tokens, channel `gadget`).
 */
export function portalSelfRoutes(router: Router, api: ApiRegistry, deps: { budgets?: BudgetEngine | undefined; phoneLock?: PhoneLock | undefined },
  mount: { prefix: '/api/me' | '/api/gadget'; channel: LockChannel } = { prefix: '/api/me', channel: 'web' }): void {
  const { prefix, channel } = mount;
  const tag = prefix === '/api/me' ? 'me' : 'gadget';
  const token = prefix === '/api/gadget' ? { token: 'gadget' as const } : {};
  api.add(router, { method: 'get', path: `${prefix}/budgets`, tag, summary: 'The budgets covering the caller: amount, spend, remaining, period, line state', level: 2, ...token },
    async ({ auth }) => {
      if (!deps.budgets) throw new AppError('Budget Control is not running', 503, 'unavailable');
      return deps.budgets.statusOf(auth.user.username);
    });

  const line = (auth: { user: { extension: string; partition: string } }) => {
    if (!auth.user.extension) throw new AppError('you have no phone line (no extension in your profile)', 404, 'not_found');
    return { extension: auth.user.extension, partition: auth.user.partition ?? '' };
  };
  api.add(router, { method: 'get', path: `${prefix}/phone`, tag, summary: 'The lock state of the caller\'s line, with its reasons', level: 2, ...token },
    async ({ auth }) => {
      if (!deps.phoneLock) throw new AppError('Phone Lock is not running', 503, 'unavailable');
      return deps.phoneLock.status(line(auth));
    });
  for (const action of ['lock', 'unlock'] as const) {
    api.add(router, { method: 'post', path: `${prefix}/phone/${action}`, tag, summary: `${action === 'lock' ? 'Lock' : 'Unlock'} the caller's own line (the user reason only)`, level: 2, ...token },
      async ({ auth }) => {
        if (!deps.phoneLock) throw new AppError('Phone Lock is not running', 503, 'unavailable');
        const l = line(auth);
        await deps.phoneLock.setLock({ line: l, reason: 'user', locked: action === 'lock', who: auth.user.username, channel });
        return deps.phoneLock.status(l);
      });
  }
}
