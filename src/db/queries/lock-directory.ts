import type { DbOrTx } from '../knex.js';

/** A user as Phone Lock sees it: the line (partition + extension) it owns and its site. */
export interface LineOwnerRow {
  id: number;
  username: string;
  first_name: string;
  last_name: string;
  site_id: number | null;
  partition: string;
  extension: string;
}

/** Users that have an extension. */
export async function listLineOwners(options: { db: DbOrTx }): Promise<LineOwnerRow[]> {
  return options.db('users')
    .whereNot('extension', '')
    .select('id', 'username', 'first_name', 'last_name', 'site_id', 'partition', 'extension');
}

/** Device names with their user and their address (for pushes). */
export async function listDevices(options: { db: DbOrTx }): Promise<Array<{ device_name: string; user_id: number; address: string | null }>> {
  return options.db('user_devices').select('device_name', 'user_id', 'address');
}

/** Sets the address a device is pushed to (null clears it); false when the device is unknown. */
export async function setDeviceAddress(options: { db: DbOrTx; device: string; address: string | null }): Promise<boolean> {
  return (await options.db('user_devices').where({ device_name: options.device }).update({ address: options.address })) > 0;
}
