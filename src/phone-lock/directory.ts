import type { Db } from '../db/knex.js';
import type { LineKey } from '../db/queries/line-locks.js';
import { listDevices, listLineOwners } from '../db/queries/lock-directory.js';
import { listSites } from '../db/queries/sites.js';
import { EMERGENCY_NUMBERS } from '../rating/emergency.js';
import { lineId } from './lock-set.js';

/** A user with a line. */
export interface LineOwner extends LineKey {
  userId: number;
  username: string;
  displayName: string;
  siteId: number | null;
}

export interface DeviceEntry {
  name: string;
  owner: LineOwner;
  /** IP address or host for pushes. */
  address: string | null;
}

/**
 * A snapshot of users, devices and sites as Phone Lock needs them, read at start and every
 * `lockDirectoryRefreshMs` (never on the CURRI request path).
 */
export interface LockDirectory {
  /** By device name in upper case. */
  devices: ReadonlyMap<string, DeviceEntry>;
  /** Devices of a line, by `lineId`. */
  devicesByLine: ReadonlyMap<string, DeviceEntry[]>;
  byUsername: ReadonlyMap<string, LineOwner>;
  /** Extension → owners (one per partition). */
  byExtension: ReadonlyMap<string, LineOwner[]>;
  /** Site id → whether locked lines may call internal numbers (null: the configured default). */
  siteAllowInternal: ReadonlyMap<number, boolean | null>;
  /** Default emergency numbers: 911, 112, 999, 000, 110, 118 and those of every site's country. */
  emergency: ReadonlySet<string>;
  /** The length of the longest emergency number. */
  emergencyMaxLength: number;
  /** Outside-line access codes of every site (emergency numbers are matched with and without them). */
  accessCodes: readonly string[];
}

export const BASE_EMERGENCY_NUMBERS = ['911', '112', '999', '000', '110', '118'];

/** Reads the directory snapshot. `emergencyOverride` replaces the default emergency list. */
export async function loadLockDirectory(db: Db, emergencyOverride?: readonly string[]): Promise<LockDirectory> {
  const owners = await listLineOwners({ db });
  const devices = await listDevices({ db });
  const sites = await listSites({ db });
  const byId = new Map<number, LineOwner>();
  const byUsername = new Map<string, LineOwner>();
  const byExtension = new Map<string, LineOwner[]>();
  for (const o of owners) {
    const owner: LineOwner = {
      userId: Number(o.id), username: o.username, displayName: `${o.first_name} ${o.last_name}`.trim() || o.username,
      siteId: o.site_id === null ? null : Number(o.site_id), partition: o.partition, extension: o.extension,
    };
    byId.set(owner.userId, owner);
    byUsername.set(owner.username, owner);
    const list = byExtension.get(owner.extension) ?? [];
    list.push(owner);
    byExtension.set(owner.extension, list);
  }
  const deviceMap = new Map<string, DeviceEntry>();
  const devicesByLine = new Map<string, DeviceEntry[]>();
  for (const d of devices) {
    const owner = byId.get(Number(d.user_id));
    if (!owner) continue;
    const entry: DeviceEntry = { name: d.device_name, owner, address: d.address };
    deviceMap.set(d.device_name.toUpperCase(), entry);
    const id = lineId(owner);
    const list = devicesByLine.get(id) ?? [];
    list.push(entry);
    devicesByLine.set(id, list);
  }
  const emergency = new Set(emergencyOverride ?? BASE_EMERGENCY_NUMBERS);
  if (!emergencyOverride) for (const s of sites) for (const n of EMERGENCY_NUMBERS[s.country] ?? []) emergency.add(n);
  return {
    devices: deviceMap,
    devicesByLine,
    byUsername,
    byExtension,
    siteAllowInternal: new Map(sites.map((s) => [s.id, s.lockAllowInternal])),
    emergency,
    emergencyMaxLength: Math.max(0, ...[...emergency].map((n) => n.length)),
    accessCodes: [...new Set(sites.flatMap((s) => s.accessCodes))].filter((c) => c !== ''),
  };
}
