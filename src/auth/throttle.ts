import type { Db } from '../db/knex.js';
import { countLoginFailure, deleteLoginFailure, ensureLoginFailure, findLoginFailure, pruneLoginFailures, type LoginKey } from '../db/queries/login-failures.js';

/**
 * Login throttling: after `maxFailures` failed logins for one username from one address, that
 * pair is refused for `lockoutS` seconds (a success clears it). Kept in the database
 * (`login_failures`), so a lockout survives a restart and is shared by every process using the
 * same database.
 */
export interface LoginThrottle {
  /** Seconds left of a lockout, or 0. */
  blockedFor(key: LoginKey): Promise<number>;
  failed(key: LoginKey): Promise<void>;
  succeeded(key: LoginKey): Promise<void>;
}

export interface LoginThrottleSettings {
  maxFailures: number;
  lockoutS: number;
}

export function createLoginThrottle(options: LoginThrottleSettings & { db: Db; now?: () => number }): LoginThrottle {
  const { db, maxFailures, lockoutS } = options;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const norm = (k: LoginKey): LoginKey => ({ username: k.username.toLowerCase().slice(0, 128), address: k.address.slice(0, 64) });
  let failuresSincePrune = 0;
  return {
    async blockedFor(key) {
      const e = await findLoginFailure({ db, key: norm(key) });
      const left = e ? e.lockedUntil - now() : 0;
      return left > 0 ? Math.ceil(left) : 0;
    },
    async failed(key) {
      const k = norm(key);
      const t = now();
      await ensureLoginFailure({ db, key: k, now: t });
      await countLoginFailure({ db, key: k, now: t, windowS: lockoutS, maxFailures, lockoutS });
      if (++failuresSincePrune >= 1000) {
        failuresSincePrune = 0;
        await pruneLoginFailures({ db, before: t - lockoutS });
      }
    },
    async succeeded(key) {
      await deleteLoginFailure({ db, key: norm(key) });
    },
  };
}
