import type { Db } from '../db/knex.js';
import { findUserByUsername, hasLocalAdmin, insertAdmin, setPassword } from '../db/queries/portal-users.js';
import { hashPassword, randomPassword } from './passwords.js';

/**
 * First start: when no enabled level-10 account with a local password exists, makes (or resets)
 * `admin` with the configured password or a random one, which must be changed at first login.
 * Returns the password to show once when it was generated, `configured` when it came from the
 * configuration, or null when an administrator already exists.
 */
export async function ensureAdmin(options: { db: Db; password: string | undefined; now: number }): Promise<{ username: string; password: string | null } | null> {
  const { db, now } = options;
  if (await hasLocalAdmin({ db })) return null;
  const password = options.password ?? randomPassword();
  const hash = await hashPassword(password);
  await db.transaction(async (tx) => {
    const existing = await findUserByUsername({ db: tx, username: 'admin' });
    if (existing) {
      await tx('users').where({ id: existing.id }).update({ level: 10, auth_source: 'local', disabled: false });
      await setPassword({ db: tx, id: existing.id, hash, mustChange: true, now });
    } else {
      await insertAdmin({ db: tx, username: 'admin', hash, now });
    }
  });
  return { username: 'admin', password: options.password ? null : password };
}
