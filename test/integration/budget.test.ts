import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setBudget } from '../../src/budget/admin.js';
import { createBudgetEngine, type BudgetLocker, type Line } from '../../src/budget/engine.js';
import { recalculate } from '../../src/billing/recalculate.js';
import { listHistory } from '../../src/db/queries/budgets.js';
import { countMails } from '../../src/db/queries/mail-outbox.js';
import { findSiteByCode, upsertSite } from '../../src/db/queries/sites.js';
import { upsertTariffs } from '../../src/db/queries/tariffs.js';
import { UsageError } from '../../src/errors.js';
import { createMailer } from '../../src/mail/mailer.js';
import { parseTariff } from '../../src/rating/tariff.js';
import { cdrFile, type RowSpec } from '../support/cdr-rows.js';
import { testLog } from '../support/logger.js';
import { HQ, setupPipeline, user } from '../support/pipeline.js';
import { freePort } from '../support/ports.js';
import { startSmtp } from '../support/smtp.js';
import { PG_SKIP } from '../support/test-db.js';

/** Budget Control over real calls: a flat tariff of 1.00 GBP a started minute to national numbers. */

const FLAT = parseTariff({ code: 'FLAT', name: 'flat', carrier: 'Flat', currency: 'GBP', rates: [{ type: 'national', perMinuteMicro: 1_000_000, first: 60, next: 60 }] });
const CHEAP = parseTariff({ code: 'CHEAP', name: 'cheap', carrier: 'Cheap', currency: 'GBP', rates: [{ type: 'national', perMinuteMicro: 100_000, first: 60, next: 60 }] });
const SITE = { ...HQ, code: 'BUD', country: 'GB', areaCode: '20', timezone: 'Europe/London', currency: 'GBP', clusterIds: ['GoldenCluster'], accessCodes: ['9'], tariffCode: 'FLAT' };
const NOV = (d: number, hh = 12) => Date.UTC(2026, 10, d, hh) / 1000;

/** A Phone Lock stand-in that records what Budget Control asks of it. */
function recordingLocker(): BudgetLocker & { calls: Array<[string, boolean]>; state: Map<string, boolean>; pushes: string[] } {
  const calls: Array<[string, boolean]> = [];
  const state = new Map<string, boolean>();
  const pushes: string[] = [];
  return {
    calls, state, pushes,
    async setBudgetLock(line: Line, on: boolean) {
      calls.push([line.extension, on]);
      state.set(line.extension, on);
    },
    pushNotice(line: Line, _title: string, text: string) {
      pushes.push(`${line.extension}: ${text}`);
    },
  };
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`budget control on ${kind}`, { skip: kind === 'postgres' ? PG_SKIP : false }, () => {
    let p: Awaited<ReturnType<typeof setupPipeline>>;
    let callId = 0;
    let fileNo = 0;
    const ids: Record<string, number> = {};
    /** Imports national calls of `minutes` whole minutes each (1.00 GBP a minute under FLAT). */
    const calls = async (ext: string, minutes: number[], day = 17) => {
      const rows: RowSpec[] = minutes.map((m) => ({
        callId: ++callId, calling: ext, called: '901614960123', origDevice: `SEP00000000${ext}`, destDevice: 'SIP-TRUNK', at: NOV(day) + callId, talk: m * 60,
      }));
      const file = path.join(p.dir, `cdr_GoldenCluster_01_2026111712${String(++fileNo).padStart(2, '0')}_${fileNo}`);
      writeFileSync(file, cdrFile(rows));
      await p.importFile(file);
    };
    const history = async (budgetId: number) => (await listHistory({ db: p.db, budgetId, limit: 100 })).map((h) => h.kind).reverse();

    before(async () => {
      p = await setupPipeline(kind, { site: SITE, batchSize: 100 });
      await upsertTariffs({ db: p.db, tariffs: [FLAT, CHEAP], now: NOV(1) });
      const site = (await findSiteByCode({ db: p.db, code: 'BUD' }))!;
      for (const [name, ext, dept] of [['alice', '2001', 'Sales'], ['bob', '2002', 'Sales'], ['boss', '2003', 'Board'], ['carol', '2004', 'Support'], ['dave', '2005', 'Ops']] as const) {
        ids[name] = await p.addUser(user(name, ext, { site_id: site.id, department: dept, manager: name === 'boss' ? '' : 'boss' }));
      }
    });
    after(async () => p.close());

    it('refuses a budget for an unknown target or with a bad amount, storing nothing', async () => {
      const input = { scope: 'user', target: 'nobody', period: 'monthly', amount: '5', currency: 'GBP' };
      await assert.rejects(setBudget({ db: p.db, input, defaultTimezone: 'UTC', now: NOV(1) }), (err: Error) => err instanceof UsageError && /no user "nobody"/.test(err.message));
      await assert.rejects(setBudget({ db: p.db, input: { ...input, scope: 'department', target: 'Nope' }, defaultTimezone: 'UTC', now: NOV(1) }), /no department "Nope"/);
      await assert.rejects(setBudget({ db: p.db, input: { ...input, target: 'alice', amount: '-1' }, defaultTimezone: 'UTC', now: NOV(1) }), /amount/);
      await assert.rejects(setBudget({ db: p.db, input: { ...input, target: 'alice', currency: 'XXY' }, defaultTimezone: 'UTC', now: NOV(1) }), /currency/);
      assert.equal((await p.db('budgets').count({ n: '*' }).first())!.n, kind === 'postgres' ? '0' : 0);
    });

    it('fires each threshold once, locks at the limit, survives a restart without repeating anything', async () => {
      let clock = NOV(17, 13);
      const locker = recordingLocker();
      const b = await setBudget({ db: p.db, input: { scope: 'user', target: 'alice', period: 'monthly', amount: '3', currency: 'GBP', thresholds: '50:user,push;100:user+manager,lock' }, defaultTimezone: 'UTC', now: clock });
      assert.equal(b.timezone, 'Europe/London');
      const engine = createBudgetEngine({ db: p.db, log: testLog, locker, adminEmails: ['admin@example.com'], now: () => clock });
      await engine.reconcile();
      await calls('2001', [2]);
      await engine.onCallsStored(new Set([ids.alice!]));
      let [st] = await engine.statusOf('alice');
      assert.deepEqual([st!.spendMinor, st!.remainingMinor, st!.percent, st!.locked], [200, 100, 66, false]);
      assert.deepEqual(locker.pushes, ['2001: 50% of your budget used']);
      await calls('2001', [1]);
      await engine.onCallsStored(new Set([ids.alice!]));
      [st] = await engine.statusOf('alice');
      assert.deepEqual([st!.spendMinor, st!.percent, st!.locked], [300, 100, true]);
      assert.equal(locker.state.get('2001'), true);
      assert.deepEqual(await history(b.id), ['budget-set', 'threshold', 'notify', 'threshold', 'notify', 'lock']);
      const queued = await countMails({ db: p.db });
      assert.equal(queued.queued, 2);
      await engine.stop();

      // Restart: a new engine re-applies the lock, sends nothing again.
      clock += 60;
      const locker2 = recordingLocker();
      const again = createBudgetEngine({ db: p.db, log: testLog, locker: locker2, adminEmails: [], now: () => clock });
      await again.reconcile();
      await again.reconcile();
      assert.deepEqual(locker2.calls.filter(([ext]) => ext === '2001'), [['2001', true]]);
      assert.deepEqual(await countMails({ db: p.db }), queued);
      assert.deepEqual(await history(b.id), ['budget-set', 'threshold', 'notify', 'threshold', 'notify', 'lock']);

      // The mails reach a real SMTP server: the user, then the user and the manager.
      const smtp = await startSmtp();
      const mailer = createMailer({ db: p.db, log: testLog, smtp: { host: '127.0.0.1', port: smtp.port, secure: false, from: 'tollgate@example.com' }, now: () => clock });
      assert.equal(await mailer.flush(), 2);
      await mailer.stop();
      await smtp.close();
      assert.deepEqual(smtp.mails.map((m) => m.to.sort()), [['alice@example.com'], ['alice@example.com', 'boss@example.com']]);
      assert.match(smtp.mails[1]!.raw, /Subject: Phone budget: 100% reached/);
      assert.match(smtp.mails[1]!.raw, /3\.00 GBP spent, 0\.00 GBP left/);

      // A recalculation that lowers the spend lifts the lock (and records it); raising it locks again.
      const site = (await findSiteByCode({ db: p.db, code: 'BUD' }))!;
      await upsertSite({ db: p.db, site: { ...site, tariffCode: 'CHEAP' }, now: clock });
      await recalculate({ db: p.db, log: testLog, siteCode: 'BUD' });
      await again.reconcile();
      [st] = await again.statusOf('alice');
      assert.deepEqual([st!.spendMinor, st!.locked], [30, false]);
      assert.equal(locker2.state.get('2001'), false);
      await upsertSite({ db: p.db, site: { ...site, tariffCode: 'FLAT' }, now: clock });
      await recalculate({ db: p.db, log: testLog, siteCode: 'BUD' });
      await again.reconcile();
      assert.equal(locker2.state.get('2001'), true);
      assert.deepEqual(await history(b.id), ['budget-set', 'threshold', 'notify', 'threshold', 'notify', 'lock', 'unlock', 'lock']);
      assert.equal((await countMails({ db: p.db })).queued ?? 0, 0, 'no threshold mail repeated after recalculations');

      // The next month: the lock is lifted, the period recorded, the user told.
      clock = Date.UTC(2026, 11, 1, 0, 0, 30) / 1000;
      await again.reconcile();
      [st] = await again.statusOf('alice');
      assert.deepEqual([st!.spendMinor, st!.assignedMinor, st!.locked, st!.from], [0, 300, false, Date.UTC(2026, 11, 1) / 1000]);
      assert.equal(locker2.state.get('2001'), false);
      assert.deepEqual((await history(b.id)).slice(-3), ['period-end', 'unlock', 'notify']);
      await again.stop();
    });

    it('a group budget sums its members, locks all their lines, and carries the rest over', async () => {
      let clock = NOV(17, 14);
      const locker = recordingLocker();
      const b = await setBudget({ db: p.db, input: { scope: 'department', target: 'Sales', period: 'weekly', weekStart: 'mon', amount: '10', currency: 'GBP', carryOver: true, thresholds: '100:admins,lock' }, defaultTimezone: 'UTC', now: clock });
      const engine = createBudgetEngine({ db: p.db, log: testLog, locker, adminEmails: ['admin@example.com'], now: () => clock });
      await engine.reconcile();
      // Alice's earlier calls (3.00) count in this week too; bob adds 4.00: 7.00 of 10.00.
      await calls('2002', [4]);
      await engine.onCallsStored(new Set([ids.bob!]));
      let st = (await engine.statusOf('bob')).find((s) => s.budgetId === b.id)!;
      assert.deepEqual([st.spendMinor, st.locked], [700, false]);
      await calls('2002', [3]);
      await engine.onCallsStored(new Set([ids.bob!]));
      st = (await engine.statusOf('bob')).find((s) => s.budgetId === b.id)!;
      assert.deepEqual([st.spendMinor, st.locked], [1000, true]);
      assert.deepEqual([locker.state.get('2001'), locker.state.get('2002'), locker.state.get('2004')], [true, true, undefined]);
      // Next week (Monday 23 November, 00:00 London): 0 spent of 10.00 + 0 carried; the lines are free.
      clock = Date.UTC(2026, 10, 23, 0, 0, 1) / 1000;
      await engine.reconcile();
      st = (await engine.statusOf('bob')).find((s) => s.budgetId === b.id)!;
      assert.deepEqual([st.spendMinor, st.assignedMinor, st.locked], [0, 1000, false]);
      assert.equal(locker.state.get('2002'), false);
      // A week with 2.00 spent carries 8.00 into the next one.
      await calls('2002', [2], 24);
      clock = Date.UTC(2026, 10, 30, 0, 0, 1) / 1000;
      await engine.reconcile();
      st = (await engine.statusOf('bob')).find((s) => s.budgetId === b.id)!;
      assert.deepEqual([st.spendMinor, st.assignedMinor], [0, 1800]);
      assert.ok((await listHistory({ db: p.db, budgetId: b.id, limit: 50 })).some((h) => h.kind === 'carry-over' && /8\.00 GBP carried over/.test(h.detail)));
      await engine.stop();
    });

    it('catches up periods that ended while tollgate was down, and queues mail through an SMTP outage', async () => {
      const clock = NOV(17, 15);
      const b = await setBudget({ db: p.db, input: { scope: 'user', target: 'carol', period: 'daily', amount: '1', currency: 'GBP', thresholds: '100:user,lock' }, defaultTimezone: 'UTC', now: clock });
      const locker = recordingLocker();
      const engine = createBudgetEngine({ db: p.db, log: testLog, locker, adminEmails: [], now: () => clock });
      await engine.reconcile();
      await engine.stop();
      // Down for three days: at start-up three periods are closed, one after the other.
      const later = createBudgetEngine({ db: p.db, log: testLog, locker, adminEmails: [], now: () => NOV(20, 15) });
      await later.reconcile();
      await later.stop();
      assert.equal((await history(b.id)).filter((k) => k === 'period-end').length, 3);
      const periods = await p.db('budget_periods').where({ budget_id: b.id }).orderBy('starts_at');
      assert.equal(periods.length, 4);
      assert.equal(periods.filter((r) => r.closed_at === null).length, 1);

      // Carol goes over; the SMTP server is down: the lock still happens, the mail waits.
      const down = await freePort();
      const mailer = createMailer({ db: p.db, log: testLog, smtp: { host: '127.0.0.1', port: down, secure: false, from: 'tollgate@example.com' }, now: () => NOV(20, 15) });
      const engine2 = createBudgetEngine({ db: p.db, log: testLog, locker, adminEmails: [], now: () => NOV(20, 15) });
      await calls('2004', [2], 20);
      await engine2.onCallsStored(new Set([ids.carol!]));
      assert.equal(locker.state.get('2004'), true);
      assert.equal(await mailer.flush(), 0);
      const row = await p.db('mail_outbox').where({ budget_id: b.id, status: 'queued' }).first();
      assert.ok(row, 'the mail is still queued');
      assert.equal(Number(row.attempts), 1);
      assert.match(String(row.last_error), /ECONNREFUSED|connect/i);
      await mailer.stop();
      // When the server is back, the retry delivers it.
      const smtp = await startSmtp();
      const mailer2 = createMailer({ db: p.db, log: testLog, smtp: { host: '127.0.0.1', port: smtp.port, secure: false, from: 'tollgate@example.com' }, now: () => NOV(20, 16) });
      assert.ok((await mailer2.flush()) >= 1);
      assert.ok(smtp.mails.some((m) => m.to.includes('carol@example.com') && /100% reached/.test(m.raw)));
      await mailer2.stop();
      await smtp.close();
      await engine2.stop();
    });
  });
}
