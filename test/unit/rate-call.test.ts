import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMinor, parseMicro } from '../../src/rating/money.js';
import { billedSeconds, rateCall, type CallToRate } from '../../src/rating/rate-call.js';
import { parseTariff, type DestinationType, type Tariff, type TariffInput } from '../../src/rating/tariff.js';

const at = (isoWithOffset: string): number => Date.parse(isoWithOffset) / 1000;
const ROME = 'Europe/Rome';
const NEW_YORK = 'America/New_York';

function call(type: DestinationType, prefix: string | null, start: string, durationS: number, answered = true): CallToRate {
  return { startUtc: at(start), durationS, answered, destination: { type, prefix } };
}

function tariff(rates: TariffInput['rates'], over: Partial<TariffInput> = {}): Tariff {
  return parseTariff({ code: 'T', name: 'test', carrier: 'test', currency: 'EUR', rates, ...over });
}

/** 0.60 EUR/min = 1 cent per second: the cost in cents is the billed seconds. */
const CENT_PER_S = 600_000;
const ALL_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const WEEK = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;

describe('billing increments', () => {
  const cases: Array<[first: number, next: number, duration: number, billed: number]> = [
    [60, 60, 1, 60], [60, 60, 60, 60], [60, 60, 61, 120], [60, 60, 3599, 3600],
    [30, 6, 1, 30], [30, 6, 30, 30], [30, 6, 31, 36], [30, 6, 36, 36], [30, 6, 37, 42],
    [1, 1, 1, 1], [1, 1, 59, 59], [1, 1, 3601, 3601],
    [0, 60, 1, 60], [60, 1, 61, 61], [0, 6, 0, 0],
  ];
  for (const [first, next, duration, billed] of cases) {
    it(`${first}/${next}: ${duration} s → ${billed} s`, () => {
      assert.equal(billedSeconds(duration, first, next), billed);
      const t = tariff([{ type: 'national', perMinuteMicro: CENT_PER_S, first, next }]);
      const r = rateCall(call('national', null, '2025-05-05T10:00:00+02:00', duration), t, ROME);
      assert.equal(r.billedSeconds, billed);
      assert.equal(r.cost, billed);
    });
  }
});

describe('fees, minimum charge, zero and unanswered calls', () => {
  const t = tariff([
    { type: 'national', setupMinor: 15, perMinuteMicro: CENT_PER_S, first: 1, next: 1, minChargeMinor: 50 },
    { type: 'mobile', perMinuteMicro: CENT_PER_S, first: 1, next: 1 },
  ]);
  const start = '2025-05-05T10:00:00+02:00';

  it('adds the set-up fee to the usage', () => {
    assert.equal(rateCall(call('national', null, start, 100), t, ROME).cost, 115);
    assert.equal(rateCall(call('mobile', null, start, 100), t, ROME).cost, 100);
  });

  it('applies the minimum charge to set-up + usage', () => {
    assert.equal(rateCall(call('national', null, start, 1), t, ROME).cost, 50); // 15 + 1 < 50
    assert.equal(rateCall(call('national', null, start, 35), t, ROME).cost, 50); // 15 + 35 = 50
    assert.equal(rateCall(call('national', null, start, 36), t, ROME).cost, 51);
  });

  it('charges nothing for an answered zero-second call (no set-up fee, no minimum)', () => {
    const r = rateCall(call('national', null, start, 0), t, ROME);
    assert.deepEqual(r, { cost: 0, currency: 'EUR', rateKey: 'type:national', band: null, billedSeconds: 0, segments: [] });
  });

  it('charges nothing for an unanswered call, whatever its duration', () => {
    const r = rateCall(call('national', null, start, 120, false), t, ROME);
    assert.equal(r.cost, 0);
    assert.equal(r.billedSeconds, 0);
    assert.equal(r.rateKey, 'type:national');
  });

  it('rejects bad input', () => {
    assert.throws(() => rateCall(call('national', null, start, -1), t, ROME), RangeError);
    assert.throws(() => rateCall(call('national', null, start, 1.5), t, ROME), RangeError);
    assert.throws(() => rateCall(call('national', null, start, 10), t, 'Mars/Olympus_Mons'), RangeError);
  });
});

describe('rate selection', () => {
  const t = tariff([
    { type: 'international', perMinuteMicro: 100_000, first: 1, next: 1 },
    { prefix: '44', perMinuteMicro: 200_000, first: 1, next: 1 },
    { prefix: '447', perMinuteMicro: 300_000, first: 1, next: 1 },
    { prefix: '4477', perMinuteMicro: 400_000, first: 1, next: 1 },
    { type: 'premium', perMinuteMicro: 900_000, first: 1, next: 1 },
  ]);
  const start = '2025-05-05T10:00:00+02:00';
  const key = (type: DestinationType, prefix: string | null) => rateCall(call(type, prefix, start, 60), t, ROME).rateKey;

  it('takes the longest matching prefix, then the destination type', () => {
    assert.equal(key('international', '447700900123'), 'prefix:4477');
    assert.equal(key('international', '447600900123'), 'prefix:447');
    assert.equal(key('international', '442079460000'), 'prefix:44');
    assert.equal(key('international', '+442079460000'), 'prefix:44');
    assert.equal(key('international', '33142270000'), 'type:international');
    assert.equal(key('international', null), 'type:international');
    assert.equal(key('premium', '4490912345'), 'prefix:44'); // a prefix rate wins over any type
    assert.equal(rateCall(call('international', '447700900123', start, 60), t, ROME).cost, 40);
  });

  it('matches the whole number in e164 when given (a classifier Destination, whose prefix is shorter)', () => {
    const destination = { type: 'international' as const, e164: '+447700900123', prefix: '44', nation: 'GB' };
    assert.equal(rateCall({ startUtc: at(start), durationS: 60, answered: true, destination }, t, ROME).rateKey, 'prefix:4477');
    assert.equal(rateCall({ startUtc: at(start), durationS: 60, answered: true, destination: { ...destination, e164: null } }, t, ROME).rateKey, 'prefix:44');
  });

  it('lets toll-free, emergency and internal calls cost nothing when no rate matches', () => {
    for (const type of ['toll-free', 'emergency', 'internal'] as const) {
      const r = rateCall(call(type, null, start, 600), t, ROME);
      assert.deepEqual([r.cost, r.rateKey, r.billedSeconds], [0, `free:${type}`, 0]);
    }
  });

  it('charges toll-free and internal calls when a rate says so', () => {
    const paid = tariff([
      { type: 'internal', perMinuteMicro: 10_000, first: 60, next: 60 },
      { type: 'toll-free', setupMinor: 5, perMinuteMicro: 0, first: 1, next: 1 },
    ]);
    assert.deepEqual(rateCall(call('internal', null, start, 600), paid, ROME).cost, 10);
    assert.deepEqual(rateCall(call('toll-free', '39800123456', start, 600), paid, ROME).cost, 5);
  });

  it('rates destinations without a rate as 0 under "none:<type>" so they can be counted', () => {
    const r = rateCall(call('unknown', '999', start, 60), t, ROME);
    assert.deepEqual([r.cost, r.rateKey], [0, 'none:unknown']);
    assert.equal(rateCall(call('mobile', null, start, 60), t, ROME).rateKey, 'none:mobile');
  });
});

// Bands for the band tests: peak Mon–Fri 08:00–18:00, weekend all Saturday and Sunday, a night
// rule Mon–Fri 22:00–06:00 crossing midnight, off-peak otherwise; Christmas and 2025-06-02 are
// holidays. Prices: peak 1 cent/s, off-peak 0.5 cent/s, night 0.25 cent/s, weekend free.
const banded = tariff(
  [{ type: 'national', perMinuteMicro: 300_000, bandPerMinuteMicro: { peak: 600_000, night: 150_000, weekend: 0 }, first: 1, next: 1 }],
  {
    bands: {
      default: 'offpeak',
      rules: [
        { band: 'peak', days: [...WEEK], from: '08:00', to: '18:00' },
        { band: 'weekend', days: ['sat', 'sun'], from: '00:00', to: '24:00' },
        { band: 'night', days: [...WEEK], from: '22:00', to: '06:00' },
      ],
    },
    holidays: [{ date: '12-25', band: 'offpeak', name: 'Christmas' }, { date: '2025-06-02', band: 'weekend' }],
  },
);
const bands = (start: string, duration: number, tz = ROME, t = banded) => {
  const r = rateCall(call('national', null, start, duration), t, tz);
  return { band: r.band, segments: r.segments.map((s) => `${s.band}:${s.seconds}`).join(' '), cost: r.cost };
};

describe('time bands', () => {
  it('prices a call within one band at that band', () => {
    assert.deepEqual(bands('2025-05-05T10:00:00+02:00', 100), { band: 'peak', segments: 'peak:100', cost: 100 });
    assert.deepEqual(bands('2025-05-05T19:00:00+02:00', 100), { band: 'offpeak', segments: 'offpeak:100', cost: 50 });
  });

  it('splits a call crossing peak → off-peak at the boundary (Mon 17:59:30, 90 s)', () => {
    // 30 s peak = 30 cents, 60 s off-peak = 30 cents
    assert.deepEqual(bands('2025-05-05T17:59:30+02:00', 90), { band: 'peak', segments: 'peak:30 offpeak:60', cost: 60 });
    // off-peak → peak in the morning: 07:59:00 + 120 s = 60 s off-peak (30) + 60 s peak (60)
    assert.deepEqual(bands('2025-05-05T07:59:00+02:00', 120), { band: 'offpeak', segments: 'offpeak:60 peak:60', cost: 90 });
  });

  it('applies increments to the whole call first, then splits the billed time', () => {
    const t = tariff([{ type: 'national', perMinuteMicro: 300_000, bandPerMinuteMicro: { peak: 600_000 }, first: 60, next: 60 }], { bands: banded.bands! });
    // 10 s at 17:59:30 is billed 60 s: 30 s peak (30 cents) and 30 s off-peak (15 cents)
    assert.deepEqual(bands('2025-05-05T17:59:30+02:00', 10, ROME, t), { band: 'peak', segments: 'peak:30 offpeak:30', cost: 45 });
  });

  it('crosses midnight into the weekend (Fri 23:59:30, 60 s) and a rule that spans midnight', () => {
    // Friday 23:59:30 is night (the Fri 22:00–06:00 rule), Saturday 00:00 is weekend: rules in order
    assert.deepEqual(bands('2025-05-09T23:59:30+02:00', 60), { band: 'night', segments: 'night:30 weekend:30', cost: 8 }); // 7.5 → 8
    // Thu 23:00 → Fri 01:00 is night throughout; the Fri part comes from Thursday's rule
    assert.deepEqual(bands('2025-05-08T23:00:00+02:00', 7200), { band: 'night', segments: 'night:7200', cost: 1800 });
    // Sun 23:59 → Mon 00:01: weekend, then off-peak (Sunday is not a day of the night rule)
    assert.deepEqual(bands('2025-05-11T23:59:00+02:00', 120), { band: 'weekend', segments: 'weekend:60 offpeak:60', cost: 30 });
    // Mon 05:59 → 06:01: off-peak (Monday 00:00–06:00 would be the tail of a Sunday night rule)
    assert.deepEqual(bands('2025-05-12T05:59:00+02:00', 120), { band: 'offpeak', segments: 'offpeak:120', cost: 60 });
    // Tue 05:59 → 06:01: Monday's night rule runs until Tuesday 06:00
    assert.deepEqual(bands('2025-05-13T05:59:00+02:00', 120), { band: 'night', segments: 'night:60 offpeak:60', cost: 45 });
  });

  it('uses the holiday band for the whole local day, yearly (MM-DD) or once (YYYY-MM-DD)', () => {
    // Thu 2025-12-25 10:00 would be peak; Christmas is off-peak
    assert.deepEqual(bands('2025-12-25T10:00:00+01:00', 60), { band: 'offpeak', segments: 'offpeak:60', cost: 30 });
    assert.deepEqual(bands('2026-12-25T10:00:00+01:00', 60), { band: 'offpeak', segments: 'offpeak:60', cost: 30 });
    // Mon 2025-06-02 is a one-off holiday in the weekend band, Mon 2026-06-01 is not
    assert.deepEqual(bands('2025-06-02T10:00:00+02:00', 60), { band: 'weekend', segments: 'weekend:60', cost: 0 });
    assert.deepEqual(bands('2026-06-01T10:00:00+02:00', 60).band, 'peak');
    // Wed 2025-12-24 23:59:30 (night) into the holiday (off-peak) and out of it into Fri night
    assert.deepEqual(bands('2025-12-24T23:59:30+01:00', 60), { band: 'night', segments: 'night:30 offpeak:30', cost: 23 }); // 7.5 + 15
    assert.deepEqual(bands('2025-12-25T23:59:30+01:00', 60).segments, 'offpeak:30 night:30');
  });

  it('uses the wall clock of the given time zone', () => {
    // 16:30 UTC on Monday: 18:30 in Rome (off-peak), 12:30 in New York (peak)
    assert.equal(bands('2025-05-05T16:30:00Z', 60, ROME).band, 'offpeak');
    assert.equal(bands('2025-05-05T16:30:00Z', 60, NEW_YORK).band, 'peak');
    // A tariff without bands has no band
    const flat = tariff([{ type: 'national', perMinuteMicro: CENT_PER_S, first: 1, next: 1 }]);
    assert.deepEqual(bands('2025-05-05T16:30:00Z', 60, ROME, flat), { band: null, segments: 'null:60', cost: 60 });
  });
});

describe('daylight saving time', () => {
  // night 00:00–03:00 every day at 0.1 cent/s, day otherwise at 0.2 cent/s; 1/1 increments
  const dst = tariff([{ type: 'national', perMinuteMicro: 120_000, bandPerMinuteMicro: { night: 60_000 }, first: 1, next: 1 }], {
    bands: { default: 'day', rules: [{ band: 'night', days: [...ALL_DAYS], from: '00:00', to: '03:00' }] },
  });
  const run = (startUtc: string, duration: number, tz: string) => bands(startUtc, duration, tz, dst);

  it('Europe/Rome, clocks forward (2025-03-30 02:00 CET → 03:00 CEST): 01:59 + 10 min', () => {
    // 01:59:00 CET = 00:59 UTC; one minute later it is 03:00 CEST: 60 s night, 540 s day
    assert.deepEqual(run('2025-03-30T00:59:00Z', 600, ROME), { band: 'night', segments: 'night:60 day:540', cost: 114 }); // 6 + 108
  });

  it('Europe/Rome, clocks back (2025-10-26 03:00 CEST → 02:00 CET): 01:59 + 3 h', () => {
    // 01:59 CEST = 23:59 UTC; night lasts until 03:00 CET = 02:00 UTC: 2 h 01 min
    assert.deepEqual(run('2025-10-25T23:59:00Z', 10_800, ROME), { band: 'night', segments: 'night:7260 day:3540', cost: 1434 }); // 726 + 708
  });

  it('America/New_York, clocks forward (2025-03-09 02:00 EST → 03:00 EDT): 01:59 + 10 min', () => {
    assert.deepEqual(run('2025-03-09T06:59:00Z', 600, NEW_YORK), { band: 'night', segments: 'night:60 day:540', cost: 114 });
  });

  it('America/New_York, clocks back (2025-11-02 02:00 EDT → 01:00 EST): both 01:59s + 3 h', () => {
    // first 01:59 (EDT, 05:59 UTC): night until 03:00 EST = 08:00 UTC: 2 h 01 min
    assert.deepEqual(run('2025-11-02T05:59:00Z', 10_800, NEW_YORK), { band: 'night', segments: 'night:7260 day:3540', cost: 1434 });
    // second 01:59 (EST, 06:59 UTC): night for 61 min
    assert.deepEqual(run('2025-11-02T06:59:00Z', 10_800, NEW_YORK), { band: 'night', segments: 'night:3660 day:7140', cost: 1794 }); // 366 + 1428
  });

  it('follows the wall clock through a repeated hour (a band edge at 01:30 happens twice)', () => {
    const t = tariff([{ type: 'national', perMinuteMicro: 120_000, bandPerMinuteMicro: { night: 60_000 }, first: 1, next: 1 }], {
      bands: { default: 'day', rules: [{ band: 'night', days: [...ALL_DAYS], from: '00:00', to: '01:30' }] },
    });
    // 01:00 EDT (05:00 UTC) for 2 h: 01:00–01:30 EDT night, 01:30–02:00 EDT day, 01:00–01:30 EST night, 01:30–02:00 EST day
    assert.equal(bands('2025-11-02T05:00:00Z', 7200, NEW_YORK, t).segments, 'night:1800 day:1800 night:1800 day:1800');
  });
});

describe('currencies and exactness', () => {
  it('rounds to whole yen for JPY (exponent 0), half up', () => {
    const t = tariff([{ type: 'national', perMinuteMicro: parseMicro('10'), first: 1, next: 1 }], { currency: 'JPY' });
    const cost = (s: number) => rateCall(call('national', null, '2025-05-05T10:00:00+09:00', s), t, 'Asia/Tokyo').cost;
    assert.equal(cost(30), 5); // 5 yen
    assert.equal(cost(31), 5); // 5.1666… → 5
    assert.equal(cost(33), 6); // 5.5 → 6 (half up)
    assert.equal(cost(32), 5); // 5.333… → 5
    assert.equal(formatMinor(cost(600), 'JPY'), '100 JPY');
  });

  it('rounds to the fils for KWD (exponent 3)', () => {
    const t = tariff([{ type: 'national', perMinuteMicro: parseMicro('0.0123'), first: 1, next: 1 }], { currency: 'KWD' });
    // 0.0123 KWD/min × 100 s = 0.0205 KWD = 20.5 fils → 21
    assert.equal(rateCall(call('national', null, '2025-05-05T10:00:00+03:00', 100), t, 'Asia/Kuwait').cost, 21);
  });

  it('rounds half up once, at the end (EUR)', () => {
    // 0.003 EUR/min, 1/1: 100 s = 0.005 EUR = 0.5 cent → 1; 99 s = 0.495 cent → 0
    const t = tariff([{ type: 'national', perMinuteMicro: 3000, first: 1, next: 1 }]);
    assert.equal(rateCall(call('national', null, '2025-05-05T10:00:00+02:00', 100), t, ROME).cost, 1);
    assert.equal(rateCall(call('national', null, '2025-05-05T10:00:00+02:00', 99), t, ROME).cost, 0);
  });

  it('stays exact beyond 2^53 micro-unit-seconds (BigInt path)', () => {
    // 1,000,000 EUR/min for 86,401 s: 10^12 × 86,401 = 8.64 × 10^16 µ€·s > 2^53
    const t = tariff([{ type: 'premium', perMinuteMicro: 1e12, first: 1, next: 1 }]);
    const r = rateCall(call('premium', null, '2025-05-05T10:00:00+02:00', 86_401), t, ROME);
    // 10^12 × 86,401 / 60 µ€ = 144,001,666,666.67 cents → 144,001,666,667
    assert.equal(r.cost, 144_001_666_667);
    assert.equal(formatMinor(r.cost, 'EUR'), '1440016666.67 EUR');
  });

  it('keeps micro-unit prices exact: 10,000 calls at 0.0123 EUR/min sum without drift', () => {
    const price = parseMicro('0.0123');
    assert.equal(price, 12_300);
    const t = tariff([{ type: 'national', perMinuteMicro: price, first: 1, next: 1 }]);
    // 100 minutes at 0.0123 = 1.23 EUR exactly (in floats, 0.0123 * 100 = 1.2300000000000002)
    let total = 0;
    for (let i = 0; i < 10_000; i++) total += rateCall(call('national', null, '2025-05-05T10:00:00+02:00', 6000), t, ROME).cost;
    assert.equal(total, 1_230_000);
    assert.equal(formatMinor(total, 'EUR'), '12300.00 EUR');
    // Durations 1..10,000 s: each cost is 12300 × d / 60 micro-units, i.e. 0.0205 × d cents, rounded half up
    let sum = 0;
    let expected = 0n;
    for (let d = 1; d <= 10_000; d++) {
      sum += rateCall(call('national', null, '2025-05-05T10:00:00+02:00', d), t, ROME).cost;
      expected += (205n * BigInt(d) + 5000n) / 10_000n; // round half up of 205·d / 10,000 cents
    }
    assert.equal(BigInt(sum), expected);
    assert.equal(sum, 1_025_105); // Σ_{d ≤ 10,000} round(0.0205 d), in cents
  });
});

describe('golden phone bill', () => {
  // A fixed tariff (EUR, site in Europe/Rome, May 2025 = CEST, UTC+2):
  //   bands: peak Mon–Fri 08:00–18:00, off-peak otherwise; 2025-05-01 (Thu) is an off-peak holiday
  //   local          60/60, 0.0100 €/min off-peak, 0.0200 €/min peak
  //   national       30/6,  set-up 0.05 €, 0.0300 €/min off-peak, 0.0450 €/min peak
  //   mobile         1/1,   0.1200 €/min, minimum charge 0.10 €
  //   international  60/60, 0.5000 €/min; prefixes: 44 30/6 0.0800 €/min;
  //                  447 1/1 set-up 0.15 € 0.2000 €/min; 1 60/60 0.0500 €/min
  //   premium        60/60, set-up 0.50 €, 1.5000 €/min, minimum charge 3.00 €
  //   special        60/60, 0.2500 €/min
  //   toll-free, emergency, internal, unknown: no rate
  // Prices in micro-euros per minute; 1 cent = 10,000 µ€. Costs in cents.
  const golden = tariff(
    [
      { type: 'local', perMinuteMicro: 10_000, bandPerMinuteMicro: { peak: 20_000 }, first: 60, next: 60 },
      { type: 'national', setupMinor: 5, perMinuteMicro: 30_000, bandPerMinuteMicro: { peak: 45_000 }, first: 30, next: 6 },
      { type: 'mobile', perMinuteMicro: 120_000, first: 1, next: 1, minChargeMinor: 10 },
      { type: 'international', perMinuteMicro: 500_000, first: 60, next: 60 },
      { prefix: '44', perMinuteMicro: 80_000, first: 30, next: 6 },
      { prefix: '447', setupMinor: 15, perMinuteMicro: 200_000, first: 1, next: 1 },
      { prefix: '1', perMinuteMicro: 50_000, first: 60, next: 60 },
      { type: 'premium', setupMinor: 50, perMinuteMicro: 1_500_000, first: 60, next: 60, minChargeMinor: 300 },
      { type: 'special', perMinuteMicro: 250_000, first: 60, next: 60 },
    ],
    { bands: { default: 'offpeak', rules: [{ band: 'peak', days: [...WEEK], from: '08:00', to: '18:00' }] }, holidays: [{ date: '2025-05-01', band: 'offpeak' }] },
  );
  const calls: Array<[DestinationType, string | null, string, number, boolean, number]> = [
    // type, E.164, local start (+02:00), duration, answered, expected cost — worked out by hand
    ['local', '390212345678', '2025-05-05T10:00', 95, true, 4], //        Mon peak: 120 s × 20,000/60 = 40,000 µ€ = 4
    ['local', '390212345679', '2025-05-05T20:00', 30, true, 1], //        off-peak: 60 s × 10,000/60 = 1
    ['local', '390212345670', '2025-05-05T11:00', 25, false, 0], //       unanswered
    ['local', '390212345671', '2025-05-09T17:59', 61, true, 3], //        Fri, 120 s: 60 peak (2) + 60 off-peak (1)
    ['national', '390612345678', '2025-05-06T09:15', 200, true, 20], //   204 s peak: 153,000 µ€ = 15.3 + 5 = 20.3 → 20
    ['national', '390612345679', '2025-05-06T17:58', 250, true, 21], //   252 s: 120 peak 90,000 + 132 off 66,000 = 15.6 + 5 → 21
    ['national', '390612345670', '2025-05-10T11:00', 600, true, 35], //   Sat: 600 s off-peak 300,000 = 30 + 5
    ['national', '390612345671', '2025-05-01T10:00', 60, true, 8], //     holiday: 60 s off-peak = 3 + 5
    ['national', '390612345672', '2025-05-10T15:00', 205, true, 16], //   210 s off-peak 105,000 = 10.5 + 5 = 15.5 → 16 (half up)
    ['mobile', '393471234567', '2025-05-07T12:00', 5, true, 10], //       5 s: 10,000 µ€ = 1 → minimum 10
    ['mobile', '393471234568', '2025-05-07T12:30', 125, true, 25], //     125 s: 250,000 = 25
    ['mobile', '393471234569', '2025-05-07T12:40', 0, true, 0], //        zero seconds
    ['international', '447700900123', '2025-05-08T15:00', 61, true, 35], // 447: 61 s 203,333.3 = 20.33 + 15 = 35.33 → 35
    ['international', '442079460000', '2025-05-08T16:00', 45, true, 6], //  44: 48 s 64,000 = 6.4 → 6
    ['international', '12125550100', '2025-05-09T22:00', 3600, true, 300], // 1: 60 min × 50,000 = 3,000,000 = 300
    ['international', '33142270000', '2025-05-09T09:30', 90, true, 100], // type: 120 s × 500,000/60 = 1,000,000 = 100
    ['toll-free', '39800123456', '2025-05-05T09:00', 300, true, 0], //     free by default
    ['emergency', null, '2025-05-06T03:00', 120, true, 0], //              free by default
    ['internal', null, '2025-05-07T14:00', 600, true, 0], //               free by default
    ['premium', '39899123456', '2025-05-09T11:00', 150, true, 500], //     180 s: 4,500,000 = 450 + 50
    ['premium', '39899123457', '2025-05-09T11:10', 10, true, 300], //      60 s: 150 + 50 = 200 → minimum 300
    ['special', null, '2025-05-11T09:00', 45, true, 25], //                60 s × 250,000/60 = 25
    ['unknown', '999', '2025-05-11T10:00', 30, true, 0], //                no rate: none:unknown
  ];
  // Totals per type: local 4+1+0+3 = 8; national 20+21+35+8+16 = 100; mobile 10+25+0 = 35;
  // international 35+6+300+100 = 441; premium 500+300 = 800; special 25; the rest 0.
  // Overall 8+100+35+441+800+25 = 1409 cents = 14.09 EUR.
  const EXPECTED_TOTALS: Record<DestinationType, number> = {
    local: 8, national: 100, mobile: 35, international: 441, premium: 800, special: 25,
    'toll-free': 0, emergency: 0, internal: 0, unknown: 0,
  };

  it('gives exactly the expected cost per call, per destination type and overall', () => {
    const totals = Object.fromEntries(Object.keys(EXPECTED_TOTALS).map((k) => [k, 0])) as Record<DestinationType, number>;
    let overall = 0;
    calls.forEach(([type, prefix, local, duration, answered, expected], i) => {
      const r = rateCall(call(type, prefix, `${local}:00+02:00`, duration, answered), golden, ROME);
      assert.equal(r.cost, expected, `call ${i + 1} (${type} ${prefix ?? ''} ${local})`);
      assert.equal(r.currency, 'EUR');
      totals[type] += r.cost;
      overall += r.cost;
    });
    assert.deepEqual(totals, EXPECTED_TOTALS);
    assert.equal(overall, 1409);
    assert.equal(formatMinor(overall, 'EUR'), '14.09 EUR');
  });
});
