import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { upsertSite } from '../../src/db/queries/sites.js';
import { viewerOf } from '../../src/http/auth.js';
import { findUserById } from '../../src/db/queries/portal-users.js';
import { widgetData } from '../../src/portal/dashboard.js';
import { homeData } from '../../src/portal/home.js';
import { offsetSpans } from '../../src/time/zone.js';
import { HQ } from '../support/pipeline.js';
import { createApp } from '../../src/app.js';
import { testLog } from '../support/logger.js';
import { addAccount, addCall, apiToken, portalDeps } from '../support/portal.js';
import { createTestDb, PG_SKIP, type TestDb } from '../support/test-db.js';

const at = (iso: string) => Math.floor(Date.parse(iso) / 1000);

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`home and dashboard days and months in the user's site time zone (${kind})`, { skip: kind === 'postgres' ? PG_SKIP : false }, () => {
    let t: TestDb;
    let ny: number;
    let tokyo: number;
    let nySite: number;
    let tokyoSite: number;
    before(async () => {
      t = await createTestDb(kind);
      nySite = await upsertSite({ db: t.db, site: { ...HQ, code: 'NYC', timezone: 'America/New_York', clusterIds: ['nyc'] }, now: 0 });
      tokyoSite = await upsertSite({ db: t.db, site: { ...HQ, code: 'TYO', timezone: 'Asia/Tokyo', clusterIds: ['tyo'] }, now: 0 });
      ny = await addAccount(t.db, 'newyork', '2001', { level: 2, site_id: nySite });
      tokyo = await addAccount(t.db, 'tokyo', '3001', { level: 2, site_id: tokyoSite });
      await addAccount(t.db, 'nosite', '4001', { level: 2 });
      const call = (userId: number, siteId: number, iso: string, answered: boolean, remote = '5551234') =>
        addCall(t.db, { siteId, userId, extension: userId === ny ? '2001' : '3001', remote, startAt: at(iso), direction: 'incoming', answered, cost: 100 });
      // New York (UTC-5 in February).
      await call(ny, nySite, '2026-02-28T23:00:00Z', false); // Feb 28 18:00 local: this month, today, missed
      await call(ny, nySite, '2026-02-01T04:00:00Z', true); // Jan 31 23:00 local: last month (UTC says February)
      await call(ny, nySite, '2026-02-28T04:30:00Z', false); // Feb 27 23:30 local: this month, not today (UTC says today)
      await call(ny, nySite, '2026-03-01T01:00:00Z', true); // Feb 28 20:00 local: this month (UTC says March)
      // Tokyo (UTC+9).
      await call(tokyo, tokyoSite, '2026-02-28T15:30:00Z', false); // Mar 1 00:30 local: this month, today, missed
      await call(tokyo, tokyoSite, '2026-02-28T14:30:00Z', false); // Feb 28 23:30 local: last month
      await call(tokyo, tokyoSite, '2026-03-01T03:00:00Z', true); // Mar 1 12:00 local
      // Around the start of daylight saving time in New York (Sunday 8 March 2026, 02:00 EST → 03:00 EDT).
      await call(ny, nySite, '2026-03-08T04:30:00Z', true); // Mar 7 23:30 EST
      await call(ny, nySite, '2026-03-09T04:30:00Z', true); // Mar 9 00:30 EDT (a fixed UTC-5 would say Mar 8)
    });
    after(async () => t.close());

    const viewer = async (id: number) => viewerOf((await findUserById({ db: t.db, id }))!);
    const now = at('2026-03-01T03:30:00Z'); // New York: Feb 28 22:30; Tokyo: Mar 1 12:30

    it('this month and today are those of the site: New York is still in February', async () => {
      const h = await homeData({ db: t.db, viewer: await viewer(ny), limit: 20, now, timeZone: 'America/New_York' });
      assert.equal(h.month.calls, 3);
      assert.equal(h.missedToday, 1);
      assert.equal(h.monthStart, '2026-02-01T05:00:00.000Z');
      assert.equal(h.dayStart, '2026-02-28T05:00:00.000Z');
    });

    it('Tokyo is already in March', async () => {
      const h = await homeData({ db: t.db, viewer: await viewer(tokyo), limit: 20, now, timeZone: 'Asia/Tokyo' });
      assert.equal(h.month.calls, 2);
      assert.equal(h.missedToday, 1);
      assert.equal(h.monthStart, '2026-02-28T15:00:00.000Z');
    });

    it('dashboard widgets group by local date and hour, from local midnight', async () => {
      const byHour = await widgetData({ db: t.db, viewer: await viewer(tokyo), id: 'today-cost-by-hour', now: new Date(now * 1000), timeZone: 'Asia/Tokyo' });
      assert.deepEqual((byHour as { groups: Array<{ key: string }> }).groups.map((g) => g.key), ['00', '12']); // UTC would say 03 and 15
      const days = await widgetData({ db: t.db, viewer: await viewer(tokyo), id: 'personal-30-days', now: new Date(now * 1000), timeZone: 'Asia/Tokyo' });
      assert.deepEqual((days as { groups: Array<{ key: string; calls: number }> }).groups.map((g) => [g.key, g.calls]), [['2026-02-28', 1], ['2026-03-01', 2]]);
    });

    it('a week across the change to daylight saving time keeps each call on its local date', async () => {
      assert.equal(offsetSpans('America/New_York', at('2026-03-03T05:00:00Z'), at('2026-03-09T12:00:00Z')).length, 2);
      const w = await widgetData({ db: t.db, viewer: await viewer(ny), id: 'status-7-days', now: new Date('2026-03-09T12:00:00Z'), timeZone: 'America/New_York' });
      assert.deepEqual((w as { groups: Array<{ key: string }> }).groups.map((g) => g.key), ['2026-03-07', '2026-03-09']);
    });

    it('the API answers in the site time zone, and in TOLLGATE_DEFAULT_TIMEZONE for a user without a site', async () => {
      // TOLLGATE_DEFAULT_TIMEZONE reaches the app as `defaultTimezone`: a zone other than UTC, so the fallback is seen.
      const app = createApp({ db: t.db, log: testLog, portal: portalDeps(), defaultTimezone: 'Europe/Rome' });
      const home = await request(app.callback()).get('/api/home').set('authorization', `Bearer ${await apiToken(app, 'tokyo')}`).expect(200);
      assert.equal(home.body.timeZone, 'Asia/Tokyo');
      const none = await request(app.callback()).get('/api/home').set('authorization', `Bearer ${await apiToken(app, 'nosite')}`).expect(200);
      assert.equal(none.body.timeZone, 'Europe/Rome');
      const widget = await request(app.callback()).get('/api/dashboard/widgets/today-cost-by-hour').set('authorization', `Bearer ${await apiToken(app, 'newyork')}`).expect(200);
      assert.equal(widget.body.timeZone, 'America/New_York');
    });
  });
}
