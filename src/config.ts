import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Cron } from 'croner';
import { z } from 'zod';
import { isTimeZone } from './time/zone.js';

/**
 * Every setting of tollgate. Each one can come from a `TOLLGATE_*` environment variable or from
 * the optional JSON/YAML file named by `TOLLGATE_CONFIG`; the environment wins.
 * `loadConfig` validates all of them at once and lists every problem.
 */

const port = z.coerce
  .number({ error: 'must be a port number' })
  .int('must be a whole number')
  .min(0, 'must be 0 (off) or a port number')
  .max(65535, 'must be at most 65535');

/** A receiver login: CUCM's "Billing Application Server" user. Bound to a site or to a cluster id. */
const receiverUser = z
  .object({
    username: z.string().min(1),
    password: z.string().min(1),
    site: z.string().min(1).optional(),
    cluster: z.string().min(1).optional(),
  })
  .strict();
export type ReceiverUser = z.infer<typeof receiverUser>;

/**
 * `TOLLGATE_RECEIVER_USERS` in the environment: `user:password@SITE` or `user:password@cluster:ID`,
 * comma separated. In a config file: an array of `{ username, password, site | cluster }`.
 */
function parseReceiverUsers(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  if (v.trim() === '') return [];
  return v.split(',').map((entry) => {
    const at = entry.lastIndexOf('@');
    const colon = entry.indexOf(':');
    if (at < 0 || colon < 0 || colon > at) return { invalid: entry.replace(/:.*@/, ':***@') };
    const target = entry.slice(at + 1).trim();
    const base = { username: entry.slice(0, colon).trim(), password: entry.slice(colon + 1, at) };
    return target.startsWith('cluster:') ? { ...base, cluster: target.slice(8) } : { ...base, site: target };
  });
}

/** A comma-separated list in the environment, an array in a config file. */
function list(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  return v.split(',').map((x) => x.trim()).filter((x) => x !== '');
}

/** `true`/`false`/`1`/`0`/`yes`/`no` (z.coerce.boolean would take "false" as true). */
const flag = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  return ['true', '1', 'yes', 'on'].includes(s) ? true : ['false', '0', 'no', 'off'].includes(s) ? false : v;
}, z.boolean({ error: 'must be true or false' }));

/** A number as dialled: digits, `*`, `#`, `+` and A–D; a trailing `*` in a list makes a prefix. */
const dialString = z.string().regex(/^\+?[0-9A-Da-d*#]+$/, 'must be digits (with + * # A-D)');

/** A duration: whole seconds, or a number with s, m, h or d (`15m`, `8h`, `30d`). */
const duration = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const m = /^\s*(\d+)\s*([smhd]?)\s*$/i.exec(v);
  if (!m) return v;
  return Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[m[2]!.toLowerCase()]!;
}, z.number({ error: 'must be a duration: seconds, or a number with s, m, h or d (e.g. 8h)' }).int().min(1, 'must be at least 1 second'));

/**
 * LDAP groups → permission levels. In the environment: `LEVEL:GROUP-DN` pairs separated by `;`
 * (`10:cn=tollgate-admins,ou=groups,dc=example,dc=org;6:cn=managers,ou=groups,dc=example,dc=org`);
 * in a config file: an array of `{ group, level }`.
 */
function parseGroupLevels(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  return v.split(';').map((s) => s.trim()).filter(Boolean).map((entry) => {
    const i = entry.indexOf(':');
    return i < 0 ? { group: entry, level: NaN } : { level: Number(entry.slice(0, i)), group: entry.slice(i + 1).trim() };
  });
}

/** `field=attribute` pairs separated by `,` (in a file: an object), e.g. `department=department,extension=telephoneNumber`. */
function parseAttributeMap(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  return Object.fromEntries(v.split(',').map((s) => s.trim()).filter(Boolean).map((p) => {
    const i = p.indexOf('=');
    return i < 0 ? [p, ''] : [p.slice(0, i).trim(), p.slice(i + 1).trim()];
  }));
}

/** The permission levels of the portal (0 none, 2 own calls, 6 group, 8 all calls, 10 administration). */
export const LEVELS = [0, 2, 6, 8, 10] as const;
const level = z.coerce.number().refine((n) => (LEVELS as readonly number[]).includes(n), 'must be one of 0, 2, 6, 8, 10');

/** User fields that AD sync may fill, and the default attribute for each. */
export const LDAP_SYNC_FIELDS = ['first_name', 'last_name', 'email', 'department', 'cost_center', 'office_location', 'extension', 'manager'] as const;
export const DEFAULT_LDAP_ATTRIBUTES: Record<(typeof LDAP_SYNC_FIELDS)[number], string> = {
  first_name: 'givenName', last_name: 'sn', email: 'mail', department: 'department', cost_center: '',
  office_location: 'physicalDeliveryOfficeName', extension: 'telephoneNumber', manager: 'manager',
};

const schema = z
  .object({
    dataDir: z.string().min(1).default('./data'),
    db: z
      .string()
      .regex(/^(sqlite:|postgres(ql)?:\/\/|mssql:\/\/)/, 'must start with sqlite:, postgres:// or mssql://')
      .optional(),
    httpHost: z.string().default('0.0.0.0'),
    httpPort: port.default(8080),
    ftpPort: port.default(2121),
    ftpHost: z.string().default('0.0.0.0'),
    /** Address announced for passive FTP data connections. */
    ftpPasvUrl: z.string().optional(),
    ftpPasvMin: port.default(30000),
    ftpPasvMax: port.default(30100),
    sftpPort: port.default(2222),
    sftpHost: z.string().default('0.0.0.0'),
    receiverUsers: z.preprocess(parseReceiverUsers, z.array(receiverUser)).default([]),
    /** A drop folder watched for CDR files (`<dir>/<SITE>/cdr_…` or `<dir>/cdr_<cluster>_…`). */
    watchDir: z.string().optional(),
    watchIntervalMs: z.coerce.number().int().min(100).default(2000),
    /** Largest CDR file a receiver accepts, in bytes. */
    maxFileBytes: z.coerce.number().int().min(1024).default(2 * 1024 * 1024 * 1024),
    /**
     * CDR lines committed per transaction by the miner (the checkpoint). Parsed and inserted in
     * batches of about 1,000 lines (whole 256 kB chunks of the file); a transaction also commits
     * once it has been open for one second.
     */
    batchSize: z.coerce.number().int().min(1).max(100000).default(50000),
    minerPollMs: z.coerce.number().int().min(50).default(1000),
    /** Classify and rate calls as they are stored (off: stored unrated; `tollgate recalculate` rates them later). */
    rating: flag.default(true),
    /** SMTP server for budget notices; none: mails stay queued in the outbox. */
    smtpHost: z.string().min(1).optional(),
    smtpPort: port.default(587),
    /** on: TLS from the first byte (port 465); off: STARTTLS when the server offers it. */
    smtpSecure: flag.default(false),
    smtpUser: z.string().optional(),
    smtpPassword: z.string().optional(),
    mailFrom: z.string().min(3).default('tollgate@localhost'),
    /** Recipients of "admins" budget notices, comma separated. */
    adminEmails: z.preprocess(list, z.array(z.string().regex(/^[^@\s]+@[^@\s]+$/, 'not an e-mail address'))).default([]),
    /** How often every budget is re-summed from the database (periods, locks, after recalculation). */
    budgetReconcileMs: z.coerce.number().int().min(1000).default(60_000),
    /** Time zone of budgets whose members have no site. */
    defaultTimezone: z.string().refine(isTimeZone, 'unknown time zone').default('UTC'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    shutdownTimeoutMs: z.coerce.number().int().min(0).default(15000),
    /** Bearer token of the JSON API (`/api/v1`) and password of the SOAP API (user `admin`); unset: both refuse every request. */
    adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
    /** HTTPS listener (same routes) when a certificate and key are given; optional client CA (CallManager.pem). */
    httpsPort: port.default(8443),
    httpsCert: z.string().min(1).optional(),
    httpsKey: z.string().min(1).optional(),
    httpsCa: z.string().min(1).optional(),
    /** Path of the CURRI (External Call Control) endpoint; POST and HEAD. */
    curriPath: z.string().regex(/^\/[A-Za-z0-9._~\/-]*$/, 'must be a path starting with /').default('/curri'),
    /** Decision when a request cannot be read or an internal error happens. */
    curriFailureDecision: z.enum(['continue', 'reject']).default('continue'),
    /** Announcement identification played on a rejected call (none: reorder tone). */
    curriAnnouncement: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be an announcement id without spaces').optional(),
    curriMaxBodyBytes: z.coerce.number().int().min(1024).max(1024 * 1024).default(64 * 1024),
    /** Addresses of the CUCM nodes allowed to call the CURRI path (empty: any). */
    curriAllowedNodes: z.preprocess(list, z.array(z.string().min(1))).default([]),
    /** Numbers (exact) or prefixes (ending in `*`) a locked line may still call, e.g. the help desk. */
    lockAllowNumbers: z.preprocess(list, z.array(dialString)).default([]),
    /** Whether a locked line may call internal numbers (extensions of known users); sites may override. */
    lockAllowInternal: flag.default(true),
    /** Emergency numbers always allowed; default: those of every site's country plus 911, 112, 999, 000, 110, 118. */
    lockEmergencyNumbers: z.preprocess(list, z.array(dialString)).optional(),
    /** How often the server reads lock changes made by other processes (the CLI). */
    lockPollMs: z.coerce.number().int().min(50).max(5000).default(250),
    /** How often users, devices and sites are re-read for CURRI and the phone service. */
    lockDirectoryRefreshMs: z.coerce.number().int().min(1000).default(60_000),
    /** Length of the users' numeric PINs. */
    pinLength: z.coerce.number().int().min(4, 'must be 4 to 8').max(8, 'must be 4 to 8').default(4),
    /** Wrong PINs in a row before the user is blocked from PIN actions. */
    pinMaxFailures: z.coerce.number().int().min(1).default(5),
    pinBlockSeconds: z.coerce.number().int().min(1).default(900),
    /** PIN attempts a device may make per minute. */
    pinDeviceAttemptsPerMinute: z.coerce.number().int().min(1).default(5),
    /** Base URL of the phone service as phones reach it (for pushed pages), e.g. http://tollgate:8080/phone/. */
    phoneServiceUrl: z.string().url().optional(),
    /** CUCM user with the phones as controlled devices, for pushes to /CGI/Execute. */
    phonePushUser: z.string().min(1).optional(),
    phonePushPassword: z.string().min(1).optional(),
    phonePushConcurrency: z.coerce.number().int().min(1).max(100).default(8),
    phonePushTimeoutMs: z.coerce.number().int().min(100).default(5000),
    phonePushRetries: z.coerce.number().int().min(0).max(5).default(1),

    /** Signs portal sessions and API tokens; generated once into `<dataDir>/jwt-secret` when not set. */
    jwtSecret: z.string().min(32, 'must be at least 32 characters').optional(),
    /** Lifetime of a portal session (cookie) and of an API bearer token. */
    sessionTtl: duration.default(8 * 3600),
    apiTokenTtl: duration.default(30 * 86400),
    /** Initial password of the `admin` account made on first start (random and printed once when not set). */
    adminPassword: z.string().min(8, 'must be at least 8 characters').optional(),
    /** Failed logins per username and address before a lockout of `loginLockout`. */
    loginMaxFailures: z.coerce.number().int().min(1).default(5),
    loginLockout: duration.default(300),
    /** Cookies only over HTTPS (turn on behind TLS). */
    cookieSecure: flag.default(false),
    ldapUrl: z.string().regex(/^ldaps?:\/\/./, 'must start with ldap:// or ldaps://').optional(),
    ldapBindDn: z.string().optional(),
    ldapBindPassword: z.string().optional(),
    ldapBase: z.string().default(''),
    /** Search filter; `{username}` is replaced by the escaped login name. */
    ldapFilter: z.string().default('(|(uid={username})(sAMAccountName={username})(userPrincipalName={username}))'),
    /** Bind straight as this DN/UPN (`{username}@corp.example`, `uid={username},ou=people,dc=…`) instead of search-then-bind. */
    ldapUserTemplate: z.string().optional(),
    ldapStartTls: flag.default(false),
    /** PEM file of the CA that signed the LDAP server's certificate (LDAPS and StartTLS). */
    ldapCaFile: z.string().optional(),
    ldapTimeoutMs: z.coerce.number().int().min(100).default(5000),
    ldapGroupLevels: z.preprocess(parseGroupLevels, z.array(z.object({ group: z.string().min(1), level }).strict())).default([]),
    /** Level of an LDAP user in none of the mapped groups (0: such users cannot log in). */
    ldapDefaultLevel: level.default(2),
    /** Cron expression (croner) for AD sync; empty: no scheduled sync. */
    ldapSyncCron: z.string().trim().refine((v) => {
      if (v === '') return true;
      try {
        new Cron(v, { paused: true }).stop();
        return true;
      } catch {
        return false;
      }
    }, 'not a valid cron expression (e.g. "0 2 * * *")').default(''),
    ldapSyncFilter: z.string().default('(|(objectClass=inetOrgPerson)(objectClass=user))'),
    /** The login-name attribute read by AD sync. */
    ldapUsernameAttribute: z.string().default('uid'),
    /** Webex embedded app ids (the `aud` of their user tokens), comma separated; none: no Webex sign-in for the gadgets. */
    webexAppIds: z.preprocess(list, z.array(z.string().min(1))).default([]),
    /** JWKS of the Webex identity broker that signs embedded-app user tokens. */
    webexJwksUrl: z.string().url('must be an https:// URL').default('https://idbroker.webex.com/idb/oauth2/v2/keys/verificationjwk'),
    /** Accepted `iss` values of Webex user tokens, comma separated. */
    webexIssuers: z.preprocess(list, z.array(z.string().url('must be a URL')).min(1)).default(['https://idbroker.webex.com/idb', 'https://idbroker-b-us.webex.com/idb', 'https://idbroker-eu.webex.com/idb']),
    ldapAttributes: z.preprocess(parseAttributeMap, z.partialRecord(z.enum(LDAP_SYNC_FIELDS), z.string())).default({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.ftpPasvMin > c.ftpPasvMax) {
      ctx.addIssue({ code: 'custom', path: ['ftpPasvMin'], message: 'must not be above ftpPasvMax' });
    }
    if (!c.httpsCert !== !c.httpsKey) {
      ctx.addIssue({ code: 'custom', path: [c.httpsCert ? 'httpsKey' : 'httpsCert'], message: 'httpsCert and httpsKey go together' });
    }
    if (!c.phonePushUser !== !c.phonePushPassword) {
      ctx.addIssue({ code: 'custom', path: [c.phonePushUser ? 'phonePushPassword' : 'phonePushUser'], message: 'phonePushUser and phonePushPassword go together' });
    }

    if (c.ldapSyncCron !== '' && !c.ldapUrl) ctx.addIssue({ code: 'custom', path: ['ldapSyncCron'], message: 'needs TOLLGATE_LDAP_URL' });
    c.receiverUsers.forEach((u, i) => {
      if (!u.site === !u.cluster) {
        ctx.addIssue({ code: 'custom', path: ['receiverUsers', i], message: 'needs exactly one of site or cluster' });
      }
    });
  });

export type Config = Readonly<z.infer<typeof schema> & { db: string; dbKind: DbKind }>;
export type DbKind = 'sqlite' | 'postgres' | 'mssql';

/** Environment variable for every key of the schema: `httpPort` → `TOLLGATE_HTTP_PORT`. */
export function envName(key: string): string {
  return 'TOLLGATE_' + key.replace(/([A-Z])/g, '_$1').toUpperCase();
}

export const CONFIG_KEYS = Object.keys(schema.shape) as Array<keyof z.infer<typeof schema>>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super('invalid configuration:\n  - ' + problems.join('\n  - '));
    this.name = 'ConfigError';
  }
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`TOLLGATE_CONFIG: cannot read ${file}: ${(err as Error).message}`]);
  }
  try {
    const parsed: unknown = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the top level must be an object');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError([`TOLLGATE_CONFIG: ${file}: ${(err as Error).message}`]);
  }
}

/**
 * Builds the configuration from an environment (default `process.env`) and the optional file.
 * Throws a `ConfigError` listing every problem, each naming the env var (or file key) and value.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const fromFile = env.TOLLGATE_CONFIG ? readConfigFile(env.TOLLGATE_CONFIG) : {};
  const input: Record<string, unknown> = { ...fromFile };
  const problems: string[] = [];
  const known = new Set<string>(CONFIG_KEYS);
  for (const key of Object.keys(fromFile)) {
    if (!known.has(key)) problems.push(`${env.TOLLGATE_CONFIG}: unknown setting "${key}"`);
    delete input[key];
    if (known.has(key)) input[key] = fromFile[key];
  }
  const envKeys = new Set(CONFIG_KEYS.map(envName));
  for (const name of Object.keys(env)) {
    if (name.startsWith('TOLLGATE_') && !envKeys.has(name) && name !== 'TOLLGATE_CONFIG' && !IGNORED_ENV.has(name)) {
      problems.push(`${name}: unknown setting (known: ${[...envKeys].sort().join(', ')})`);
    }
  }
  for (const key of CONFIG_KEYS) {
    const v = env[envName(key)];
    if (v !== undefined) input[key] = v;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? '');
      const where = env[envName(key)] !== undefined ? envName(key) : key in fromFile ? `${env.TOLLGATE_CONFIG}: ${key}` : envName(key);
      const sub = issue.path.length > 1 ? `[${issue.path.slice(1).join('.')}]` : '';
      const shown = /password|secret|token/i.test(key) || key === 'receiverUsers' ? '' : describeValue(input[key]);
      problems.push(`${where}${sub}: ${issue.message}${shown}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const c = result.data!;
  const db = c.db ?? `sqlite:${path.join(c.dataDir, 'tollgate.db')}`;
  const dbKind: DbKind = db.startsWith('sqlite:') ? 'sqlite' : db.startsWith('mssql:') ? 'mssql' : 'postgres';
  return Object.freeze({ ...c, db, dbKind });
}

/** Variables with the prefix that are read elsewhere (tests, the demo), not settings. */
const IGNORED_ENV = new Set(['TOLLGATE_TEST_PG_URL']);

function describeValue(v: unknown): string {
  if (v === undefined) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return ` (got ${JSON.stringify(s.length > 80 ? s.slice(0, 80) + '…' : s)})`;
}
