import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { compareTariffs, comparisonRecords } from '../../src/billing/compare-tariffs.js';
import { recalculate } from '../../src/billing/recalculate.js';
import { writeCalls } from '../../src/cli/export-calls.js';
import { upsertAccountCodes } from '../../src/db/queries/account-codes.js';
import { siteStatus } from '../../src/db/queries/site-status.js';
import { findSiteByCode, upsertSite } from '../../src/db/queries/sites.js';
import { GOLDEN, setupGolden } from '../support/golden.js';
import { testLog } from '../support/logger.js';
import type { setupPipeline } from '../support/pipeline.js';
import { PG_SKIP } from '../support/test-db.js';

/** The golden phone bill (test/support/golden.ts) rated, totalled, recalculated and compared. */

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`rating on ${kind}`, { skip: kind === 'postgres' ? PG_SKIP : false }, () => {
    let p: Awaited<ReturnType<typeof setupPipeline>>;
    const now = Math.floor(Date.now() / 1000);
    const outgoing = async () => {
      const rows = await p.db('calls').where({ direction: 'outgoing' }).select('gcid', 'cost', 'currency', 'destination_type', 'cost_center', 'carrier', 'nation', 'tariff_code', 'account_code', 'account_name', 'remote_number', 'dialed_number');
      return new Map(rows.map((r) => [Number(r.gcid) - 16_777_216, { ...r, cost: r.cost === null ? null : Number(r.cost) }]));
    };

    before(async () => {
      p = await setupGolden(kind);
    });
    after(async () => p.close());

    it('rates every call of the golden phone bill exactly', async () => {
      const calls = await outgoing();
      assert.equal(calls.size, 13);
      for (const [id, [cost, type, center]] of Object.entries(GOLDEN)) {
        const c = calls.get(Number(id));
        assert.ok(c, `call ${id} stored`);
        assert.deepEqual([c.cost, c.destination_type, c.cost_center, c.currency], [cost, type, center, 'GBP'], `call ${id}`);
      }
      assert.equal(calls.get(7)!.carrier, 'Carrier B');
      assert.equal(calls.get(7)!.tariff_code, 'T-B');
      assert.equal(calls.get(7)!.nation, 'DE');
      assert.equal(calls.get(1)!.carrier, 'Carrier A');
    });

    it('totals the phone bill per user, cost centre and carrier', async () => {
      const sum = async (col: string) => Object.fromEntries(
        ((await p.db('calls').where({ direction: 'outgoing' }).groupBy(col).select(col).sum({ total: 'cost' })) as Array<Record<string, unknown>>)
          .map((r) => [r[col], Number(r.total)]),
      );
      assert.deepEqual(await sum('cost_center'), { 'CC-SALES': 60, 'CC-ENG': 36, 'CC-AUDIT': 5 });
      assert.deepEqual(await sum('carrier'), { 'Carrier A': 71, 'Carrier B': 30 });
      const users: Array<{ username: string; total: unknown }> = await p.db('calls as c').join('users as u', 'u.id', 'c.user_id').where('c.direction', 'outgoing')
        .groupBy('u.username').select('u.username').sum({ total: 'c.cost' });
      assert.deepEqual(Object.fromEntries(users.map((r) => [r.username, Number(r.total)])), { alice: 60, bob: 41 });
    });

    it('internal and incoming calls cost nothing; the caller of an incoming call is classified', async () => {
      const rows = await p.db('calls').whereIn('direction', ['internal', 'incoming']).orderBy(['direction', 'party']).select('direction', 'cost', 'destination_type', 'nation');
      assert.deepEqual(rows.map((r) => [r.direction, Number(r.cost), r.destination_type, r.nation]), [
        ['incoming', 0, 'mobile', 'GB'], ['internal', 0, 'internal', 'GB'], ['internal', 0, 'internal', 'GB'],
      ]);
    });

    it('applies account codes: cost centre, description, masking; counts unknown codes', async () => {
      const c11 = (await outgoing()).get(11)!;
      assert.deepEqual([c11.account_code, c11.account_name, c11.remote_number, c11.dialed_number], ['4711', 'Internal audit', '0161496XXXX', '90161496XXXX']);
      const c12 = (await outgoing()).get(12)!;
      assert.deepEqual([c12.account_code, c12.account_name], ['777', '']);
      const st = (await siteStatus({ db: p.db })).find((s) => s.site === 'LON')!;
      assert.equal(st.unknownAccounts, 1);
      assert.equal(st.unknownDestinations, 0);
      assert.equal(st.tariff, 'T-A');
    });

    it('exports the cost columns; --mask applies the site privacy rule', async () => {
      const site = (await findSiteByCode({ db: p.db, code: 'LON' }))!;
      await upsertSite({ db: p.db, site: { ...site, privacyDigits: 3 }, now });
      const read = async (mask: boolean) => {
        const s = new PassThrough();
        let text = '';
        s.on('data', (d) => (text += d));
        await writeCalls({ db: p.db, out: s, format: 'csv', siteCode: 'LON', mask });
        return parse(text, { columns: true }) as Array<Record<string, string> & { cdr_pkid: string; remote_number: string }>;
      };
      const plain = (await read(false)).find((r) => r.cdr_pkid.endsWith('000000000007'))!;
      assert.deepEqual([plain.cost, plain.currency, plain.destination_type, plain.nation, plain.carrier, plain.tariff, plain.remote_number],
        ['30', 'GBP', 'international', 'DE', 'Carrier B', 'T-B', '00493012345678']);
      const masked = await read(true);
      assert.equal(masked.find((r) => r.cdr_pkid.endsWith('000000000007'))!.remote_number, '00493012345XXX');
      assert.equal(masked.find((r) => r.cdr_pkid.endsWith('000000000011'))!.account_code, 'Internal audit');
      const internal = masked.find((r) => r.direction === 'internal')!;
      assert.equal(internal.remote_number.includes('X'), false, 'internal numbers are not masked');
      await upsertSite({ db: p.db, site: { ...site, privacyDigits: 0 }, now });
    });

    it('compares tariffs over the stored calls without changing them', async () => {
      const before = await outgoing();
      const c = await compareTariffs({ db: p.db, tariffs: ['T-A', 'T-B'], siteCode: 'LON' });
      const total = c.rows.find((r) => r.group === 'total')!;
      // Under T-A for every call, call 7 is international 60/60: 120 s × 0.30 = 60p instead of 30p.
      assert.deepEqual([total.calls, total.current, total.alternatives], [13, { GBP: 101 }, { 'T-A': 131, 'T-B': 70 }]);
      const byType = Object.fromEntries(c.rows.filter((r) => r.group === 'destination_type').map((r) => [r.key, r.alternatives['T-B']]));
      assert.deepEqual(byType, { emergency: 0, international: 43, local: 5, mobile: 14, national: 8, 'toll-free': 0 });
      const byCarrier = Object.fromEntries(c.rows.filter((r) => r.group === 'carrier').map((r) => [r.key, [r.current.GBP, r.alternatives['T-B']]]));
      assert.deepEqual(byCarrier, { 'Carrier A': [71, 40], 'Carrier B': [30, 30] });
      const rec = comparisonRecords(c).find((r) => r.group === 'total')!;
      assert.deepEqual([rec.current, rec['T-A (GBP)'], rec['T-B (GBP)']], ['1.01 GBP', '1.31', '0.70']);
      assert.deepEqual(await outgoing(), before);
      await assert.rejects(compareTariffs({ db: p.db, tariffs: ['NOPE'] }), /no tariff "NOPE"/);
    });

    it('recalculates after tariffs, account codes and users change; stops and resumes', async () => {
      const site = (await findSiteByCode({ db: p.db, code: 'LON' }))!;
      await upsertSite({ db: p.db, site: { ...site, tariffCode: 'T-B' }, now });
      await upsertAccountCodes({
        db: p.db, codes: [{ siteId: site.id, code: '777', description: 'Project X', privacyDigits: 2, costCenter: 'CC-X', replaceWithDescription: false }],
      });
      await p.db('users').where({ username: 'bob' }).update({ cost_center: 'CC-ENG2' });
      let batches = 0;
      const first = await recalculate({ db: p.db, log: testLog, siteCode: 'LON', batchSize: 4, shouldStop: () => ++batches === 2 });
      assert.equal(first.processed, 8);
      assert.equal((await p.db('recalc_jobs').where({ id: first.jobId }).first()).status, 'running');
      const second = await recalculate({ db: p.db, log: testLog, siteCode: 'LON', batchSize: 4 });
      assert.equal(second.resumed, true);
      assert.equal(second.jobId, first.jobId);
      assert.equal(second.processed, 16); // 13 outgoing + 1 incoming + 2 internal parties
      const calls = await outgoing();
      const total = [...calls.values()].reduce((s, c) => s + (c.cost ?? 0), 0);
      assert.equal(total, 70); // every call now through T-B (as the comparison said)
      assert.deepEqual([calls.get(12)!.cost_center, calls.get(12)!.account_name, calls.get(12)!.remote_number], ['CC-X', '777', '020794601XX']);
      assert.equal(calls.get(3)!.cost_center, 'CC-ENG2');
      assert.equal(calls.get(11)!.cost_center, 'CC-AUDIT');
      // A masked number is re-rated from its prefix: masking again changes nothing.
      const again = await recalculate({ db: p.db, log: testLog, siteCode: 'LON' });
      assert.deepEqual([again.resumed, again.processed, again.changed], [false, 16, 0]);
      await upsertSite({ db: p.db, site: { ...site, tariffCode: 'T-A' }, now });
    });
  });
}
