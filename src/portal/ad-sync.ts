import { Cron } from 'croner';
import type { Logger } from 'pino';
import { mapAttributes } from '../auth/login.js';
import type { LdapDirectory } from '../auth/ldap.js';
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import { disableMissingLdapUsers, upsertLdapUser } from '../db/queries/portal-users.js';

export interface SyncReport {
  found: number;
  created: number;
  updated: number;
  /** Local accounts with the same username, left alone. */
  skipped: number;
  disabled: number;
}

/**
 * AD sync: every directory user matching the sync filter is created or updated (attribute
 * mapping, level from the group mapping); directory users no longer found are disabled. One
 * transaction, so a failed sync changes nothing.
 */
export async function syncDirectory(options: { db: Db; ldap: LdapDirectory; attributes: Config['ldapAttributes']; now: number }): Promise<SyncReport> {
  const { db, ldap, attributes, now } = options;
  const users = await ldap.listUsers();
  return db.transaction(async (tx) => {
    const report: SyncReport = { found: users.length, created: 0, updated: 0, skipped: 0, disabled: 0 };
    for (const u of users) {
      const r = await upsertLdapUser({ db: tx, username: u.username, dn: u.dn, level: u.level, fields: mapAttributes(u, attributes), now });
      report[r.action]++;
      if (r.action !== 'skipped') await tx('users').where({ id: r.id }).update({ disabled: false });
    }
    report.disabled = await disableMissingLdapUsers({ db: tx, keep: users.map((u) => u.username), now });
    return report;
  });
}

/** Runs AD sync on a cron schedule (croner); overlapping runs are skipped. `stop()` ends it. */
export function scheduleDirectorySync(options: { cron: string; run: () => Promise<SyncReport>; log: Logger }): { stop(): void } {
  const job = new Cron(options.cron, { protect: true, catch: (err) => options.log.error({ err }, 'AD sync failed') }, async () => {
    const report = await options.run();
    options.log.info({ ...report }, 'AD sync done');
  });
  return { stop: () => job.stop() };
}
