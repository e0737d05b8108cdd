import { performance } from 'node:perf_hooks';
import { createDestinationClassifier } from '../src/rating/destination.js';
import type { SiteDialPlan } from '../src/rating/destination-types.js';

/**
 * `npm run bench:classify [-- --numbers N]`: classifies N (default 1,000,000) generated numbers
 * dialled from sites in six countries, in the mixes a PBX sees (access codes, national, local
 * without area code, mobile, toll free, premium, 00/011 and +E.164 international, emergency,
 * short), after a warm-up of the same size; prints numbers per second and the cache hit rate,
 * then the rate of the same classification without the cache (libphonenumber on every number).
 * Subscriber digits are random, so most numbers are distinct: the cache has to work by prefix.
 */

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** Deterministic xorshift32, so every run classifies the same numbers. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

type Gen = (r: () => number) => string;
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const digits = (r: () => number, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += String(Math.floor(r() * 10));
  return s;
};
const nxx = (r: () => number): string => String(2 + Math.floor(r() * 8)) + digits(r, 2);

/** Foreign numbers in E.164 digits, for IDD and + dialling. */
const FOREIGN: Gen[] = [
  (r) => `44${pick(r, ['20', '161', '121', '7700', '7911', '7400'])}${digits(r, 6)}`.slice(0, 12),
  (r) => `49${pick(r, ['30', '89', '151', '170', '40'])}${digits(r, 8)}`.slice(0, 12),
  (r) => `33${pick(r, ['1', '4', '6', '7'])}${digits(r, 8)}`,
  (r) => `39${pick(r, ['02', '06', '347', '335', '338'])}${digits(r, 7)}`,
  (r) => `1${pick(r, ['212', '415', '312', '617', '416', '604'])}${nxx(r)}${digits(r, 4)}`,
  (r) => `34${pick(r, ['91', '93', '6', '7'])}${digits(r, 7)}`.slice(0, 11),
  (r) => `81${pick(r, ['3', '6', '90', '80'])}${digits(r, 8)}`.slice(0, 12),
  (r) => `61${pick(r, ['2', '3', '4'])}${digits(r, 8)}`,
];

interface SiteMix { site: SiteDialPlan; idd: string; mix: Gen[] }

const SITES: SiteMix[] = [
  { site: { country: 'US', areaCode: '212', accessCodes: ['9'] }, idd: '011', mix: [
    (r) => `9${nxx(r)}${digits(r, 4)}`,
    (r) => `91${pick(r, ['415', '312', '617', '202', '305', '713', '206'])}${nxx(r)}${digits(r, 4)}`,
    (r) => `9${pick(r, ['212', '646', '917'])}${nxx(r)}${digits(r, 4)}`,
    (r) => `91${pick(r, ['800', '888', '877'])}${nxx(r)}${digits(r, 4)}`,
    (r) => `91900${nxx(r)}${digits(r, 4)}`,
    (r) => pick(r, ['911', '9911', '411', '611']),
  ] },
  { site: { country: 'IT', areaCode: '02', accessCodes: ['0'] }, idd: '00', mix: [
    (r) => `002${digits(r, 8)}`,
    (r) => `0${pick(r, ['06', '011', '051', '055', '081'])}${digits(r, 7)}`,
    (r) => `03${pick(r, ['33', '35', '38', '40', '47', '48', '28', '92'])}${digits(r, 7)}`,
    (r) => `0800${digits(r, 6)}`,
    (r) => `0899${digits(r, 6)}`,
    (r) => pick(r, ['112', '0112', '113', '118', '115', '0118', '1254']),
  ] },
  { site: { country: 'GB', areaCode: '20', accessCodes: ['9'] }, idd: '00', mix: [
    (r) => `9${pick(r, ['3', '7', '8'])}${digits(r, 7)}`,
    (r) => `90${pick(r, ['161', '121', '113', '131', '141'])}${digits(r, 7)}`,
    (r) => `907${pick(r, ['400', '700', '800', '900', '911', '956'])}${digits(r, 6)}`,
    (r) => `90800${digits(r, 7)}`,
    (r) => `909${digits(r, 9)}`,
    (r) => pick(r, ['999', '9999', '112', '101', '111']),
  ] },
  { site: { country: 'DE', areaCode: '30', accessCodes: ['0'] }, idd: '00', mix: [
    (r) => `0${pick(r, ['2', '3', '4', '5', '6', '7', '8'])}${digits(r, 6)}`,
    (r) => `00${pick(r, ['89', '40', '69', '221', '711'])}${digits(r, 7)}`,
    (r) => `001${pick(r, ['51', '52', '60', '70', '72', '76'])}${digits(r, 8)}`,
    (r) => `00800${digits(r, 7)}`,
    (r) => `00900${digits(r, 7)}`,
    (r) => pick(r, ['110', '0110', '112', '0112', '115', '116117']),
  ] },
  { site: { country: 'FR', areaCode: '1', accessCodes: ['0'] }, idd: '00', mix: [
    (r) => `001${digits(r, 8)}`,
    (r) => `00${pick(r, ['4', '5', '2', '3'])}${digits(r, 8)}`,
    (r) => `00${pick(r, ['6', '7'])}${digits(r, 8)}`,
    (r) => `00800${digits(r, 6)}`,
    (r) => pick(r, ['15', '17', '18', '112', '015']),
  ] },
  { site: { country: 'AU', areaCode: '2', accessCodes: ['0'] }, idd: '0011', mix: [
    (r) => `0${pick(r, ['8', '9'])}${digits(r, 7)}`,
    (r) => `00${pick(r, ['3', '7', '8'])}${digits(r, 8)}`,
    (r) => `004${digits(r, 8)}`,
    (r) => `01800${digits(r, 6)}`,
    (r) => pick(r, ['000', '0000', '112', '106']),
  ] },
];

function generate(n: number, seed: number): { numbers: string[]; sites: SiteDialPlan[] } {
  const r = rng(seed);
  const numbers: string[] = [];
  const sites: SiteDialPlan[] = [];
  for (let i = 0; i < n; i++) {
    const s = pick(r, SITES);
    const u = r();
    let number: string;
    if (u < 0.12) number = `${s.site.accessCodes[0]}${s.idd}${pick(r, FOREIGN)(r)}`;
    else if (u < 0.2) number = `+${pick(r, FOREIGN)(r)}`;
    else number = pick(r, s.mix)(r);
    numbers.push(number);
    sites.push(s.site);
  }
  return { numbers, sites };
}

function run(label: string, classify: (n: string, s: SiteDialPlan) => unknown, numbers: string[], sites: SiteDialPlan[]): number {
  const t0 = performance.now();
  for (let i = 0; i < numbers.length; i++) classify(numbers[i]!, sites[i]!);
  const seconds = (performance.now() - t0) / 1000;
  const rate = numbers.length / seconds;
  console.log(`${label}: ${numbers.length.toLocaleString('en')} numbers in ${seconds.toFixed(2)} s = ${Math.round(rate).toLocaleString('en')} numbers/s`);
  return rate;
}

const total = arg('numbers', 1_000_000);
const classifier = createDestinationClassifier();
const warm = generate(total, 1);
const measured = generate(total, 2);
run('warm-up (cached)', classifier.classify, warm.numbers, warm.sites);
const before = classifier.stats();
const cachedRate = run('cached, after warm-up', classifier.classify, measured.numbers, measured.sites);
const after = classifier.stats();
const lookups = after.lookups - before.lookups;
const calls = after.libphonenumberCalls - before.libphonenumberCalls;
console.log(`  cache hit rate ${(100 * (1 - calls / lookups)).toFixed(2)} % of ${lookups.toLocaleString('en')} E.164 lookups (${calls.toLocaleString('en')} libphonenumber calls, ${after.entries.toLocaleString('en')} entries)`);

const sample = Math.min(total, 100_000);
const uncached = createDestinationClassifier({ cache: false });
const uncachedRate = run('uncached (libphonenumber every number)', uncached.classify, measured.numbers.slice(0, sample), measured.sites.slice(0, sample));
console.log(`  speed-up ${(cachedRate / uncachedRate).toFixed(1)}x; target >= 500,000 numbers/s after warm-up: ${cachedRate >= 500_000 ? 'met' : 'NOT met'}`);
