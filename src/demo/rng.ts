/**
 * A small seeded pseudo-random generator (mulberry32) with the helpers the CDR generator needs.
 * Same seed, same sequence, on every platform: generated demo and benchmark files are reproducible.
 */

export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An unsigned 32-bit integer. */
  u32(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** An integer in [min, max], both included. */
  range(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** n lower-case hex digits. */
  hex(n: number): string;
  /** n decimal digits (leading zeros allowed). */
  digits(n: number): string;
  /** A version-4 style GUID: `xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`. */
  guid(): string;
  /** A log-normal positive value with the given median; `spread` is sigma of the underlying normal. */
  logNormal(median: number, spread: number): number;
}

/**
 * Creates a seeded generator. Any 32-bit integer is a seed; equal seeds give equal sequences.
 */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const u32 = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const next = (): number => u32() / 4294967296;
  const int = (n: number): number => Math.floor(next() * n);
  const hex = (n: number): string => {
    let s = '';
    while (s.length < n) s += u32().toString(16).padStart(8, '0');
    return s.length === n ? s : s.slice(0, n);
  };
  return {
    next,
    u32,
    int,
    range: (min, max) => min + int(max - min + 1),
    chance: (p) => next() < p,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(items.length)] as T;
    },
    hex,
    digits(n) {
      let s = '';
      while (s.length < n) s += String(u32() % 1_000_000_000).padStart(9, '0');
      return s.slice(0, n);
    },
    guid() {
      const h = hex(32);
      const variant = '89ab'[u32() & 3];
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
    logNormal(median, spread) {
      // Box–Muller; 1 - next() keeps the logarithm finite.
      const z = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
      return median * Math.exp(spread * z);
    },
  };
}

/** A 32-bit seed from a string (FNV-1a), e.g. to seed by date or by name. */
export function seedFrom(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * An IPv4 address as CUCM writes it in `origIpAddr` and friends: a signed 32-bit integer holding
 * the address bytes in little-endian order (10.248.64.14 → 239138826). '' gives 0.
 */
export function cucmIpInt(dotted: string): number {
  if (dotted === '') return 0;
  let n = ipCache.get(dotted);
  if (n === undefined) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted.split('.').map(Number);
    n = (a | (b << 8) | (c << 16) | (d << 24)) | 0;
    if (ipCache.size < 100_000) ipCache.set(dotted, n);
  }
  return n;
}

const ipCache = new Map<string, number>();
