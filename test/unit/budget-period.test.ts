import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBudgetInput } from '../../src/budget/budget.js';
import { localMidnight, nextPeriod, periodAt, type PeriodRule } from '../../src/budget/period.js';

const iso = (t: number) => new Date(t * 1000).toISOString();
const at = (s: string) => Date.parse(s) / 1000;
const span = (r: PeriodRule, when: string) => {
  const p = periodAt(r, at(when));
  return [iso(p.start), iso(p.end)];
};

describe('budget periods', () => {
  it('daily periods follow local midnight, 23 and 25 hours long across DST', () => {
    const rome: PeriodRule = { period: 'daily', weekStart: 0, timezone: 'Europe/Rome' };
    assert.deepEqual(span(rome, '2026-03-29T12:00:00Z'), ['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
    assert.deepEqual(span(rome, '2026-10-25T12:00:00Z'), ['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z']);
    // 23:30 UTC on the 28th is already the 29th in Rome.
    assert.deepEqual(span(rome, '2026-03-28T23:30:00Z'), ['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
  });

  it('weekly periods start on the configured weekday, at the week boundary exactly', () => {
    const ny = (weekStart: number): PeriodRule => ({ period: 'weekly', weekStart, timezone: 'America/New_York' });
    // Sunday 22 November 2026, 00:30 in New York (05:30 UTC).
    assert.deepEqual(span(ny(0), '2026-11-22T05:30:00Z'), ['2026-11-16T05:00:00.000Z', '2026-11-23T05:00:00.000Z']);
    assert.deepEqual(span(ny(6), '2026-11-22T05:30:00Z'), ['2026-11-22T05:00:00.000Z', '2026-11-29T05:00:00.000Z']);
    // One second before the boundary belongs to the week before.
    assert.deepEqual(span(ny(6), '2026-11-22T04:59:59Z'), ['2026-11-15T05:00:00.000Z', '2026-11-22T05:00:00.000Z']);
    // The week with the autumn DST change is 169 hours long.
    const p = periodAt(ny(0), at('2026-10-28T12:00:00Z'));
    assert.equal((p.end - p.start) / 3600, 169);
  });

  it('monthly periods run from the 1st to the 1st in the zone', () => {
    const tokyo: PeriodRule = { period: 'monthly', weekStart: 0, timezone: 'Asia/Tokyo' };
    assert.deepEqual(span(tokyo, '2026-11-30T16:00:00Z'), ['2026-11-30T15:00:00.000Z', '2026-12-31T15:00:00.000Z']);
    const p = periodAt(tokyo, at('2026-12-31T15:00:00Z'));
    assert.deepEqual([iso(p.start), iso(nextPeriod(tokyo, p).end)], ['2026-12-31T15:00:00.000Z', '2027-02-28T15:00:00.000Z']);
  });

  it('a day whose midnight is skipped starts when the clock jumps', () => {
    assert.equal(iso(localMidnight('America/Santiago', 2026, 9, 6)), '2026-09-06T04:00:00.000Z');
  });
});

describe('budget input', () => {
  it('lists every bad field', () => {
    assert.throws(() => parseBudgetInput({ scope: 'team', target: '', period: 'yearly', amount: '-5', currency: 'EURO' }), (err: Error) => {
      for (const field of ['scope', 'target', 'period', 'currency']) assert.match(err.message, new RegExp(`${field}:`));
      return true;
    });
    assert.throws(() => parseBudgetInput({ scope: 'user', target: 'a', period: 'monthly', amount: '-5', currency: 'EUR' }), /amount: .*"-5"/);
    assert.throws(() => parseBudgetInput({ scope: 'user', target: 'a', period: 'monthly', amount: '1.234', currency: 'EUR' }), /amount:/);
  });

  it('reads thresholds as text and defaults the rest', () => {
    const b = parseBudgetInput({ scope: 'user', target: 'a', period: 'weekly', weekStart: 'sun', amount: '50', currency: 'eur', thresholds: '100:user+manager,lock;80:user,push' });
    assert.deepEqual([b.amountMinor, b.currency, b.weekStart], [5000, 'EUR', 6]);
    assert.deepEqual(b.thresholds, [
      { percent: 80, email: ['user'], push: true, lock: false },
      { percent: 100, email: ['user', 'manager'], push: false, lock: true },
    ]);
    assert.equal(b.countTypes.includes('internal'), false);
  });
});
