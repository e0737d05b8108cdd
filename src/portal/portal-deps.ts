import { randomBytes } from 'node:crypto';
import { createLdapDirectory, type LdapDirectory } from '../auth/ldap.js';
import type { LoginThrottleSettings } from '../auth/throttle.js';
import { createTokenService, type TokenService } from '../auth/tokens.js';
import type { Config } from '../config.js';
import { createGadgetSigner, type GadgetSigner } from '../gadgets/gadget-tokens.js';
import { createWebexVerifier, type WebexVerifier } from '../gadgets/webex.js';

/** What the portal routes need besides the database and the logger. */
export interface PortalDeps {
  tokens: TokenService;
  /** Login throttling (kept in the database: see src/auth/throttle.ts). */
  throttle: LoginThrottleSettings;
  ldap: LdapDirectory | undefined;
  ldapAttributes: Config['ldapAttributes'];
  sessionTtl: number;
  cookieSecure: boolean;
  /** AD sync on demand (POST /api/users/sync); undefined without LDAP. */
  syncDirectory: (() => Promise<unknown>) | undefined;
  /** Built front end (index.html and assets); undefined: not served. */
  webDir: string | undefined;
  /** Signs gadget tokens (default: a random key, so tokens live as long as the process). */
  gadgetSigner?: GadgetSigner;
  /** Webex embedded-app sign-in; undefined: not configured (no app id). */
  webex?: WebexVerifier | undefined;
  /** Built gadgets (`<dir>/<name>/index.html`); undefined: not served. */
  gadgetsDir?: string | undefined;
  /** Clock of the gadget tokens (tests), epoch seconds. */
  now?: () => number;
}

export type PortalSettings = Pick<Config, 'webexAppIds' | 'webexJwksUrl' | 'webexIssuers' | 'sessionTtl' | 'apiTokenTtl' | 'loginMaxFailures' | 'loginLockout' | 'cookieSecure' | 'ldapAttributes'>
  & Partial<Pick<Config, 'ldapUrl' | 'ldapBindDn' | 'ldapBindPassword' | 'ldapBase' | 'ldapFilter' | 'ldapUserTemplate' | 'ldapStartTls' | 'ldapCaFile'
  | 'ldapTimeoutMs' | 'ldapGroupLevels' | 'ldapDefaultLevel' | 'ldapSyncFilter' | 'ldapUsernameAttribute'>>;

/** Builds the portal's services from the configuration and the JWT secret. */
export function createPortalDeps(options: { config: Config; secret: string; webDir?: string; gadgetsDir?: string; syncDirectory?: () => Promise<unknown> }): PortalDeps {
  const { config, secret } = options;
  return {
    tokens: createTokenService({ secret, sessionTtl: config.sessionTtl, apiTokenTtl: config.apiTokenTtl }),
    throttle: { maxFailures: config.loginMaxFailures, lockoutS: config.loginLockout },
    ldap: config.ldapUrl ? createLdapDirectory({ ...config, ldapUrl: config.ldapUrl }) : undefined,
    ldapAttributes: config.ldapAttributes,
    sessionTtl: config.sessionTtl,
    cookieSecure: config.cookieSecure,
    syncDirectory: options.syncDirectory,
    webDir: options.webDir,
    gadgetsDir: options.gadgetsDir,
    gadgetSigner: createGadgetSigner(secret),
    webex: config.webexAppIds.length > 0 ? createWebexVerifier({ appIds: config.webexAppIds, jwksUrl: config.webexJwksUrl, issuers: config.webexIssuers }) : undefined,
  };
}

/** Defaults for `createApp` callers that pass no portal (tests of other parts): a random secret, no LDAP. */
export function defaultPortalDeps(): PortalDeps {
  return {
    tokens: createTokenService({ secret: randomBytes(32).toString('hex'), sessionTtl: 8 * 3600, apiTokenTtl: 30 * 86400 }),
    throttle: { maxFailures: 5, lockoutS: 300 },
    ldap: undefined, ldapAttributes: {}, sessionTtl: 8 * 3600, cookieSecure: false, syncDirectory: undefined, webDir: undefined,
  };
}
