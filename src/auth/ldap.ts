import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Client, InvalidCredentialsError, type Entry } from 'ldapts';
import type { Config } from '../config.js';

/**
 * LDAP / Active Directory over ldapts: search-then-bind (a service account finds the user's DN,
 * then the user's password is checked by binding as that DN) or a direct bind through a DN/UPN
 * template; LDAPS (`ldaps://`) or StartTLS, with an optional CA file; group DNs mapped to
 * permission levels. A server that is down or slow raises `LdapUnavailableError` after the
 * configured timeout. This module never logs.
 */

export type LdapSettings = Pick<Config,
  'ldapUrl' | 'ldapBindDn' | 'ldapBindPassword' | 'ldapBase' | 'ldapFilter' | 'ldapUserTemplate' | 'ldapStartTls' | 'ldapCaFile'
  | 'ldapTimeoutMs' | 'ldapGroupLevels' | 'ldapDefaultLevel' | 'ldapSyncFilter' | 'ldapUsernameAttribute' | 'ldapAttributes'>;

export class LdapUnavailableError extends Error {
  override name = 'LdapUnavailableError';
}

export interface LdapUser {
  dn: string;
  username: string;
  /** Every attribute as its first value. */
  attributes: Record<string, string>;
  groups: string[];
  /** From the group mapping (highest mapped level), else the default level. */
  level: number;
}

export interface LdapDirectory {
  /** The user when the password is right, null when the user is unknown or the password wrong. */
  authenticate(username: string, password: string): Promise<LdapUser | null>;
  /** Every user matching the sync filter (service account bind). */
  listUsers(): Promise<LdapUser[]>;
}

/** RFC 4515 escaping of a value inside a filter. */
export function escapeFilterValue(v: string): string {
  return v.replace(/[\\*()\0]/g, (c) => '\\' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}

/** RFC 4514 escaping of a value inside a DN. */
export function escapeDnValue(v: string): string {
  return v.replace(/[\\,+"<>;=]/g, (c) => '\\' + c).replace(/^[ #]/, (c) => '\\' + c).replace(/ $/, '\\ ');
}

const normDn = (dn: string) => dn.toLowerCase().split(',').map((p) => p.trim()).join(',');

function first(v: Entry[string] | undefined): string {
  const x = Array.isArray(v) ? v[0] : v;
  return x === undefined ? '' : Buffer.isBuffer(x) ? x.toString('utf8') : String(x);
}

function all(v: Entry[string] | undefined): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
}

export function createLdapDirectory(settings: LdapSettings & { ldapUrl: string }): LdapDirectory {
  const ca = settings.ldapCaFile ? readFileSync(settings.ldapCaFile) : undefined;
  const tlsOptions: ConnectionOptions = ca ? { ca } : {};
  const groupLevels = settings.ldapGroupLevels.map((g) => ({ dn: normDn(g.group), level: g.level }));

  function describe(err: unknown): LdapUnavailableError {
    const e = err as Error & { code?: string };
    const what = /timeout/i.test(e.message) || e.name === 'TimeoutError' ? `no answer within ${settings.ldapTimeoutMs} ms` : e.message || e.code || String(err);
    return new LdapUnavailableError(`LDAP server ${settings.ldapUrl} unavailable: ${what}`);
  }

  /** Opens a client (StartTLS when set); the function runs with it and the client is always closed. */
  async function withClient<T>(fn: (c: Client) => Promise<T>): Promise<T> {
    // ldapts keeps the socket in the options it is given: each connection gets its own copy.
    const client = new Client({
      url: settings.ldapUrl, timeout: settings.ldapTimeoutMs, connectTimeout: settings.ldapTimeoutMs,
      ...(settings.ldapUrl.startsWith('ldaps:') ? { tlsOptions: { ...tlsOptions } } : {}),
    });
    try {
      if (settings.ldapStartTls) {
        try {
          await client.startTLS({ ...tlsOptions });
        } catch (err) {
          throw describe(err);
        }
      }
      return await fn(client);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  /** Runs an LDAP operation; a network or timeout failure becomes LdapUnavailableError. */
  async function op<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof InvalidCredentialsError || err instanceof LdapUnavailableError) throw err;
      if ((err as { code?: unknown }).code !== undefined && typeof (err as { code?: unknown }).code === 'number') throw err;
      throw describe(err);
    }
  }

  async function serviceBind(c: Client): Promise<void> {
    if (settings.ldapBindDn) await op(() => c.bind(settings.ldapBindDn!, settings.ldapBindPassword ?? ''));
  }

  async function groupsOf(c: Client, dn: string, username: string, memberOf: string[]): Promise<string[]> {
    const filter = `(|(member=${escapeFilterValue(dn)})(uniqueMember=${escapeFilterValue(dn)})(memberUid=${escapeFilterValue(username)}))`;
    const { searchEntries } = await op(() => c.search(settings.ldapBase, { scope: 'sub', filter, attributes: ['dn'], sizeLimit: 1000 }));
    return [...new Set([...memberOf, ...searchEntries.map((e) => e.dn)])];
  }

  function toUser(entry: Entry, username: string, groups: string[]): LdapUser {
    const attributes: Record<string, string> = {};
    for (const [k, v] of Object.entries(entry)) if (k !== 'dn') attributes[k] = first(v);
    const mine = new Set(groups.map(normDn));
    const levels = groupLevels.filter((g) => mine.has(g.dn)).map((g) => g.level);
    return { dn: entry.dn, username, attributes, groups, level: levels.length > 0 ? Math.max(...levels) : settings.ldapDefaultLevel };
  }

  const userFilter = (username: string) => settings.ldapFilter.replaceAll('{username}', escapeFilterValue(username));

  return {
    async authenticate(username, password) {
      // An empty password would be an anonymous bind, which LDAP servers accept.
      if (password === '' || username.trim() === '') return null;
      return withClient(async (c) => {
        let entry: Entry | undefined;
        if (settings.ldapUserTemplate) {
          const name = settings.ldapUserTemplate.replaceAll('{username}', settings.ldapUserTemplate.includes('=') ? escapeDnValue(username) : username);
          try {
            await op(() => c.bind(name, password));
          } catch (err) {
            if (err instanceof InvalidCredentialsError) return null;
            throw err;
          }
          const found = await op(() => c.search(settings.ldapBase, { scope: 'sub', filter: userFilter(username), sizeLimit: 2 }));
          entry = found.searchEntries[0] ?? { dn: name };
        } else {
          await serviceBind(c);
          const found = await op(() => c.search(settings.ldapBase, { scope: 'sub', filter: userFilter(username), sizeLimit: 2 }));
          if (found.searchEntries.length !== 1) return null;
          entry = found.searchEntries[0]!;
          try {
            await op(() => c.bind(entry!.dn, password));
          } catch (err) {
            if (err instanceof InvalidCredentialsError) return null;
            throw err;
          }
          await serviceBind(c);
        }
        const groups = await groupsOf(c, entry.dn, username, all(entry.memberOf));
        return toUser(entry, username, groups);
      });
    },
    async listUsers() {
      return withClient(async (c) => {
        await serviceBind(c);
        const { searchEntries } = await op(() => c.search(settings.ldapBase, { scope: 'sub', filter: settings.ldapSyncFilter, paged: { pageSize: 500 } }));
        const out: LdapUser[] = [];
        for (const e of searchEntries) {
          const username = first(e[settings.ldapUsernameAttribute]);
          if (!username) continue;
          out.push(toUser(e, username, await groupsOf(c, e.dn, username, all(e.memberOf))));
        }
        return out;
      });
    },
  };
}
