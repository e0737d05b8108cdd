import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildCallRater, maskDigits, type CallFacts, type RatingData } from '../../src/rating/call-rating.js';
import { parseTariff } from '../../src/rating/tariff.js';

const TARIFF = parseTariff({
  code: 'US-T', name: 'US test', carrier: 'Carrier', currency: 'USD',
  rates: [{ type: 'national', perMinuteMicro: 60_000, first: 60, next: 60 }, { type: 'international', perMinuteMicro: 600_000, first: 1, next: 1 }],
});
const INTERNAL = parseTariff({ code: 'INT', name: 'internal', carrier: 'PBX', currency: 'USD', rates: [{ type: 'internal', perMinuteMicro: 10_000, first: 60, next: 60 }] });

const data = (over: Partial<RatingData> = {}): RatingData => ({
  siteId: 7, dialPlan: { country: 'US', areaCode: '212', accessCodes: ['9'] }, timezone: 'America/New_York', currency: 'USD',
  tariffs: [TARIFF, INTERNAL], defaultTariff: 'US-T', internalTariff: null, prefixes: [{ prefix: '1312', area: 'Chicago' }],
  accounts: [
    { siteId: 0, code: '11', description: 'Everyone', privacyDigits: 0, costCenter: 'CC-ALL', replaceWithDescription: false },
    { siteId: 7, code: '11', description: 'Here', privacyDigits: 2, costCenter: 'CC-HERE', replaceWithDescription: true },
    { siteId: 8, code: '22', description: 'Elsewhere', privacyDigits: 0, costCenter: 'CC-8', replaceWithDescription: false },
  ],
  userCostCenters: [[1, 'CC-USER']],
  ...over,
});
const call = (over: Partial<CallFacts> = {}): CallFacts => ({
  direction: 'outgoing', userId: 1, dialedNumber: '913125550123', remoteNumber: '13125550123', gatewayTariff: null,
  startAt: Date.UTC(2026, 10, 17, 15) / 1000, durationS: 61, answered: true, accountCode: '', ...over,
});

describe('maskDigits', () => {
  it('masks the last N digits, keeps other characters, and never masks more when applied again', () => {
    assert.equal(maskDigits('+1 312 555-0123', 4), '+1 312 555-XXXX');
    assert.equal(maskDigits('0123', 9), 'XXXX');
    assert.equal(maskDigits('0123', 0), '0123');
    assert.equal(maskDigits(maskDigits('13125550123', 4), 2), '1312555XXXX');
    assert.equal(maskDigits(maskDigits('13125550123', 2), 4), '1312555XXXX');
  });
});

describe('buildCallRater', () => {
  const rater = buildCallRater(data());

  it('classifies with the site prefix table and rates with the default tariff', () => {
    const r = rater.rate(call());
    assert.deepEqual([r.destinationType, r.nation, r.area, r.cost, r.currency, r.carrier, r.tariffCode, r.costCenter],
      ['national', 'US', 'Chicago', 12, 'USD', 'Carrier', 'US-T', 'CC-USER']); // 61 s → 120 s × 0.06
  });

  it("uses the gateway's tariff; an unknown tariff code leaves the call unrated", () => {
    assert.equal(buildCallRater(data({ defaultTariff: null })).rate(call()).cost, null);
    assert.equal(buildCallRater(data({ defaultTariff: null })).rate(call({ gatewayTariff: 'US-T' })).cost, 12);
    assert.equal(rater.rate(call({ gatewayTariff: 'GONE' })).cost, null);
  });

  it("prefers the site's own account code over a multisite one and ignores other sites' codes", () => {
    const r = rater.rate(call({ accountCode: '11' }));
    assert.deepEqual([r.accountName, r.costCenter, r.remoteNumber, r.dialedNumber, r.unknownAccount], ['Here', 'CC-HERE', '131255501XX', '9131255501XX', false]);
    const other = rater.rate(call({ accountCode: '22' }));
    assert.deepEqual([other.accountName, other.costCenter, other.unknownAccount], ['', 'CC-USER', true]);
  });

  it('applies account codes to outgoing calls only', () => {
    const r = rater.rate(call({ direction: 'incoming', remoteNumber: '13125550123', dialedNumber: '2001', accountCode: '11' }));
    assert.deepEqual([r.destinationType, r.cost, r.remoteNumber, r.unknownAccount, r.accountName], ['national', 0, '13125550123', false, '']);
  });

  it('does not strip an access code from an incoming caller', () => {
    // 9 + 11 digits would be an access code on an outgoing call; from outside it is the number itself.
    const r = rater.rate(call({ direction: 'incoming', remoteNumber: '914155550123', dialedNumber: '2001' }));
    assert.notEqual(r.nation, 'US');
  });

  it('internal calls cost nothing unless the site has an internal tariff', () => {
    const c = call({ direction: 'internal', dialedNumber: '2002', remoteNumber: '2002', durationS: 30 });
    assert.deepEqual([rater.rate(c).cost, rater.rate(c).destinationType], [0, 'internal']);
    assert.equal(buildCallRater(data({ internalTariff: 'INT' })).rate(c).cost, 1);
  });

  it('classifies a masked number from its prefix; unknown destinations are counted', () => {
    const r = rater.rate(call({ dialedNumber: '9131255XXXXX', remoteNumber: '131255XXXXX' }));
    assert.deepEqual([r.destinationType, r.area, r.cost], ['national', 'Chicago', 12]);
    const u = rater.rate(call({ dialedNumber: 'abc', remoteNumber: 'abc' }));
    assert.deepEqual([u.destinationType, u.unknownDestination], ['unknown', true]);
  });

  it('rejects a bad time zone', () => {
    assert.throws(() => buildCallRater(data({ timezone: 'Mars/Base' })), RangeError);
  });
});
