import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rateCall } from '../../src/rating/rate-call.js';
import { DESTINATION_TYPES, parseTariff, type Tariff } from '../../src/rating/tariff.js';
import {
  parseTariffCsv, parseTariffFile, parseTariffJson, TariffImportError, tariffsToCsv, tariffsToJson,
} from '../../src/rating/tariff-io.js';

const SAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/rating/samples');
// samples/ also holds prefix-table samples of the classifier; the tariff samples are tariff-*.
const sampleFiles = readdirSync(SAMPLES).filter((f) => /^tariff-.*\.(csv|json)$/.test(f)).sort();
const loadSample = (file: string): Tariff[] => parseTariffFile(readFileSync(path.join(SAMPLES, file), 'utf8'), file);

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof TariffImportError, `expected a TariffImportError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('the file was accepted');
}

describe('sample tariffs', () => {
  it('ship US, IT, GB and DE samples', () => {
    const byCode = new Map(sampleFiles.flatMap(loadSample).map((t) => [t.code, t]));
    assert.deepEqual([...byCode.keys()].sort(), ['DE-SAMPLE', 'GB-SAMPLE', 'IT-SAMPLE', 'US-SAMPLE']);
    assert.deepEqual(['US', 'IT', 'GB', 'DE'].map((c) => byCode.get(`${c}-SAMPLE`)?.currency), ['USD', 'EUR', 'GBP', 'EUR']);
    assert.ok(sampleFiles.some((f) => f.endsWith('.csv')) && sampleFiles.some((f) => f.endsWith('.json')));
  });

  for (const file of sampleFiles) {
    it(`${file} parses and is a complete, clearly marked sample`, () => {
      const tariffs = loadSample(file);
      assert.equal(tariffs.length, 1);
      const t = tariffs[0]!;
      assert.equal(t.sample, true);
      assert.match(t.name, /SAMPLE.*not a real carrier/);
      const types = new Set(t.rates.map((r) => r.type));
      for (const type of ['local', 'national', 'mobile', 'international', 'toll-free', 'premium', 'special'] as const) {
        assert.ok(types.has(type), `${file} has a ${type} rate`);
      }
      assert.equal(t.rates.find((r) => r.type === 'toll-free')?.perMinuteMicro, 0);
      assert.ok(t.rates.filter((r) => r.prefix !== null).length >= 3, 'a few international prefixes');
      assert.ok(t.bands && t.bands.rules.some((r) => r.band === 'peak'), 'peak/off-peak bands');
      assert.ok(t.holidays.length >= 2, 'holidays');
    });
  }

  it('rates a call with a sample (IT: local, Monday 10:00, 60 s)', () => {
    const it = loadSample('tariff-it.csv')[0]!;
    const r = rateCall({ startUtc: Date.parse('2025-05-05T10:00:00+02:00') / 1000, durationS: 60, answered: true, destination: { type: 'local', prefix: '390212345678' } }, it, 'Europe/Rome');
    // set-up 0.05 + 60 s at 0.0123 (peak) = 0.0623 EUR → 6 cents
    assert.deepEqual([r.cost, r.band, r.rateKey], [6, 'peak', 'type:local']);
  });
});

describe('round trip', () => {
  const all = sampleFiles.flatMap(loadSample);

  for (const t of all) {
    it(`${t.code}: CSV and JSON exports re-import to an equal tariff`, () => {
      assert.deepEqual(parseTariffCsv(tariffsToCsv([t]), 'x.csv'), [t]);
      assert.deepEqual(parseTariffJson(tariffsToJson([t]), 'x.json'), [t]);
    });
  }

  it('keeps several tariffs in one file, and a tariff using every feature', () => {
    const rich = parseTariff({
      code: 'RICH', name: 'Every feature, "quoted", with, commas', carrier: 'C', currency: 'JPY', sample: false,
      bands: { default: 'day', rules: [{ band: 'night', days: ['fri', 'mon', 'wed'], from: '22:30', to: '06:15' }, { band: 'all', days: ['sun'], from: '00:00', to: '24:00' }] },
      holidays: [{ date: '2024-02-29', band: 'all' }, { date: '02-29', band: 'night', name: 'Leap day' }],
      rates: [
        { prefix: '81', setupMinor: 12, perMinuteMicro: 1, bandPerMinuteMicro: { night: 0, all: 123_456_789 }, first: 0, next: 7, minChargeMinor: 100 },
        { type: 'unknown', perMinuteMicro: 999_999_999_999, first: 86_400, next: 86_400 },
      ],
    });
    const many = [...all, rich];
    assert.deepEqual(parseTariffCsv(tariffsToCsv(many), 'all.csv'), many);
    assert.deepEqual(parseTariffJson(tariffsToJson(many), 'all.json'), many);
    assert.match(tariffsToCsv([rich]), /RICH,band,,,,,,,night,,,,,,mon wed fri,22:30,06:15,/);
  });

  it('reads semicolon or tab separated CSV with a BOM and CRLF line ends', () => {
    const csv = tariffsToCsv([all[0]!]);
    for (const sep of [';', '\t']) {
      const text = `\uFEFF${csv.replaceAll(',', sep).replaceAll('\n', '\r\n')}`.replace(/"[^"]*"/g, (q) => q.replaceAll(sep, ','));
      assert.deepEqual(parseTariffCsv(text, 'sep.csv'), [all[0]]);
    }
  });

  it('accepts CSV files that leave out unused columns, and days written as ranges or lists', () => {
    const csv = [
      'tariff,kind,name,carrier,currency,type,band,per_minute,first,next,days,from,to',
      'MINI,tariff,Mini,Carrier,usd,,,,,,,,',
      'MINI,band,,,,,offpeak,,,,,,',
      'MINI,band,,,,,peak,,,,"Mon-Wed, thu|fri",08:00,18:00',
      'MINI,rate,,,,national,,0.0123,30,6,,,',
      'MINI,rate,,,,national,peak,0.02,,,,,',
    ].join('\n');
    const [t] = parseTariffCsv(csv, 'mini.csv');
    assert.deepEqual(t, parseTariff({
      code: 'MINI', name: 'Mini', carrier: 'Carrier', currency: 'USD',
      bands: { default: 'offpeak', rules: [{ band: 'peak', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' }] },
      rates: [{ type: 'national', perMinuteMicro: 12_300, bandPerMinuteMicro: { peak: 20_000 }, first: 30, next: 6 }],
    }));
  });
});

describe('bad files', () => {
  it('rejects a CSV with several bad rows as a whole, listing every problem', () => {
    const csv = `tariff,kind,name,carrier,currency,sample,prefix,type,band,setup,per_minute,first,next,min_charge,days,from,to,date
BAD,tariff,Bad tariff,Carrier,EUR,maybe,,,,,,,,,,,,
BAD,band,,,,,,,offpeak,,,,,,,,,
BAD,band,,,,,,,peak,,,,,,mon-fry,08:00,18:00,
BAD,band,,,,,,,evening,,,,,,mon-fri,25:00,23:00,
BAD,holiday,Nope,,,,,,offpeak,,,,,,,,,02-30
BAD,holiday,Unknown band,,,,,,festive,,,,,,,,,12-25
BAD,rate,,,,,,local,,0.055,"0,0123",60,60,,,,,
BAD,rate,,,,,,mobil,,,0.05,60,60,,,,,
BAD,rate,,,,,44,international,,,0.05,60,60,,,,,
BAD,rate,,,,,,national,,,0.03,abc,0,,,,,
BAD,rate,,,,,,national,,,0.03,60,60,,,,,
BAD,rate,,,,,,special,peak,,0.5,,,,,,,
BAD,rate,,,,,,local,weekend,,0.01,,,,,,,
BAD,rate,,,,,,premium,,,1.5,60,60,,mon,,,
BAD,rte,,,,,,premium,,,1.5,60,60,,,,,
,rate,,,,,,premium,,,1.5,60,60,,,,,
GOOD,tariff,Good tariff,Carrier,EUR,,,,,,,,,,,,,
GOOD,rate,,,,,,local,,,0.01,60,60,,,,,
`;
    assert.deepEqual(problemsOf(() => parseTariffCsv(csv, 'bad.csv')), [
      'bad.csv:2: sample: sample is true or false (got "maybe")',
      'bad.csv:4: days: days are like "mon-fri" or "sat sun" (got "mon-fry")',
      'bad.csv:5: from: a time is HH:MM, 00:00 to 24:00 (got "25:00")',
      'bad.csv:6: date: a date is YYYY-MM-DD (once) or MM-DD (every year) (got "02-30")',
      'bad.csv:7: band: unknown band "festive" (declared bands: offpeak, peak, evening) (got "festive")',
      'bad.csv:8: setup: at most 2 decimals for EUR (got "0.055")',
      'bad.csv:8: per_minute: not a non-negative decimal number (use a dot as the decimal separator) (got "0,0123")',
      `bad.csv:9: type: a type is one of ${DESTINATION_TYPES.join(', ')} (got "mobil")`,
      'bad.csv:10: prefix: a rate has either a prefix or a type, not both and not neither (got "44")',
      'bad.csv:11: first: whole seconds (got "abc")',
      'bad.csv:11: next: the next increment is at least 1 s (got "0")',
      'bad.csv:12: type: a second rate for type national (got "national")',
      'bad.csv:13: band: no rate row without a band for type special (it gives set-up, increments, minimum charge) (got "peak")',
      'bad.csv:14: band: unknown band "weekend" (declared bands: offpeak, peak, evening) (got "weekend")',
      'bad.csv:15: days: not used in rate rows (got "mon")',
      'bad.csv:16: kind: the kind is tariff, band, holiday or rate (got "rte")',
      'bad.csv:17: tariff: the tariff code is required',
    ]);
  });

  it('rejects bad headers, a missing tariff row, a missing default band and bad money', () => {
    assert.deepEqual(problemsOf(() => parseTariffCsv('tariff,price\nA,1\n', 'h.csv')), [
      `h.csv:1: price: unknown column (columns: tariff, kind, name, carrier, currency, sample, prefix, type, band, setup, per_minute, first, next, min_charge, days, from, to, date)`,
      'h.csv:1: kind: missing column',
    ]);
    assert.deepEqual(problemsOf(() => parseTariffCsv('tariff,kind,type,per_minute,first,next\nA,rate,local,0.01,60,60\n', 'n.csv')), [
      'n.csv:2: tariff: no "tariff" row for this tariff (it gives name, carrier, currency) (got "A")',
    ]);
    const noDefault = 'tariff,kind,name,carrier,currency,type,band,per_minute,first,next,days,from,to\nA,tariff,A,C,JPY,,,,,,,,\nA,band,,,,,peak,,,,mon,08:00,18:00\nA,rate,,,,local,,1.5,60,60,,,\n';
    assert.deepEqual(problemsOf(() => parseTariffCsv(noDefault, 'd.csv')), [
      'd.csv:3: band: no default band: add a band row with only a band name (the band outside every rule) (got "peak")',
    ]);
    const empty = 'tariff,kind,name,carrier,currency\nA,tariff,,C,EURO\n';
    assert.deepEqual(problemsOf(() => parseTariffCsv(empty, 'e.csv')), [
      'e.csv:2: name: a name is required',
      'e.csv:2: currency: not an ISO 4217 currency code (upper case, e.g. EUR) (got "EURO")',
      'e.csv:2: kind: a tariff needs at least one rate (got "tariff")',
    ]);
    assert.deepEqual(problemsOf(() => parseTariffCsv('tariff,kind\n"A,tariff\n', 'q.csv')).length, 1);
  });

  it('rejects a JSON file with every problem listed by path and value', () => {
    const json = JSON.stringify([
      { code: 'OK', name: 'ok', carrier: 'c', currency: 'EUR', rates: [{ type: 'local', perMinuteMicro: 1, first: 1, next: 1 }] },
      {
        code: 'BAD TARIFF', name: 'b', carrier: 'c', currency: 'EUR',
        bands: { default: 'off', rules: [{ band: 'peak', days: ['mon'], from: '08:00', to: '08:00' }] },
        rates: [
          { type: 'local', perMinuteMicro: 0.0123, first: 60, next: 60 },
          { type: 'local', perMinuteMicro: 100, bandPerMinuteMicro: { night: 5 }, first: -1, next: 60 },
        ],
      },
      { code: 'OK', name: 'again', carrier: 'c', currency: 'EUR', rates: [{ prefix: '44', perMinuteMicro: 1, first: 1, next: 1 }] },
    ]);
    assert.deepEqual(problemsOf(() => parseTariffJson(json, 'bad.json')), [
      'bad.json: [1].code: a tariff code is 1-32 of A-Z, a-z, 0-9, _, . and - (got "BAD TARIFF")',
      'bad.json: [1].bands.rules[0].to: from and to must differ (use 00:00 to 24:00 for a whole day) (got "08:00")',
      'bad.json: [1].rates[0].perMinuteMicro: the price per minute must be a whole number (got 0.0123)',
      'bad.json: [1].rates[1].first: the first increment must not be negative (got -1)',
      'bad.json: [1].rates[1].type: a second rate for type local (got "local")',
      'bad.json: [1].rates[1].bandPerMinuteMicro.night: unknown band "night" (declared bands: off, peak) (got 5)',
      'bad.json: [2].code: a second tariff with code OK (got "OK")',
    ]);
    assert.deepEqual(problemsOf(() => parseTariffJson('{ "code": ', 'broken.json')).length, 1);
    assert.match(problemsOf(() => parseTariffJson('{ "code": ', 'broken.json'))[0]!, /^broken\.json: not valid JSON/);
  });
});
