/**
 * When does a number's prefix decide libphonenumber's answer?
 *
 * libphonenumber decides a number's country, validity and type with regular expressions over the
 * national significant number (NSN): full matches of the general and per-type patterns, prefix
 * matches of `leadingDigits` and of the national prefix for parsing. This module compiles a set
 * of such patterns into one position automaton (Glushkov: one state per digit atom, no
 * ε-moves) and answers, after reading the first digits of a number, whether any path still
 * alive can reach an atom that accepts fewer than all ten digits. If none can, every pattern's
 * verdict on the rest of the number depends only on its length: all numbers of that length that
 * share those first digits get the same answer from libphonenumber. That is what lets the
 * destination cache key on a prefix and stay exact.
 *
 * The metadata uses a small regex subset: digits, `\d`, `[...]` with ranges, `(?:...)`, `(...)`,
 * `|`, `?`, `{n}`, `{n,m}` and `$`. `$` is treated as absent: that only adds paths, which can
 * only delay settling (safe). Anything else makes `compileAutomaton` return null.
 */

/** An automaton over digits for a union of patterns. */
export interface DigitAutomaton {
  /** The live set before any digit has been read. */
  readonly start: Int32Array;
  /** The live set after reading `digit` (0–9). */
  step(live: Int32Array, digit: number): Int32Array;
  /** True when no live path can still reach a digit-restricted atom. */
  settled(live: Int32Array): boolean;
  /** Number of positions (for tests and limits). */
  readonly size: number;
}

type Node =
  | { kind: 'atom'; mask: number }
  | { kind: 'empty' }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; options: Node[] }
  | { kind: 'repeat'; node: Node; min: number; max: number };

class Unsupported extends Error {}

const ANY = 0x3ff;
/** Longest NSN libphonenumber accepts; bounds `{n,}`. */
const MAX_REPEAT = 17;

function parse(pattern: string): Node {
  let i = 0;
  const alternation = (): Node => {
    const options = [sequence()];
    while (pattern[i] === '|') {
      i++;
      options.push(sequence());
    }
    return options.length === 1 ? options[0]! : { kind: 'alt', options };
  };
  const sequence = (): Node => {
    const items: Node[] = [];
    while (i < pattern.length && pattern[i] !== '|' && pattern[i] !== ')') items.push(quantified(atom()));
    return { kind: 'seq', items };
  };
  const atom = (): Node => {
    const c = pattern[i];
    if (c === '(') {
      i++;
      if (pattern.startsWith('?:', i)) i += 2;
      else if (pattern[i] === '?') throw new Unsupported('look-around');
      const inner = alternation();
      if (pattern[i] !== ')') throw new Unsupported('unbalanced');
      i++;
      return inner;
    }
    if (c === '[') {
      const close = pattern.indexOf(']', i);
      if (close < 0) throw new Unsupported('class');
      const body = pattern.slice(i + 1, close);
      i = close + 1;
      let mask = 0;
      for (let k = 0; k < body.length; k++) {
        const from = body.charCodeAt(k) - 48;
        const to = body[k + 1] === '-' ? body.charCodeAt(k + 2) - 48 : from;
        if (!(from >= 0 && from <= to && to <= 9)) throw new Unsupported('class member');
        for (let d = from; d <= to; d++) mask |= 1 << d;
        if (to !== from || body[k + 1] === '-') k += 2;
      }
      return { kind: 'atom', mask };
    }
    if (c === '\\' && pattern[i + 1] === 'd') {
      i += 2;
      return { kind: 'atom', mask: ANY };
    }
    if (c === '$') {
      i++;
      return { kind: 'empty' };
    }
    if (c !== undefined && c >= '0' && c <= '9') {
      i++;
      return { kind: 'atom', mask: 1 << (c.charCodeAt(0) - 48) };
    }
    throw new Unsupported(`token ${c ?? 'end'}`);
  };
  const quantified = (node: Node): Node => {
    if (pattern[i] === '?') {
      i++;
      return { kind: 'repeat', node, min: 0, max: 1 };
    }
    if (pattern[i] === '{') {
      const close = pattern.indexOf('}', i);
      const m = close < 0 ? null : /^(\d+)(?:,(\d*))?$/.exec(pattern.slice(i + 1, close));
      if (!m) throw new Unsupported('quantifier');
      i = close + 1;
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[2] === '' ? MAX_REPEAT : Number(m[2]);
      if (min > max || max > MAX_REPEAT) throw new Unsupported('quantifier range');
      return { kind: 'repeat', node, min, max };
    }
    if (pattern[i] === '*' || pattern[i] === '+') throw new Unsupported('open repeat');
    return node;
  };
  const root = alternation();
  if (i !== pattern.length) throw new Unsupported('trailing input');
  return root;
}

interface Fragment {
  first: number[];
  last: number[];
  nullable: boolean;
}

/** Builds Glushkov positions: masks[p] and follow[p]; repeats are unrolled. */
function build(node: Node, masks: number[], follow: number[][]): Fragment {
  switch (node.kind) {
    case 'atom': {
      const p = masks.push(node.mask) - 1;
      follow.push([]);
      return { first: [p], last: [p], nullable: false };
    }
    case 'empty':
      return { first: [], last: [], nullable: true };
    case 'alt': {
      const parts = node.options.map((o) => build(o, masks, follow));
      return { first: parts.flatMap((f) => f.first), last: parts.flatMap((f) => f.last), nullable: parts.some((f) => f.nullable) };
    }
    case 'seq':
    case 'repeat': {
      const items = node.kind === 'seq'
        ? node.items.map((n) => () => build(n, masks, follow))
        : Array.from({ length: node.max }, (_, k) => () => {
          const f = build(node.node, masks, follow);
          return k < node.min ? f : { ...f, nullable: true };
        });
      let acc: Fragment = { first: [], last: [], nullable: true };
      for (const make of items) {
        const f = make();
        for (const l of acc.last) follow[l]!.push(...f.first);
        acc = {
          first: acc.nullable ? [...acc.first, ...f.first] : acc.first,
          last: f.nullable ? [...acc.last, ...f.last] : f.last,
          nullable: acc.nullable && f.nullable,
        };
      }
      return acc;
    }
  }
}

/**
 * Compiles the union of `patterns` (each read from the start of the NSN), or returns null when
 * one uses syntax outside the metadata subset or the automaton would exceed `maxPositions`.
 */
export function compileAutomaton(patterns: readonly string[], maxPositions = 200_000): DigitAutomaton | null {
  const masks: number[] = [];
  const follow: number[][] = [];
  const first: number[] = [];
  try {
    for (const p of patterns) {
      first.push(...build(parse(p), masks, follow).first);
      if (masks.length > maxPositions) return null;
    }
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
  // The start is one more position, matching no digit, followed by every pattern's first atoms.
  const startPos = masks.push(0) - 1;
  follow.push(first);
  const next = follow.map((f) => Int32Array.from(new Set(f)));
  // ahead[p]: a restricted atom is reachable after p. No repeats are open, so the graph is a DAG:
  // positions are created before those that follow them, except across patterns (the start).
  const ahead = new Uint8Array(masks.length);
  for (let changed = true; changed;) {
    changed = false;
    for (let p = masks.length - 1; p >= 0; p--) {
      if (ahead[p]) continue;
      for (const q of next[p]!) {
        if (masks[q] !== ANY || ahead[q]) {
          ahead[p] = 1;
          changed = true;
          break;
        }
      }
    }
  }
  const seen = new Uint32Array(masks.length);
  let stamp = 0;
  return {
    start: Int32Array.of(startPos),
    size: masks.length,
    step(live, digit) {
      const bit = 1 << digit;
      const out: number[] = [];
      stamp++;
      for (const p of live) {
        for (const q of next[p]!) {
          if ((masks[q]! & bit) !== 0 && seen[q] !== stamp) {
            seen[q] = stamp;
            out.push(q);
          }
        }
      }
      return Int32Array.from(out);
    },
    settled(live) {
      for (const p of live) if (ahead[p]) return false;
      return true;
    },
  };
}
