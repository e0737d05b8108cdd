import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { createMailer } from '../../src/mail/mailer.js';
import { createScheduler, listSchedules, saveSchedule } from '../../src/reports/scheduler.js';
import { setupGolden } from '../support/golden.js';
import { testLog } from '../support/logger.js';
import { startSmtp } from '../support/smtp.js';
import { PG_SKIP } from '../support/test-db.js';

/** Scheduled reports and alarms over the golden calls, with a controlled clock and a real SMTP server. */

const T = (d: number, hh: number, mm = 0) => Date.UTC(2026, 10, d, hh, mm) / 1000;

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`schedules on ${kind}`, { skip: kind === 'postgres' ? PG_SKIP : false }, () => {
    let p: Awaited<ReturnType<typeof setupGolden>>;
    let smtp: Awaited<ReturnType<typeof startSmtp>>;
    before(async () => {
      p = await setupGolden(kind);
      smtp = await startSmtp();
    });
    after(async () => {
      await smtp.close();
      await p.close();
    });
    const deliver = async (at: number) => {
      const mailer = createMailer({ db: p.db, log: testLog, smtp: { host: '127.0.0.1', port: smtp.port, secure: false, from: 'reports@example.com' }, now: () => at });
      const n = await mailer.flush();
      await mailer.stop();
      return n;
    };
    const runs = async (name: string) => {
      const s = (await listSchedules({ db: p.db })).find((x) => x.name === name)!;
      return p.db('schedule_runs').where({ schedule_id: s.id }).orderBy('due_at').select('due_at', 'status');
    };

    it('refuses bad schedules with the reason', async () => {
      const base = { name: 'x', target: 'phone-bill', recipients: ['a@example.com'], everyN: 1, everyUnit: 'days', startsAt: '2026-11-18T07:00', timezone: 'Europe/London' };
      const refuse = (input: Record<string, unknown>, re: RegExp) =>
        assert.rejects(saveSchedule({ db: p.db, input: { ...base, ...input }, now: T(17, 12) }), (err: Error) => err instanceof UsageError && re.test(err.message));
      await refuse({ startsAt: '2026-11-01T07:00' }, /startsAt: .* is in the past/);
      await refuse({ target: 'nope' }, /no report "nope"/);
      await refuse({ everyUnit: 'fortnights' }, /everyUnit/);
      await refuse({ recipients: ['not-an-address'] }, /recipients/);
      await refuse({ timezone: 'Mars/Base' }, /unknown time zone/);
      await refuse({ options: { period: { from: '2026-11-18', to: '2026-11-17' } } }, /period/);
      await refuse({ kind: 'alarm', target: 'spend-over', params: { amount: 'lots', currency: 'GBP' } }, /amount/);
    });

    it('runs a daily report once per due time: no double run on a restart, one catch-up run after downtime', async () => {
      await saveSchedule({
        db: p.db, now: T(17, 12),
        input: {
          name: 'daily bill', target: 'phone-bill', options: { period: 'yesterday' }, format: 'xlsx', recipients: ['boss@example.com'],
          everyN: 1, everyUnit: 'days', startsAt: '2026-11-18T07:00', timezone: 'Europe/London', subject: 'Bill: [[REPORT]]', body: 'Filters:\n[[FILTER]]\n',
        },
      });
      let clock = T(18, 6, 59);
      const a = createScheduler({ db: p.db, log: testLog, now: () => clock });
      assert.equal(await a.tick(), 0, 'not due yet');
      clock = T(18, 7, 0);
      assert.equal(await a.tick(), 1);
      assert.equal(await a.tick(), 0, 'the same due time runs once');
      const b = createScheduler({ db: p.db, log: testLog, now: () => clock });
      assert.equal(await b.tick(), 0, 'a restart does not run it again');
      assert.equal(await deliver(clock), 1);
      const mail = smtp.mails.at(-1)!;
      assert.deepEqual(mail.to, ['boss@example.com']);
      assert.match(mail.raw, /Subject: Bill: Phone bill/);
      assert.match(mail.raw, /Period: yesterday \(2026-11-17 00:00 to 2026-11-18 00:00, Europe\/London\)/);
      assert.match(mail.raw, /filename=phone-bill-2026-11-18-07-00\.xlsx/);
      // Down from the 19th to the 22nd at noon: one run for the latest due time, then the next day.
      clock = T(22, 12);
      assert.equal(await b.tick(), 1);
      assert.deepEqual((await runs('daily bill')).map((r) => [Number(r.due_at), r.status]), [[T(18, 7), 'ok'], [T(22, 7), 'ok']]);
      const s = (await listSchedules({ db: p.db })).find((x) => x.name === 'daily bill')!;
      assert.deepEqual([s.nextRunAt, s.lastStatus], [T(23, 7), 'ok']);
    });

    it('does not send an empty report when told so, and records a failed run with its reason', async () => {
      await saveSchedule({ db: p.db, now: T(17, 12), input: { name: 'empty', target: 'call-list', options: { period: 'today' }, recipients: ['a@example.com'], everyN: 1, everyUnit: 'hours', startsAt: '2026-11-25T00:00', timezone: 'UTC', skipEmpty: true } });
      const sched = createScheduler({ db: p.db, log: testLog, now: () => T(25, 0) });
      await sched.tick();
      assert.deepEqual((await runs('empty')).map((r) => r.status), ['empty']);
      assert.equal(await p.db('mail_outbox').where('subject', 'like', '%Call list%').count({ n: '*' }).first().then((r) => Number(r?.n)), 0, 'nothing sent');
      await saveSchedule({ db: p.db, now: T(17, 12), input: { name: 'too long', target: 'trend', options: { period: { from: '2000-01-01', to: '2026-01-01' } }, recipients: ['a@example.com'], everyN: 1, everyUnit: 'days', startsAt: '2026-11-25T00:00', timezone: 'UTC' } });
      await sched.tick();
      const s = (await listSchedules({ db: p.db })).find((x) => x.name === 'too long')!;
      assert.equal(s.lastStatus, 'failed');
      assert.match(s.lastResult ?? '', /more than 400 days/);
    });

    it('alarms mail only what they find', async () => {
      const alarm = (name: string, target: string, params: Record<string, unknown>) => saveSchedule({
        db: p.db, now: T(17, 12),
        input: { name, kind: 'alarm', target, params, options: { period: 'yesterday' }, recipients: ['security@example.com'], everyN: 1, everyUnit: 'days', startsAt: '2026-11-18T06:00', timezone: 'Europe/London', subject: 'Alarm: [[REPORT]]' },
      });
      await alarm('after hours', 'outside-hours', { hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' } });
      await alarm('france', 'listed-numbers', { numbers: ['0033'] });
      await alarm('big spenders', 'spend-over', { by: 'user', amount: '0.50', currency: 'GBP' });
      await alarm('abroad', 'international', {});
      await alarm('missed', 'missed-calls', { atLeast: 1 });
      await alarm('unknown', 'unknown-destinations', { atLeast: 1 });
      await alarm('undefined', 'undefined-extensions', {});
      await alarm('silent sites', 'no-calls', {});
      const sched = createScheduler({ db: p.db, log: testLog, now: () => T(18, 6) });
      const before = smtp.mails.length;
      await sched.tick();
      await deliver(T(18, 6));
      const got = smtp.mails.slice(before).map((m) => /Subject: Alarm: (.*)/.exec(m.raw)?.[1]?.trim()).sort();
      assert.deepEqual(got, ['Calls outside working hours', 'Calls to listed numbers', 'International calls', 'Spending over a limit (0.50 GBP)']);
      const status = Object.fromEntries((await listSchedules({ db: p.db })).filter((s) => s.kind === 'alarm').map((s) => [s.name, s.lastResult]));
      assert.match(status['after hours']!, /^2 rows/); // the calls started at 19:59:55 and 20:59:55
      assert.match(status.france!, /^1 rows/);
      assert.match(status['big spenders']!, /^1 rows/);
      assert.match(status.abroad!, /^2 rows/);
      for (const quiet of ['missed', 'unknown', 'undefined', 'silent sites']) assert.equal(status[quiet], 'no rows: nothing sent', quiet);
    });
  });
}
