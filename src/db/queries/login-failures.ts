import { dialectOf, type DbOrTx } from '../knex.js';

/** Failed logins of one username from one address (login throttling). */
export interface LoginFailure {
  failures: number;
  firstAt: number;
  lockedUntil: number;
}

export interface LoginKey {
  username: string;
  address: string;
}

/** The failures recorded for a username and address, if any. */
export async function findLoginFailure(options: { db: DbOrTx; key: LoginKey }): Promise<LoginFailure | undefined> {
  const row = await options.db('login_failures').where(options.key).first('failures', 'first_at', 'locked_until');
  return row ? { failures: Number(row.failures), firstAt: Number(row.first_at), lockedUntil: Number(row.locked_until) } : undefined;
}

/**
 * Creates the row of a username and address with no failures unless it exists, so that
 * concurrent logins then count on the same row (no duplicate-key error, no lost count).
 */
export async function ensureLoginFailure(options: { db: DbOrTx; key: LoginKey; now: number }): Promise<void> {
  const { db, key, now } = options;
  const row = { ...key, failures: 0, first_at: now, locked_until: 0 };
  // knex has no onConflict() for SQL Server: there, check first (a rare race ends in a refused login, not a lost lockout).
  if (dialectOf(db) === 'mssql') {
    if (!(await db('login_failures').where(key).first('failures'))) await db('login_failures').insert(row);
  } else await db('login_failures').insert(row).onConflict(['username', 'address']).ignore();
}

/**
 * Counts one failure in one statement (concurrent requests and processes all count): the count
 * restarts when its first failure is more than `windowS` old. Then, if the count reached
 * `maxFailures`, locks the pair until `now + lockoutS` and restarts the count.
 */
export async function countLoginFailure(options: { db: DbOrTx; key: LoginKey; now: number; windowS: number; maxFailures: number; lockoutS: number }): Promise<void> {
  const { db, key, now, windowS, maxFailures, lockoutS } = options;
  const stale = db.raw('? - first_at > ?', [now, windowS]);
  await db('login_failures').where(key).update({
    failures: db.raw('CASE WHEN ? THEN 1 ELSE failures + 1 END', [stale]),
    first_at: db.raw('CASE WHEN ? THEN ? ELSE first_at END', [stale, now]),
  });
  await db('login_failures').where(key).andWhere('failures', '>=', maxFailures)
    .update({ locked_until: now + lockoutS, failures: 0, first_at: now });
}

/** Forgets the failures of a username and address (a successful login). */
export async function deleteLoginFailure(options: { db: DbOrTx; key: LoginKey }): Promise<void> {
  await options.db('login_failures').where(options.key).delete();
}

/** Removes entries neither locked nor counting after `before` (epoch seconds). Returns how many. */
export async function pruneLoginFailures(options: { db: DbOrTx; before: number }): Promise<number> {
  return options.db('login_failures').where('locked_until', '<', options.before).andWhere('first_at', '<', options.before).delete();
}
