import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { readSampleTariffs } from '../admin/sample-tariffs.js';
import { upsertAccountCodes } from '../db/queries/account-codes.js';
import { setPrefixTable } from '../db/queries/prefix-tables.js';
import { parsePrefixTable } from '../rating/prefix-table.js';
import type { DbOrTx } from '../db/knex.js';
import { upsertTariffs } from '../db/queries/tariffs.js';
import { findSiteByCode, upsertGateway, upsertSite } from '../db/queries/sites.js';
import { upsertUser, type UserInput } from '../db/queries/users.js';
import { usDialPlan, type DialPlan } from './dial-plan.js';
import { seedFrom } from './rng.js';

/**
 * The demo site: a New York office on cluster `DemoCluster` with a SIP trunk, an MGCP PRI
 * gateway and 40 people. The generator's dial plan and the users created in the database come
 * from the same lists, so every generated phone call belongs to somebody.
 */

export const DEMO_SITE = 'DEMO';
export const DEMO_CLUSTER = 'DemoCluster';
export const DEMO_TIMEZONE = 'America/New_York';

const FIRST = ['Alice', 'Bruno', 'Chen', 'Dana', 'Emeka', 'Fatima', 'Greg', 'Hana', 'Ivan', 'Julia', 'Kofi', 'Laura', 'Mateo',
  'Nadia', 'Oscar', 'Priya', 'Quinn', 'Rosa', 'Sam', 'Tara'];
const LAST = ['Anderson', 'Baker', 'Castillo', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Hughes', 'Ito', 'Jensen', 'Kowalski',
  'Lopez', 'Moreau', 'Nguyen', 'Okafor', 'Patel', 'Rossi', 'Schmidt', 'Tanaka', 'Walsh'];

const DEPARTMENTS = [
  { name: 'Sales', costCenter: 'CC-4100', office: 'New York HQ, floor 12' },
  { name: 'Support', costCenter: 'CC-4200', office: 'New York HQ, floor 11' },
  { name: 'Finance', costCenter: 'CC-3100', office: 'New York HQ, floor 14' },
  { name: 'Engineering', costCenter: 'CC-5100', office: 'New York HQ, floor 9' },
  { name: 'Management', costCenter: 'CC-1000', office: 'New York HQ, floor 15' },
] as const;

/** Who works in which department: sales and support are the biggest teams. */
const DEPARTMENT_OF = [0, 0, 1, 3, 0, 1, 2, 3, 0, 1, 3, 4];

export interface DemoPerson {
  username: string;
  firstName: string;
  lastName: string;
  department: (typeof DEPARTMENTS)[number];
}

/** The 40 demo people, in extension order (2001, 2002, …). */
export function demoPeople(count = 40): DemoPerson[] {
  const people: DemoPerson[] = [];
  for (let i = 0; i < count; i++) {
    const firstName = FIRST[i % FIRST.length]!;
    const lastName = LAST[(i * 7 + Math.floor(i / LAST.length)) % LAST.length]!;
    people.push({
      username: `${firstName[0]}${lastName}`.toLowerCase() + (i >= FIRST.length ? String(Math.floor(i / FIRST.length) + 1) : ''),
      firstName,
      lastName,
      department: DEPARTMENTS[DEPARTMENT_OF[i % DEPARTMENT_OF.length]!]!,
    });
  }
  return people;
}

/** The generator's dial plan for the demo site: lines 2001…, access code 9, the site's gateways. */
export function demoDialPlan(people: readonly DemoPerson[] = demoPeople()): DialPlan {
  return usDialPlan({
    seed: seedFrom(DEMO_SITE), users: people.length, firstExtension: 2001, partition: 'PT-Internal', accessCode: '9',
    trunks: ['SIP-TRUNK-PSTN', 'SIP-TRUNK-PSTN', 'S0/SU0/DS1-0@gw1.demo.local', 'S0/SU0/DS1-1@gw1.demo.local'],
    homeAreaCodes: ['212', '646', '917'],
    login: (i) => people[i]?.username ?? `user${i}`,
  });
}

/** The sample tariff of the demo site. */
export const DEMO_TARIFF = 'US-SAMPLE';

/**
 * Creates or updates the demo site, its gateways and its users (idempotent: the same rows after
 * any number of runs). Returns the number of users.
 */
export async function ensureDemoSite(options: { db: DbOrTx; plan: DialPlan; people: readonly DemoPerson[]; now: number }): Promise<number> {
  const { db, plan, people, now } = options;
  // The US sample tariff (made-up prices) rates the demo's outgoing calls.
  await upsertTariffs({ db, tariffs: (await readSampleTariffs()).filter((t) => t.code === DEMO_TARIFF), now });
  await upsertSite({
    db, now,
    site: {
      code: DEMO_SITE, name: 'Demo office (generated data)', country: 'US', areaCode: '212', timezone: DEMO_TIMEZONE,
      currency: 'USD', driver: 'cucm', importInternal: true, autoAcquire: false, clusterIds: [DEMO_CLUSTER], accessCodes: [plan.accessCode],
      tariffCode: DEMO_TARIFF,
    },
  });
  const site = await findSiteByCode({ db, code: DEMO_SITE });
  if (!site) throw new Error('the demo site could not be created');
  // The US sample prefix table names areas; account codes: client matter codes (52001 is left
  // out, so the demo shows unknown codes in `status`) and the FAC descriptions CUCM writes.
  const prefixes = parsePrefixTable(await readFile(fileURLToPath(new URL('../rating/samples/prefixes-us.csv', import.meta.url)), 'utf8'));
  await setPrefixTable({ db, siteId: site.id, entries: prefixes.entries, now });
  await upsertAccountCodes({
    db,
    codes: [
      { code: '1001', description: 'Client Acme Corp', costCenter: 'CC-9001', privacyDigits: 0, replaceWithDescription: true },
      { code: '1002', description: 'Client Globex', costCenter: 'CC-9002', privacyDigits: 0, replaceWithDescription: true },
      { code: '2040', description: 'Project Apollo', costCenter: 'CC-5100', privacyDigits: 0, replaceWithDescription: false },
      { code: '3150', description: 'HR hotline (private)', costCenter: 'CC-2100', privacyDigits: 4, replaceWithDescription: false },
      { code: '4711', description: 'Internal audit', costCenter: 'CC-3100', privacyDigits: 0, replaceWithDescription: false },
      { code: 'Legal1', description: 'Legal department', costCenter: 'CC-LEGAL', privacyDigits: 4, replaceWithDescription: true },
      { code: 'Sales-Intl', description: 'International sales', costCenter: 'CC-4100', privacyDigits: 0, replaceWithDescription: false },
      { code: 'Exec', description: 'Executive', costCenter: 'CC-1000', privacyDigits: 6, replaceWithDescription: false },
    ].map((c) => ({ ...c, siteId: site.id })),
  });
  await upsertGateway({ db, siteId: site.id, gateway: { name: 'SIP-TRUNK-PSTN', match: 'exact', kind: 'trunk', label: 'PSTN SIP trunk (carrier SBC)' } });
  await upsertGateway({ db, siteId: site.id, gateway: { name: 'S0/SU0/DS1-*@gw1.demo.local', match: 'glob', kind: 'gateway', label: 'MGCP PRI gateway gw1' } });
  for (let i = 0; i < people.length; i++) {
    const p = people[i]!;
    const ext = plan.extensions[i]!;
    const user: UserInput = {
      username: p.username, site_id: site.id, first_name: p.firstName, last_name: p.lastName,
      email: `${p.firstName}.${p.lastName}@demo.example.com`.toLowerCase(), department: p.department.name,
      cost_center: p.department.costCenter, office_location: p.department.office,
      custom_1: '', custom_2: '', custom_3: '', custom_4: '', custom_5: '', custom_6: '', custom_7: '', custom_8: '', custom_9: '', custom_10: '',
      partition: ext.partition, extension: ext.line, extension_billing: true, fax_extension: '', fax_billing: true,
      voicemail_extension: '', voicemail_billing: true, devices: [ext.device],
    };
    await upsertUser({ db, user, now });
  }
  return people.length;
}
