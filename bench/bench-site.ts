import { readSampleTariffs } from '../src/admin/sample-tariffs.js';
import type { DbOrTx } from '../src/db/knex.js';
import { upsertTariffs } from '../src/db/queries/tariffs.js';
import { findSiteByCode, upsertGateway, upsertSite } from '../src/db/queries/sites.js';
import { upsertUser, type UserInput } from '../src/db/queries/users.js';
import { usDialPlan, type DialPlan } from '../src/demo/dial-plan.js';

/**
 * The benchmark's cluster: 2,000 phone lines and four gateways/trunks, the same in the generator
 * (parent process) and in the database of the importing child, so that rows are stored, not
 * discarded as unknown extensions.
 */

export const BENCH_SITE = 'BENCH';
export const BENCH_CLUSTER = 'BenchCluster';
export const BENCH_USERS = 2000;

const TRUNKS = ['SIP-TRUNK-PSTN-A', 'SIP-TRUNK-PSTN-B', 'S0/SU0/DS1-0@gw1.bench.local', 'S0/SU0/DS1-1@gw1.bench.local'];

/** The benchmark dial plan (lines 20001–22000, access code 9). */
export function benchPlan(): DialPlan {
  return usDialPlan({ seed: 20_000, users: BENCH_USERS, firstExtension: 20001, partition: 'PT-Internal', trunks: TRUNKS });
}

/** Creates the bench site, its gateways and one user per line (with the line's phone). */
export async function createBenchSite(db: DbOrTx, plan: DialPlan): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  // Outgoing calls are rated with the US sample tariff (time bands, holidays, prefix and type rates).
  await upsertTariffs({ db, tariffs: (await readSampleTariffs()).filter((t) => t.code === 'US-SAMPLE'), now });
  await upsertSite({
    db, now,
    site: {
      code: BENCH_SITE, name: 'Benchmark', country: 'US', areaCode: '212', timezone: 'America/New_York', currency: 'USD',
      driver: 'cucm', importInternal: true, autoAcquire: false, clusterIds: [BENCH_CLUSTER], accessCodes: [plan.accessCode],
      tariffCode: 'US-SAMPLE',
    },
  });
  const site = await findSiteByCode({ db, code: BENCH_SITE });
  if (!site) throw new Error('bench site not created');
  await upsertGateway({ db, siteId: site.id, gateway: { name: 'SIP-TRUNK-PSTN-A', match: 'exact', kind: 'trunk', label: '' } });
  await upsertGateway({ db, siteId: site.id, gateway: { name: 'SIP-TRUNK-PSTN-B', match: 'exact', kind: 'trunk', label: '' } });
  await upsertGateway({ db, siteId: site.id, gateway: { name: 'S0/SU0/DS1-*@gw1.bench.local', match: 'glob', kind: 'gateway', label: '' } });
  const blank = { custom_1: '', custom_2: '', custom_3: '', custom_4: '', custom_5: '', custom_6: '', custom_7: '', custom_8: '', custom_9: '', custom_10: '' };
  for (const [i, ext] of plan.extensions.entries()) {
    const user: UserInput = {
      ...blank, username: ext.login, site_id: site.id, first_name: 'Bench', last_name: `User ${i + 1}`, email: '',
      department: ['Sales', 'Support', 'Finance', 'Engineering'][i % 4]!, cost_center: `CC-${1000 + (i % 40)}`, office_location: '',
      partition: ext.partition, extension: ext.line, extension_billing: true, fax_extension: '', fax_billing: true,
      voicemail_extension: '', voicemail_billing: true, devices: [ext.device],
    };
    await upsertUser({ db, user, now });
  }
}
