import type { DbOrTx } from '../knex.js';
import type { DbUserRow } from '../tables.js';

export const USER_FIELDS = [
  'username', 'first_name', 'last_name', 'email', 'department', 'cost_center', 'office_location',
  'custom_1', 'custom_2', 'custom_3', 'custom_4', 'custom_5', 'custom_6', 'custom_7', 'custom_8', 'custom_9', 'custom_10',
  'partition', 'extension', 'extension_billing', 'fax_extension', 'fax_billing', 'voicemail_extension', 'voicemail_billing',
] as const;

export type UserInput = { [K in (typeof USER_FIELDS)[number]]: K extends `${string}_billing` ? boolean : string } & {
  site_id: number | null;
  devices: string[];
  /** The manager's username (budget notices). */
  manager?: string;
};

/** Creates or updates a user by username and replaces the user's device names. Returns the id. */
export async function upsertUser(options: { db: DbOrTx; user: UserInput; now: number }): Promise<number> {
  const { db, user, now } = options;
  const { devices, ...values } = user;
  const existing = await db('users').where({ username: user.username }).first('id');
  let id: number;
  if (existing) {
    id = Number(existing.id);
    await db('users').where({ id }).update({ ...values, anonymous: false, updated_at: now });
  } else {
    const [row] = await db('users').insert({ ...values, anonymous: false, created_at: now, updated_at: now }).returning('id');
    id = Number(typeof row === 'object' ? row.id : row);
  }
  // Device rows are replaced, keeping each device's push address (set through the API).
  const addresses = new Map<string, string | null>(
    (await db('user_devices').where({ user_id: id }).orWhereIn('device_name', devices).select('device_name', 'address')).map(
      (r: { device_name: string; address: string | null }) => [r.device_name, r.address],
    ),
  );
  await db('user_devices').where({ user_id: id }).delete();
  for (const device of devices) {
    await db('user_devices').where({ device_name: device }).delete();
    await db('user_devices').insert({ device_name: device, user_id: id, address: addresses.get(device) ?? null });
  }
  return id;
}

/**
 * Creates the anonymous user that automatic acquisition makes for an unknown extension, or
 * returns the one made earlier (username `auto.<site>.<partition>.<line>`).
 */
export async function ensureAnonymousUser(options: {
  db: DbOrTx; siteId: number; siteCode: string; partition: string; line: string; now: number;
}): Promise<number> {
  const { db, siteId, siteCode, partition, line, now } = options;
  const username = `auto.${siteCode}.${partition ? partition + '.' : ''}${line}`.slice(0, 128);
  const existing = await db('users').where({ username }).first('id');
  if (existing) return Number(existing.id);
  const [row] = await db('users')
    .insert({ username, site_id: siteId, partition, extension: line, last_name: line, anonymous: true, created_at: now, updated_at: now })
    .returning('id');
  return Number(typeof row === 'object' ? row.id : row);
}

/** Users that can own lines of a site (the site's own and those without a site), with devices. */
export async function listUsersForSite(options: { db: DbOrTx; siteId: number }): Promise<Array<DbUserRow & { devices: string[] }>> {
  const { db, siteId } = options;
  const users = await db<DbUserRow>('users').where((q) => q.where({ site_id: siteId }).orWhereNull('site_id'));
  const devices = await db('user_devices').select('device_name', 'user_id');
  const byUser = new Map<number, string[]>();
  for (const d of devices as Array<{ device_name: string; user_id: number }>) {
    const list = byUser.get(Number(d.user_id)) ?? [];
    list.push(d.device_name);
    byUser.set(Number(d.user_id), list);
  }
  return users.map((u) => ({ ...u, devices: byUser.get(u.id) ?? [] }));
}

export async function listUsers(options: { db: DbOrTx }): Promise<DbUserRow[]> {
  return options.db<DbUserRow>('users').orderBy('username');
}
