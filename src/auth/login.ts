import { DEFAULT_LDAP_ATTRIBUTES, LDAP_SYNC_FIELDS, type Config } from '../config.js';
import type { DbOrTx } from '../db/knex.js';
import { findUserById, findUserByUsername, recordLogin, upsertLdapUser, type DirectoryFields } from '../db/queries/portal-users.js';
import type { DbUserRow } from '../db/tables.js';
import { AppError } from '../errors.js';
import { LdapUnavailableError, type LdapDirectory, type LdapUser } from './ldap.js';
import { verifyPassword } from './passwords.js';
import type { LoginThrottle } from './throttle.js';

/**
 * Checks a login: local accounts by their scrypt hash (always, so a local administrator can log
 * in while LDAP is down), directory accounts and unknown names against LDAP when configured.
 * A directory login creates or refreshes the user (level from the group mapping). Throws an
 * AppError: 401 wrong credentials, 403 no access, 429 throttled, 503 LDAP unavailable.
 */
export async function authenticateUser(options: {
  db: DbOrTx; ldap: LdapDirectory | undefined; throttle: LoginThrottle; attributes: Config['ldapAttributes'];
  username: string; password: string; address: string; now: number;
}): Promise<DbUserRow> {
  const { db, ldap, throttle, username, password, address, now } = options;
  const key = { username, address };
  const wait = await throttle.blockedFor(key);
  if (wait > 0) throw new AppError(`too many failed logins: try again in ${wait} s`, 429, 'too_many_attempts');
  const refuse = async () => {
    await throttle.failed(key);
    return new AppError('wrong username or password', 401, 'invalid_credentials');
  };

  let user = await findUserByUsername({ db, username });
  if (user && user.auth_source === 'local' && user.password_hash) {
    if (!(await verifyPassword(password, user.password_hash))) throw await refuse();
  } else if (ldap && (!user || user.auth_source === 'ldap')) {
    let found: LdapUser | null;
    try {
      found = await ldap.authenticate(username, password);
    } catch (err) {
      if (err instanceof LdapUnavailableError) {
        throw new AppError(`${err.message}. Directory logins are not possible now; local accounts still work.`, 503, 'ldap_unavailable', true);
      }
      throw err;
    }
    if (!found) throw await refuse();
    const { id } = await upsertLdapUser({ db, username: user?.username ?? found.username, dn: found.dn, level: found.level, fields: mapAttributes(found, options.attributes), now });
    user = await findUserById({ db, id });
  } else {
    // Same answer and similar time for an unknown name as for a wrong password.
    await verifyPassword(password, 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
    throw await refuse();
  }
  if (!user) throw await refuse();
  if (user.disabled || user.level <= 0) {
    await throttle.failed(key);
    throw new AppError('this account has no access to the portal (level 0 or disabled)', 403, 'no_access');
  }
  await throttle.succeeded(key);
  await recordLogin({ db, id: user.id, now });
  return user;
}

/** The user fields of a directory entry, by the configured attribute mapping over the defaults. */
export function mapAttributes(u: LdapUser, mapping: Config['ldapAttributes']): DirectoryFields {
  const out: Record<string, string> = {};
  const lower = new Map(Object.entries(u.attributes).map(([k, v]) => [k.toLowerCase(), v]));
  for (const field of LDAP_SYNC_FIELDS) {
    const attr = mapping[field] ?? DEFAULT_LDAP_ATTRIBUTES[field];
    if (!attr) continue;
    const v = lower.get(attr.toLowerCase());
    if (v !== undefined) out[field] = v.slice(0, field === 'manager' ? 255 : field === 'email' ? 254 : field === 'extension' ? 50 : 100);
  }
  return out as DirectoryFields;
}
