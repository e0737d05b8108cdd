import { migrateLatest, openDb } from '../src/db/knex.js';
import { curriRequest } from '../test/support/curri.js';

/**
 * The CURRI benchmarks' data (`bench:curri`, `bench:curri-instructions`): 10,000 lines, one user,
 * device and extension each, 1% of them locked, and realistic requests from random lines.
 */
export const LINES = 10_000;

export const benchDevice = (i: number) => `SEP${(0xa00000000000 + i).toString(16).toUpperCase()}`;
export const benchExtension = (i: number) => String(20000 + i);

/** Creates the bench database in the SQLite file `file` (migrated, with the lines and locks). */
export async function prepareCurriBench(file: string): Promise<void> {
  const db = openDb(`sqlite:${file}`);
  await migrateLatest(db);
  const [site] = await db('sites').insert({ code: 'B', name: 'Bench', country: 'US', timezone: 'UTC', currency: 'USD', created_at: 0 }).returning('id');
  const siteId = Number(typeof site === 'object' ? site.id : site);
  await db('access_codes').insert({ site_id: siteId, code: '9' });
  for (let start = 0; start < LINES; start += 500) {
    const users = Array.from({ length: Math.min(500, LINES - start) }, (_, k) => ({
      username: `u${start + k}`, site_id: siteId, partition: 'PT_INTERNAL', extension: benchExtension(start + k), created_at: 0, updated_at: 0,
    }));
    const ids = await db('users').insert(users).returning('id');
    await db('user_devices').insert(ids.map((r: { id: number } | number, k: number) => ({ device_name: benchDevice(start + k), user_id: typeof r === 'object' ? r.id : r })));
  }
  const locked = Array.from({ length: LINES / 100 }, (_, k) => ({ partition: 'PT_INTERNAL', extension: benchExtension(k * 100), reason: 'admin', since: 0, who: 'bench', channel: 'cli' }));
  await db('line_locks').insert(locked);
  await db.destroy();
}

/**
 * 4,096 request bodies from lines drawn by `random` to outside numbers (about 1% from locked
 * lines). A seeded `random` gives the same bodies on every run.
 */
export function curriBenchBodies(random: () => number = Math.random): Buffer[] {
  return Array.from({ length: 4096 }, (_, k) => {
    const i = Math.floor(random() * LINES);
    const called = 1_503_555_0000 + k;
    return Buffer.from(curriRequest({ calling: benchExtension(i), called: `9${called}`, cgpn: `+1503555${benchExtension(i)}`, cdpn: `+1${called}`, device: benchDevice(i) }));
  });
}

/** CUCM's request headers. */
export const CURRI_BENCH_HEADERS = { 'content-type': 'text/xml; charset=ISO-8859-1', methodname: 'isRoleAccessAllowed', 'user-agent': 'CiscoUCM-HttpClient/1.0' };
