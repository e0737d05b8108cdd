import request from 'supertest';
import type { Logger } from 'pino';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { upsertSite } from '../../src/db/queries/sites.js';
import { upsertUser } from '../../src/db/queries/users.js';
import { createPhoneLockServices } from '../../src/phone-lock/create.js';
import { testLog } from './logger.js';
import { HQ, user } from './pipeline.js';
import { createTestDb } from './test-db.js';

export const TOKEN = 'test-admin-token-0123456789';

/**
 * A migrated database with site HQ (access codes 7 and 9) and users: ann and bob share extension
 * 1001 in partitions PT_A and PT_B (devices SEPAAA000000001 and SEPBBB000000002); carl has 2001
 * without a partition (SEPCCC000000003). Phone Lock started over it and the app built.
 */
export async function setupLock(kind: 'sqlite' | 'postgres' = 'sqlite', env: Record<string, string> = {}, options: { log?: Logger } = {}) {
  const t = await createTestDb(kind);
  const config = loadConfig({ TOLLGATE_DB: t.url, TOLLGATE_ADMIN_TOKEN: TOKEN, TOLLGATE_LOCK_POLL_MS: '100', ...env });
  const siteId = await upsertSite({ db: t.db, site: HQ, now: 0 });
  await upsertUser({ db: t.db, user: user('ann', '1001', { partition: 'PT_A', site_id: siteId, devices: ['SEPAAA000000001'] }), now: 0 });
  await upsertUser({ db: t.db, user: user('bob', '1001', { partition: 'PT_B', site_id: siteId, devices: ['SEPBBB000000002'] }), now: 0 });
  await upsertUser({ db: t.db, user: user('carl', '2001', { site_id: siteId, devices: ['SEPCCC000000003'] }), now: 0 });
  const log = options.log ?? testLog;
  const services = createPhoneLockServices(config, t.db, log, { push: true });
  await services.phoneLock.start();
  const app = createApp({ db: t.db, log, lock: { ...services, settings: config } });
  return {
    ...t, config, siteId, ...services, app,
    http: () => request(app.callback()),
    async close() {
      await services.phoneLock.stop();
      await t.close();
    },
  };
}
