import { writeFileSync } from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { upsertAccountCodes } from '../../src/db/queries/account-codes.js';
import { findSiteByCode, upsertGateway } from '../../src/db/queries/sites.js';
import { upsertTariffs } from '../../src/db/queries/tariffs.js';
import { parseTariff } from '../../src/rating/tariff.js';
import { cdrFile, type RowSpec } from './cdr-rows.js';
import { HQ, setupPipeline, user } from './pipeline.js';

/**
 * The golden phone bill: hand-made CDRs of a London site, two hand-written tariffs (two
 * carriers), account codes; every cost is worked out by hand in the comments of GOLDEN.
 */

export const TARIFF_A = parseTariff({
  code: 'T-A', name: 'Carrier A business', carrier: 'Carrier A', currency: 'GBP',
  bands: { default: 'offpeak', rules: [{ band: 'peak', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' }] },
  rates: [
    { type: 'local', perMinuteMicro: 20_000, bandPerMinuteMicro: { peak: 40_000 }, first: 60, next: 60 },
    { type: 'national', perMinuteMicro: 50_000, first: 60, next: 1 },
    { type: 'mobile', perMinuteMicro: 100_000, setupMinor: 2, first: 30, next: 6, minChargeMinor: 10 },
    { prefix: '33', perMinuteMicro: 150_000, first: 1, next: 1 },
    { type: 'international', perMinuteMicro: 300_000, first: 60, next: 60 },
  ],
});
export const TARIFF_B = parseTariff({
  code: 'T-B', name: 'Carrier B per second', carrier: 'Carrier B', currency: 'GBP',
  rates: [
    { type: 'international', perMinuteMicro: 200_000, first: 1, next: 1 },
    { type: 'mobile', perMinuteMicro: 80_000, first: 1, next: 1 },
    { type: 'national', perMinuteMicro: 30_000, first: 1, next: 1 },
    { type: 'local', perMinuteMicro: 10_000, first: 1, next: 1 },
  ],
});

export const LONDON = {
  ...HQ, code: 'LON', name: 'London', country: 'GB', areaCode: '20', timezone: 'Europe/London', currency: 'GBP',
  clusterIds: ['GoldenCluster'], accessCodes: ['9'], tariffCode: 'T-A',
};

// Tuesday 17 November 2026; London is on UTC in November. Peak is 08:00-18:00 on weekdays.
export const at = (hh: number, mm = 0) => Date.UTC(2026, 10, 17, hh, mm) / 1000;
export const A = 'SIP-CARRIER-A';
export const B = 'SIP-CARRIER-B';
const out = (callId: number, calling: string, called: string, when: number, talk: number, extra: Partial<RowSpec> = {}): RowSpec => ({
  callId, calling, called, origDevice: `SEP00000000${calling}`, destDevice: A, at: when, talk, ...extra,
});

/** Call id → [cost (pence), destination type, cost centre]. */
export const GOLDEN: Record<number, [number, string, string]> = {
  1: [8, 'local', 'CC-SALES'], // 61 s peak local: 60/60 → 120 s × 0.04/min = 8p
  2: [4, 'local', 'CC-SALES'], // 61 s off-peak: 120 s × 0.02 = 4p
  3: [8, 'national', 'CC-ENG'], // 100 s national 60/1: 100 s × 0.05 = 8.33p → 8p
  4: [18, 'mobile', 'CC-ENG'], // 95 s mobile 30/6: 96 s × 0.10 = 16p + 2p set-up
  5: [10, 'mobile', 'CC-ENG'], // 5 s mobile: 30 s × 0.10 = 5p + 2p = 7p → minimum charge 10p
  6: [10, 'international', 'CC-SALES'], // France, prefix 33 rate 1/1: 40 s × 0.15 = 10p
  7: [30, 'international', 'CC-SALES'], // Germany through carrier B: 90 s × 0.20 = 30p
  8: [0, 'toll-free', 'CC-SALES'], // 0800: free (no rate)
  9: [0, 'emergency', 'CC-ENG'], // 999 after access code 9: free
  10: [0, 'mobile', 'CC-ENG'], // not answered
  11: [5, 'national', 'CC-AUDIT'], // account code 4711: 60 s × 0.05 = 5p, its cost centre
  12: [2, 'local', 'CC-SALES'], // unknown account code 777: 60 s off-peak = 2p
  13: [6, 'local', 'CC-SALES'], // 17:59 for 120 s: 60 s peak (4p) + 60 s off-peak (2p)
};

export const ROWS: RowSpec[] = [
  out(1, '2001', '902079460123', at(10), 61),
  out(2, '2001', '902079460123', at(20), 61),
  out(3, '2002', '901614960123', at(10), 100),
  out(4, '2002', '907400123456', at(10), 95),
  out(5, '2002', '907400123456', at(10, 30), 5),
  out(6, '2001', '90033123456789', at(10), 40),
  out(7, '2001', '900493012345678', at(10), 90, { destDevice: B }),
  out(8, '2001', '908001234567', at(10), 300),
  out(9, '2002', '9999', at(10), 60),
  out(10, '2002', '907400123456', at(11), 0),
  out(11, '2002', '901614960999', at(10), 60, { cmc: '4711' }),
  out(12, '2001', '902079460123', at(21), 60, { cmc: '777' }),
  out(13, '2001', '902079460123', at(17, 59), 120),
  { callId: 14, calling: '2001', called: '2002', origDevice: 'SEP000000002001', destDevice: 'SEP000000002002', at: at(12), talk: 30 },
  { callId: 15, calling: '07400123456', called: '2002', origDevice: A, destDevice: 'SEP000000002002', at: at(13), talk: 45 },
];

/** A pipeline with the London site, both tariffs, gateways, users, account code 4711, and ROWS mined. */
export async function setupGolden(kind: 'sqlite' | 'postgres') {
  const now = Math.floor(Date.now() / 1000);
  const p = await setupPipeline(kind, { site: LONDON, batchSize: 4 });
  await upsertTariffs({ db: p.db, tariffs: [TARIFF_A, TARIFF_B], now });
  const site = (await findSiteByCode({ db: p.db, code: 'LON' }))!;
  await upsertGateway({ db: p.db, siteId: site.id, gateway: { name: A, match: 'exact', kind: 'trunk', label: 'A' } });
  await upsertGateway({ db: p.db, siteId: site.id, gateway: { name: B, match: 'exact', kind: 'trunk', label: 'B', tariff: 'T-B' } });
  await p.addUser(user('alice', '2001', { cost_center: 'CC-SALES', site_id: site.id, department: 'Sales', custom_1: 'North', custom_2: 'Blue' }));
  await p.addUser(user('bob', '2002', { cost_center: 'CC-ENG', site_id: site.id, department: 'Engineering', custom_1: 'South', custom_2: 'Blue' }));
  await upsertAccountCodes({
    db: p.db,
    codes: [{ siteId: 0, code: '4711', description: 'Internal audit', privacyDigits: 4, costCenter: 'CC-AUDIT', replaceWithDescription: true }],
  });
  const file = path.join(p.dir, 'cdr_GoldenCluster_01_202611171000_1');
  writeFileSync(file, cdrFile(ROWS));
  const r = await p.importFile(file);
  assert.equal(r.status, 'accepted');
  return p;
}
