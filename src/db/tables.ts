/** Row types of the tables, as stored (snake_case). Times are epoch seconds UTC. */

export interface DbSiteRow {
  id: number;
  code: string;
  name: string;
  country: string;
  area_code: string;
  timezone: string;
  currency: string;
  driver: 'cucm' | 'cucm-partition';
  import_internal: boolean | number;
  auto_acquire: boolean | number;
  created_at: number;
  tariff_code: string | null;
  internal_tariff_code: string | null;
  privacy_digits: number;
  privacy_level: number;
}

export interface DbGatewayRow {
  id: number;
  site_id: number;
  name: string;
  match: 'exact' | 'glob';
  kind: 'gateway' | 'trunk';
  label: string;
  tariff_code: string | null;
}

export interface DbUserRow {
  id: number;
  site_id: number | null;
  username: string;
  first_name: string;
  last_name: string;
  email: string;
  department: string;
  cost_center: string;
  office_location: string;
  partition: string;
  extension: string;
  extension_billing: boolean | number;
  fax_extension: string;
  fax_billing: boolean | number;
  voicemail_extension: string;
  voicemail_billing: boolean | number;
  anonymous: boolean | number;
  created_at: number;
  updated_at: number;
  password_hash: string | null;
  auth_source: 'local' | 'ldap';
  level: number;
  scope: 'department' | 'cost_center' | 'office_location';
  extra_departments: string;
  must_change_password: boolean | number;
  token_version: number;
  disabled: boolean | number;
  language: string;
  manager: string;
  ldap_dn: string;
  last_login_at: number | null;
  dashboard: string | null;
  [custom: `custom_${number}`]: string;
}

export type CdrFileStatus = 'received' | 'processing' | 'done' | 'failed' | 'skipped';
export type Channel = 'ftp' | 'sftp' | 'watch' | 'import';

export interface DbCdrFileRow {
  id: number;
  site_id: number;
  name: string;
  kind: 'cdr' | 'cmr' | 'unknown';
  size: number;
  sha256: string;
  channel: Channel;
  spool_path: string;
  status: CdrFileStatus;
  layout: string | null;
  header: string | null;
  received_at: number;
  finished_at: number | null;
  rows: number;
  stored: number;
  duplicates: number;
  discarded: number;
  checkpoint_line: number;
  lease_owner: string | null;
  lease_until: number | null;
  error: string | null;
  unknown_accounts: number;
  unknown_destinations: number;
}

export interface DbCallRow {
  id?: number;
  site_id: number;
  cluster_id: string;
  gcid: number;
  pkid: string;
  party: number;
  direction: string;
  answered: boolean | number;
  start_at: number;
  ring_s: number;
  duration_s: number;
  extension: string;
  partition: string;
  user_id: number | null;
  remote_number: string;
  dialed_number: string;
  gateway: string;
  destination_type: string;
  account_code: string;
  orig_cause: number;
  dest_cause: number;
  last_redirect_dn: string;
  redirected: boolean | number;
  transferred: boolean | number;
  conference: boolean | number;
  trunk_leg: number;
  cost: number | null;
  currency: string | null;
  cdr_file_id: number;
  cdr_line: number;
  nation: string;
  area: string;
  carrier: string;
  tariff_code: string;
  cost_center: string;
  account_name: string;
}

export interface DbDiscardedRow {
  id?: number;
  site_id: number;
  cdr_file_id: number;
  line: number;
  party: number;
  reason: string;
  detail: string;
  raw: string;
  cluster_id: string;
  pkid: string;
  extension: string;
  created_at: number;
  resolved_at: number | null;
}

/** The columns of `calls` written by the miner, in a fixed order for prepared statements. */
export const CALL_COLUMNS = [
  'site_id', 'cluster_id', 'gcid', 'pkid', 'party', 'direction', 'answered', 'start_at', 'ring_s', 'duration_s',
  'extension', 'partition', 'user_id', 'remote_number', 'dialed_number', 'gateway', 'destination_type', 'account_code',
  'orig_cause', 'dest_cause', 'last_redirect_dn', 'redirected', 'transferred', 'conference', 'trunk_leg', 'cost',
  'currency', 'cdr_file_id', 'cdr_line', 'nation', 'area', 'carrier', 'tariff_code', 'cost_center', 'account_name',
] as const satisfies ReadonlyArray<keyof DbCallRow>;


export type LockReason = 'user' | 'admin' | 'budget';
export type LockChannel = 'phone' | 'web' | 'gadget' | 'api' | 'budget' | 'cli';

export interface DbLineLockRow {
  partition: string;
  extension: string;
  reason: LockReason;
  since: number;
  who: string;
  channel: LockChannel;
}

export interface DbLockEventRow {
  id: number;
  at: number;
  partition: string;
  extension: string;
  reason: LockReason;
  locked: boolean | number;
  who: string;
  channel: LockChannel;
}

export interface DbUserPinRow {
  user_id: number;
  hash: string;
  updated_at: number;
  failures: number;
  blocked_until: number | null;
}

export type PinEvent = 'set' | 'reset' | 'changed' | 'failed' | 'blocked';

export type GadgetTokenVia = 'password' | 'webex';

export interface DbGadgetTokenRow {
  id: number;
  token_id: string;
  user_id: number;
  via: GadgetTokenVia;
  issued_at: number;
  expires_at: number;
  revoked_at: number | null;
}
