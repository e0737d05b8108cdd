import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createMiner } from '../../src/billing/miner.js';
import { upsertSite, type SiteInput } from '../../src/db/queries/sites.js';
import { upsertUser, type UserInput } from '../../src/db/queries/users.js';
import { createSpool } from '../../src/recorder/spool.js';
import { testLog } from './logger.js';
import { createTestDb, type TestDb } from './test-db.js';

export const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
export const SHARED_FIXTURES = path.resolve(import.meta.dirname, '../../../shared/fixtures/cucm');

export const HQ: SiteInput = {
  code: 'HQ', name: 'Head office', country: 'US', areaCode: '503', timezone: 'America/Los_Angeles', currency: 'USD',
  driver: 'cucm', importInternal: true, autoAcquire: false, clusterIds: ['cucmOHSUtest', 'StandAloneCluster', 'NASA-ARC-UC-cluster'],
  accessCodes: ['7', '9'],
};

export function user(username: string, extension: string, extra: Partial<UserInput> = {}): UserInput {
  return {
    username, first_name: username, last_name: 'Test', email: `${username}@example.com`, department: 'Sales', cost_center: 'CC1',
    office_location: '', custom_1: '', custom_2: '', custom_3: '', custom_4: '', custom_5: '', custom_6: '', custom_7: '', custom_8: '',
    custom_9: '', custom_10: '', partition: '', extension, extension_billing: true, fax_extension: '', fax_billing: true,
    voicemail_extension: '', voicemail_billing: true, site_id: null, devices: [], ...extra,
  };
}

/** A migrated database with the HQ site, a spool in a temp dir and a miner over them. */
export async function setupPipeline(kind: 'sqlite' | 'postgres' = 'sqlite', options: { batchSize?: number; site?: Partial<SiteInput> } = {}) {
  const t: TestDb = await createTestDb(kind);
  const now = Math.floor(Date.now() / 1000);
  const siteId = await upsertSite({ db: t.db, site: { ...HQ, ...options.site }, now });
  const dataDir = path.join(t.dir, 'data');
  const spool = createSpool({ dataDir, db: t.db, log: testLog, maxFileBytes: 50 * 1024 * 1024 });
  const miner = createMiner({ db: t.db, log: testLog, spool, batchSize: options.batchSize ?? 2, pollMs: 50 });
  return {
    ...t, siteId, spool, miner, dataDir,
    addUser: (u: UserInput) => upsertUser({ db: t.db, user: u, now }),
    /** Spools a file as `tollgate import` does, then mines what is waiting. */
    async importFile(file: string, name = path.basename(file)) {
      const r = await spool.receive({ name, source: createReadStream(file), channel: 'import', site: options.site?.code ?? HQ.code });
      await miner.runUntilIdle();
      return r;
    },
  };
}

/** The real CUCM sample files of shared/fixtures, by name and content. */
export const CDR_NAME = 'cdr_cucmOHSUtest_02_202504181632_101';
export const CMR_NAME = 'cmr_cucmOHSUtest_02_202504181632_101';
export const sampleCdr = readFileSync(path.join(SHARED_FIXTURES, CDR_NAME));
export const sampleCmr = readFileSync(path.join(SHARED_FIXTURES, CMR_NAME));

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
