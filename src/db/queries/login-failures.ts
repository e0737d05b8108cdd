import type { DbOrTx } from '../knex.js';

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

/** Stores the failures of a username and address (insert or update). */
export async function saveLoginFailure(options: { db: DbOrTx; key: LoginKey; value: LoginFailure }): Promise<void> {
  const { db, key, value } = options;
  const values = { failures: value.failures, first_at: value.firstAt, locked_until: value.lockedUntil };
  const n = await db('login_failures').where(key).update(values);
  if (n === 0) await db('login_failures').insert({ ...key, ...values });
}

/** Forgets the failures of a username and address (a successful login). */
export async function deleteLoginFailure(options: { db: DbOrTx; key: LoginKey }): Promise<void> {
  await options.db('login_failures').where(options.key).delete();
}

/** Removes entries neither locked nor counting after `before` (epoch seconds). Returns how many. */
export async function pruneLoginFailures(options: { db: DbOrTx; before: number }): Promise<number> {
  return options.db('login_failures').where('locked_until', '<', options.before).andWhere('first_at', '<', options.before).delete();
}
