import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { getCountries, getCountryCallingCode } from 'libphonenumber-js/max';
import {
  classifyDestination, createDestinationClassifier, stripAccessCode, type DestinationType, type SiteDialPlan,
} from '../../src/rating/destination.js';
import { compileAutomaton } from '../../src/rating/pattern-automaton.js';
import { buildPrefixTable, parsePrefixTable } from '../../src/rating/prefix-table.js';

const US: SiteDialPlan = { country: 'US', areaCode: '212', accessCodes: ['9'] };
const IT: SiteDialPlan = { country: 'IT', areaCode: '02', accessCodes: ['0'] };
const GB: SiteDialPlan = { country: 'GB', areaCode: '20', accessCodes: ['9'] };
const DE: SiteDialPlan = { country: 'DE', areaCode: '30', accessCodes: ['0'] };
const FR: SiteDialPlan = { country: 'FR', areaCode: '1', accessCodes: ['0'] };
const AU: SiteDialPlan = { country: 'AU', areaCode: '2', accessCodes: ['0'] };
const ES: SiteDialPlan = { country: 'ES', areaCode: '91', accessCodes: ['0'] };

type Row = [site: SiteDialPlan, dialled: string, type: DestinationType, e164: string | null, nation: string | null];

/** Each row: what a site dialled and what it must be classified as. */
const TABLE: Row[] = [
  // United States: access code 9, NANP trunk 1, 011 international, 7-digit local dialling.
  [US, '92125551234', 'local', '+12125551234', 'US'],
  [US, '912125551234', 'local', '+12125551234', 'US'],
  [US, '95551234', 'local', '+12125551234', 'US'],
  [US, '5551234', 'local', '+12125551234', 'US'],
  [US, '2125551234', 'local', '+12125551234', 'US'],
  [US, '94155552671', 'national', '+14155552671', 'US'],
  [US, '914155552671', 'national', '+14155552671', 'US'],
  [US, '+14155552671', 'national', '+14155552671', 'US'],
  [US, '918005551234', 'toll-free', '+18005551234', 'US'],
  [US, '918885551234', 'toll-free', '+18885551234', 'US'],
  [US, '919005551234', 'premium', '+19005551234', 'US'],
  [US, '9011442079460000', 'international', '+442079460000', 'GB'],
  [US, '011390212345678', 'international', '+390212345678', 'IT'],
  [US, '+442079460000', 'international', '+442079460000', 'GB'],
  [US, '916135550123', 'international', '+16135550123', 'CA'],
  [US, '911', 'emergency', null, 'US'],
  [US, '9911', 'emergency', null, 'US'],
  [US, '112', 'emergency', null, 'US'],
  [US, '411', 'special', null, 'US'],
  [US, '9611', 'special', null, 'US'],
  [US, 'sip:+12125551234@cucm.example.com', 'local', '+12125551234', 'US'],
  [US, 'sip:92125551234@10.1.1.1;user=phone', 'local', '+12125551234', 'US'],
  [US, '2125551234#', 'local', '+12125551234', 'US'],
  [US, '(212) 555-1234', 'local', '+12125551234', 'US'],
  // Italy: access code 0, no trunk prefix (the 0 of 02 is part of the number), 00 international.
  [IT, '00212345678', 'local', '+390212345678', 'IT'],
  [IT, '00612345678', 'national', '+390612345678', 'IT'],
  [IT, '0011234567', 'national', '+39011234567', 'IT'],
  [IT, '+390212345678', 'local', '+390212345678', 'IT'],
  [IT, '03471234567', 'mobile', '+393471234567', 'IT'],
  [IT, '+393351234567', 'mobile', '+393351234567', 'IT'],
  [IT, '0800123456', 'toll-free', '+39800123456', 'IT'],
  [IT, '0899123456', 'premium', '+39899123456', 'IT'],
  [IT, '000442079460000', 'international', '+442079460000', 'GB'],
  [IT, '0066982123', 'international', '+39066982123', 'VA'],
  [IT, '112', 'emergency', null, 'IT'],
  [IT, '0112', 'emergency', null, 'IT'],
  [IT, '113', 'emergency', null, 'IT'],
  [IT, '0115', 'emergency', null, 'IT'],
  [IT, '118', 'emergency', null, 'IT'],
  [IT, '803123', 'toll-free', '+39803123', 'IT'],
  [IT, '4567', 'special', null, 'IT'],
  // United Kingdom: access code 9, trunk 0 dropped in E.164, local dialling without area code.
  [GB, '902079460000', 'local', '+442079460000', 'GB'],
  [GB, '979460000', 'local', '+442079460000', 'GB'],
  [GB, '901612345678', 'national', '+441612345678', 'GB'],
  [GB, '1612345678', 'national', '+441612345678', 'GB'],
  [GB, '+441612345678', 'national', '+441612345678', 'GB'],
  [GB, '+4402079460000', 'local', '+442079460000', 'GB'],
  [GB, '907400123456', 'mobile', '+447400123456', 'GB'],
  [GB, '908001111', 'toll-free', '+448001111', 'GB'],
  [GB, '908000000000', 'toll-free', '+448000000000', 'GB'],
  [GB, '909098790000', 'premium', '+449098790000', 'GB'],
  [GB, '90012125551234', 'international', '+12125551234', 'US'],
  [GB, '999', 'emergency', null, 'GB'],
  [GB, '9999', 'emergency', null, 'GB'],
  [GB, '9112', 'emergency', null, 'GB'],
  [GB, '123', 'special', null, 'GB'],
  // Germany: access code 0, trunk 0, local dialling without Vorwahl.
  [DE, '00301234567', 'local', '+49301234567', 'DE'],
  [DE, '01234567', 'local', '+49301234567', 'DE'],
  [DE, '+4930123456', 'local', '+4930123456', 'DE'],
  [DE, '00401234567', 'national', '+49401234567', 'DE'],
  [DE, '0015112345678', 'mobile', '+4915112345678', 'DE'],
  [DE, '0017012345678', 'mobile', '+4917012345678', 'DE'],
  [DE, '008001234567', 'toll-free', '+498001234567', 'DE'],
  [DE, '009001234567', 'premium', '+499001234567', 'DE'],
  [DE, '0001 212 555 1234', 'international', '+12125551234', 'US'],
  [DE, '110', 'emergency', null, 'DE'],
  [DE, '0110', 'emergency', null, 'DE'],
  [DE, '0112', 'emergency', null, 'DE'],
  [DE, '116117', 'special', null, 'DE'],
  // France, Australia, Spain.
  [FR, '00142685300', 'local', '+33142685300', 'FR'],
  [FR, '00612345678', 'mobile', '+33612345678', 'FR'],
  [FR, '15', 'emergency', null, 'FR'],
  [FR, '017', 'emergency', null, 'FR'],
  [AU, '00298765432', 'local', '+61298765432', 'AU'],
  [AU, '00412345678', 'mobile', '+61412345678', 'AU'],
  [AU, '00011442079460000', 'international', '+442079460000', 'GB'],
  [AU, '000', 'emergency', null, 'AU'],
  [AU, '0000', 'emergency', null, 'AU'],
  [ES, '0912345678', 'local', '+34912345678', 'ES'],
  [ES, '0091', 'emergency', null, 'ES'],
  // Garbage.
  [US, 'abc', 'unknown', null, null],
  [US, '', 'unknown', null, null],
  [US, '+', 'unknown', null, null],
  [US, '   ', 'unknown', null, null],
  [US, '12ab34', 'unknown', null, null],
  [US, '123456789012345678901234567890', 'unknown', null, null],
  [US, '+123456789012345678901234567890', 'unknown', null, null],
  [US, '+0044207946000', 'unknown', null, null],
  [US, '9123456789', 'unknown', null, null],
  [GB, '900', 'special', null, 'GB'],
  [{ country: 'XX', areaCode: '', accessCodes: [] }, '+442079460000', 'international', '+442079460000', 'GB'],
  [{ country: 'XX', areaCode: '', accessCodes: [] }, '0123456789', 'unknown', null, null],
];

describe('classifyDestination', () => {
  for (const [site, dialled, type, e164, nation] of TABLE) {
    it(`${site.country} ${JSON.stringify(dialled)} → ${type}`, () => {
      const d = classifyDestination(dialled, site);
      assert.deepEqual({ type: d.type, e164: d.e164, nation: d.nation }, { type, e164, nation });
    });
  }

  it('gives the calling code as prefix and the line kind, and no area without a prefix table', () => {
    assert.deepEqual(classifyDestination('9011447400123456', US), {
      type: 'international', e164: '+447400123456', nation: 'GB', area: null, prefix: '44', line: 'mobile', label: null,
    });
  });

  it('calls short numbers internal when the caller says so, never emergency numbers', () => {
    assert.equal(classifyDestination('4567', IT, null, { internal: true }).type, 'internal');
    assert.equal(classifyDestination('4567', IT, null, { internal: (n) => n.startsWith('4') }).type, 'internal');
    assert.equal(classifyDestination('5567', IT, null, { internal: (n) => n.startsWith('4') }).type, 'special');
    assert.equal(classifyDestination('112', IT, null, { internal: true }).type, 'emergency');
    assert.equal(classifyDestination('*86', US).type, 'special');
    assert.equal(classifyDestination('*86', US, null, { internal: true }).type, 'internal');
  });

  it('never throws', () => {
    const inputs = ['', '+', '#', '@', 'sip:', 'tel:+', '+1', '00', '011', '+800', '\u0000', '9'.repeat(300), '+٣٣١٢٣٤٥٦٧٨٩'];
    for (const n of inputs) for (const site of [US, IT, GB, DE]) assert.doesNotThrow(() => classifyDestination(n, site));
  });
});

describe('stripAccessCode', () => {
  it('removes the longest code that leaves at least 5 digits', () => {
    assert.equal(stripAccessCode('9012345', ['9', '90']), '12345');
    assert.equal(stripAccessCode('901234', ['9', '90']), '01234');
    assert.equal(stripAccessCode('9911', ['9']), '9911');
    assert.equal(stripAccessCode('12345678', ['9']), '12345678');
  });
});

describe('prefix overrides', () => {
  const it2 = parsePrefixTable(readFileSync(new URL('../../src/rating/samples/prefixes-it.csv', import.meta.url), 'utf8'));

  it('name the area and operator from the sample table', () => {
    const d = classifyDestination('00212345678', IT, it2);
    assert.deepEqual([d.type, d.area, d.prefix], ['local', 'Milano', '3902']);
    const m = classifyDestination('03351234567', IT, it2);
    assert.deepEqual([m.type, m.area, m.label, m.prefix], ['mobile', 'TIM', 'Mobile TIM', '39335']);
  });

  it('win over libphonenumber, longest prefix first, each field from the longest entry setting it', () => {
    const table = buildPrefixTable([
      { prefix: '1', area: 'NANP' },
      { prefix: '1646', type: 'local' },
      { prefix: '1646555', area: 'Manhattan', label: 'overlay' },
      { prefix: '3906698', type: 'national', area: 'Città del Vaticano' },
      { prefix: '447700900', type: 'mobile', label: 'drama range' },
    ]);
    assert.deepEqual(classifyDestination('96465550100', US, table), {
      type: 'local', e164: '+16465550100', nation: 'US', area: 'Manhattan', prefix: '1646555', line: 'fixed', label: 'overlay',
    });
    const plain = classifyDestination('96464440100', US, table);
    assert.deepEqual([plain.type, plain.area, plain.prefix], ['local', 'NANP', '1646']);
    assert.equal(classifyDestination('96464440100', US).type, 'national');
    const va = classifyDestination('0066982123', IT, table);
    assert.deepEqual([va.type, va.nation, va.area], ['national', 'VA', 'Città del Vaticano']);
    // libphonenumber does not know Ofcom's drama range; the table does.
    assert.equal(classifyDestination('907700900123', GB).type, 'unknown');
    assert.deepEqual(classifyDestination('907700900123', GB, table).type, 'mobile');
  });
});

/** Deterministic xorshift32. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

describe('cache', () => {
  const r = rng(20261122);
  const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

  /** Numbers around prefixes where the answer turns on late digits, plus generated ones. */
  function generated(): Array<[string, SiteDialPlan]> {
    const out: Array<[string, SiteDialPlan]> = [];
    const tricky = ['448001111', '44845464', '44180020', '4418002012', '1246521', '18766060', '1876606', '57601055', '810003768',
      '81000', '3780549', '37889', '3906698', '390669', '441624', '441481', '4402', '4907', '12125550', '4930', '4915', '3933'];
    for (const t of tricky) for (let k = 0; k < 120; k++) out.push([`+${t}${digits(Math.floor(r() * 7))}`, pick([US, GB])]);
    const sites = [US, IT, GB, DE, FR, AU, ES];
    const countries = getCountries();
    for (let k = 0; k < 6000; k++) {
      const site = pick(sites);
      const u = r();
      if (u < 0.35) out.push([`+${getCountryCallingCode(pick(countries))}${digits(4 + Math.floor(r() * 10))}`, site]);
      else if (u < 0.7) out.push([`${site.accessCodes[0]}0${digits(6 + Math.floor(r() * 6))}`, site]);
      else out.push([`${site.accessCodes[0]}${digits(5 + Math.floor(r() * 7))}`, site]);
    }
    const national: Array<[SiteDialPlan, string[]]> = [
      [US, ['91212', '91415', '91800', '91900', '9212', '9', '91876', '91246']],
      [IT, ['002', '006', '003', '0080', '0089', '0055']],
      [GB, ['9020', '90161', '907', '9080', '909', '90800111', '908454']],
      [DE, ['0030', '0089', '0015', '0017', '00800', '00900']],
    ];
    for (const [site, prefixes] of national) for (let k = 0; k < 1500; k++) out.push([`${pick(prefixes)}${digits(4 + Math.floor(r() * 7))}`, site]);
    return out;
  }

  it('gives the same answers as libphonenumber on every number (thousands, several countries)', () => {
    const cached = createDestinationClassifier();
    const uncached = createDestinationClassifier({ cache: false });
    const numbers = generated();
    const types = new Set<DestinationType>();
    let mismatches = 0;
    for (const [n, site] of numbers) {
      const a = cached.classify(n, site);
      const b = uncached.classify(n, site);
      types.add(b.type);
      if (JSON.stringify(a) !== JSON.stringify(b)) {
        mismatches++;
        assert.deepEqual(a, b, `${site.country} ${n}`);
      }
    }
    assert.equal(mismatches, 0);
    assert.ok(numbers.length > 14_000, `${numbers.length} numbers`);
    for (const t of ['local', 'national', 'mobile', 'toll-free', 'premium', 'international', 'unknown'] as const) assert.ok(types.has(t), t);
    // Random digits in every country share few prefixes; still, part of the answers came from the cache.
    const s = cached.stats();
    assert.ok(s.libphonenumberCalls < s.lookups * 0.8, JSON.stringify(s));
  });

  it('answers repeated prefixes from the cache', () => {
    const c = createDestinationClassifier();
    for (let i = 0; i < 1000; i++) c.classify(`9212555${String(i).padStart(4, '0')}`, US);
    const s = c.stats();
    assert.equal(s.lookups, 1000);
    assert.equal(s.libphonenumberCalls, 1);
  });

  it('stays exact and bounded when it is emptied', () => {
    const small = createDestinationClassifier({ maxEntries: 50 });
    const uncached = createDestinationClassifier({ cache: false });
    for (const [n, site] of generated().slice(0, 3000)) assert.deepEqual(small.classify(n, site), uncached.classify(n, site), n);
    assert.ok(small.stats().entries <= 50 + 32, JSON.stringify(small.stats()));
  });
});

describe('compileAutomaton', () => {
  const walk = (patterns: string[], digits: string): boolean => {
    const a = compileAutomaton(patterns)!;
    let live = a.start;
    for (const c of digits) live = a.step(live, Number(c));
    return a.settled(live);
  };

  it('settles once no live path can look at a restricted digit', () => {
    const gbTollFree = ['80[08]\\d{7}|800\\d{6}|8001111'];
    assert.equal(walk(gbTollFree, '80'), false);
    assert.equal(walk(gbTollFree, '808'), true);
    assert.equal(walk(gbTollFree, '800111'), false);
    assert.equal(walk(gbTollFree, '8001111'), true);
    assert.equal(walk(gbTollFree, '8001112'), true);
    assert.equal(walk(['[2-9]\\d{9}'], ''), false);
    assert.equal(walk(['[2-9]\\d{9}'], '2'), true);
    assert.equal(walk(['[2-9]\\d{9}'], '1'), true);
    assert.equal(walk(['(000[2569]\\d{4,6})$|(?:(?:003768)0?)|0'], '0037'), false);
  });

  it('refuses syntax outside the metadata subset', () => {
    assert.equal(compileAutomaton(['(?=1)\\d']), null);
    assert.equal(compileAutomaton(['1+']), null);
    assert.equal(compileAutomaton(['[^1]']), null);
    assert.notEqual(compileAutomaton(['(?:1|2)?\\d{2,3}$']), null);
  });
});

