import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localTime } from '../../src/budget/period.js';
import { occurrence, occurrencesAround, type Recurrence } from '../../src/reports/scheduler.js';

const iso = (t: number) => new Date(t * 1000).toISOString();

describe('schedule recurrences', () => {
  it('daily runs keep the local time of day across a DST change', () => {
    const r: Recurrence = { everyN: 1, everyUnit: 'days', startsAt: localTime('Europe/Rome', 2026, 10, 24, 7, 0), timezone: 'Europe/Rome' };
    assert.deepEqual([0, 1, 2].map((k) => iso(occurrence(r, k))), ['2026-10-24T05:00:00.000Z', '2026-10-25T06:00:00.000Z', '2026-10-26T06:00:00.000Z']);
  });

  it('monthly runs on the 31st fall on the last day of shorter months', () => {
    const r: Recurrence = { everyN: 1, everyUnit: 'months', startsAt: localTime('UTC', 2026, 1, 31, 6, 0), timezone: 'UTC' };
    assert.deepEqual([0, 1, 2, 13].map((k) => iso(occurrence(r, k))), ['2026-01-31T06:00:00.000Z', '2026-02-28T06:00:00.000Z', '2026-03-31T06:00:00.000Z', '2027-02-28T06:00:00.000Z']);
  });

  it('finds the latest due run and the next one', () => {
    const r: Recurrence = { everyN: 15, everyUnit: 'minutes', startsAt: Date.UTC(2026, 10, 22, 0, 0) / 1000, timezone: 'UTC' };
    const t = Date.UTC(2026, 10, 22, 1, 7) / 1000;
    const { due, next } = occurrencesAround(r, t);
    assert.deepEqual([iso(due!), iso(next)], ['2026-11-22T01:00:00.000Z', '2026-11-22T01:15:00.000Z']);
    assert.deepEqual(occurrencesAround(r, r.startsAt - 1), { due: null, next: r.startsAt });
    assert.equal(occurrencesAround(r, r.startsAt).due, r.startsAt);
    const weekly: Recurrence = { everyN: 2, everyUnit: 'weeks', startsAt: localTime('America/New_York', 2026, 1, 5, 9, 0), timezone: 'America/New_York' };
    const w = occurrencesAround(weekly, Date.UTC(2026, 6, 1) / 1000);
    assert.deepEqual([iso(w.due!), iso(w.next)], ['2026-06-22T13:00:00.000Z', '2026-07-06T13:00:00.000Z']);
  });
});
