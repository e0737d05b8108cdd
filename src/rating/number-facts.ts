import parsePhoneNumber, { type PhoneNumberType } from 'libphonenumber-js/max';
import type { CallingCodePlan } from './number-plans.js';
import type { DigitAutomaton } from './pattern-automaton.js';

/**
 * libphonenumber-js's answer for an E.164 number (country, type, possible length), behind a
 * cache keyed by prefix.
 *
 * The cache is a digit trie per calling code, walked along the national significant number and
 * stepped through the calling code's pattern automaton (pattern-automaton.ts). The walk stops at
 * the first node where the automaton is settled: from there on, every pattern that decides
 * libphonenumber's answer (general, per type, leading digits of every country sharing the code,
 * national prefix for parsing) only sees digits it accepts whatever they are, so the answer
 * depends on nothing but the number's length. That node keeps one answer per length. Hence the
 * key is (calling code, the deciding prefix, length), with a prefix as short as the metadata
 * allows: `+1 212 5` for New York (the exchange must not start with 0 or 1), `+39 34` for Italian
 * mobiles. A cached answer is by construction the one libphonenumber gives for the full number.
 *
 * Numbers libphonenumber reads differently from us (a national prefix it would strip, such as
 * GB `+44 180020…`), and every number of a calling code whose patterns could not be compiled,
 * are cached whole. The cache is bounded: past `maxEntries` nodes and answers it is emptied
 * and refills from the traffic.
 */

/** What libphonenumber says about a number. */
export interface NumberFacts {
  /** Region of the number (`GB`, `VA`), null when libphonenumber cannot tell. */
  nation: string | null;
  /** Its type, null when it is not a valid number. */
  lpType: PhoneNumberType | null;
  /** Its length is possible for its country (international numbers libphonenumber does not know yet). */
  possible: boolean;
  /**
   * E.164 digits as libphonenumber reads the number when they differ from the input: a trunk
   * prefix kept in international format, `+44 0 20…` → `442…`. Such answers are cached whole.
   */
  canonical: string | null;
}

/** Answers at a node whose numbers must be looked up whole. */
const WHOLE: NumberFacts = Object.freeze({ nation: null, lpType: null, possible: false, canonical: null });

interface TrieNode {
  /** Live automaton positions; null once settled (no further stepping). */
  live: Int32Array | null;
  next: Array<TrieNode | undefined> | null;
  byLength: Map<number, NumberFacts> | null;
}

interface Root {
  automaton: DigitAutomaton;
  node: TrieNode;
}

/** Counters of a cache. */
export interface NumberFactsStats {
  lookups: number;
  /** Lookups that called libphonenumber. */
  computed: number;
  /** Trie nodes and answers held. */
  entries: number;
}

/** The cache; `enabled: false` calls libphonenumber on every lookup (for comparison). */
export class NumberFactsCache {
  private roots = new Map<string, Root | null>();
  private whole = new Map<string, NumberFacts>();
  private readonly interned = new Map<string, NumberFacts>();
  private entries = 0;
  private lookups = 0;
  private computed = 0;

  constructor(private readonly options: { enabled: boolean; maxEntries: number }) {}

  /** libphonenumber's answer for `e164` (digits, no `+`), whose calling code is `cc`. */
  lookup(e164: string, cc: CallingCodePlan): NumberFacts {
    this.lookups++;
    if (!this.options.enabled) return this.compute(e164, cc).facts;
    if (this.entries > this.options.maxEntries) this.clear();
    let root = this.roots.get(cc.callingCode);
    if (root === undefined) {
      const automaton = cc.automaton();
      root = automaton ? { automaton, node: this.node(automaton, automaton.start) } : null;
      this.roots.set(cc.callingCode, root);
    }
    if (root === null) return this.lookupWhole(e164, cc);
    let node = root.node;
    for (let i = cc.callingCode.length; node.live !== null && i < e164.length; i++) {
      const d = e164.charCodeAt(i) - 48;
      const next = (node.next ??= new Array<TrieNode | undefined>(10));
      node = next[d] ??= this.node(root.automaton, root.automaton.step(node.live, d));
    }
    const byLength = (node.byLength ??= new Map());
    const facts = byLength.get(e164.length);
    if (facts !== undefined) return facts === WHOLE ? this.lookupWhole(e164, cc) : facts;
    const r = this.compute(e164, cc);
    byLength.set(e164.length, r.wholeOnly ? WHOLE : r.facts);
    this.entries++;
    if (r.wholeOnly) {
      this.whole.set(e164, r.facts);
      this.entries++;
    }
    return r.facts;
  }

  /** Counters since creation. */
  stats(): NumberFactsStats {
    return { lookups: this.lookups, computed: this.computed, entries: this.entries };
  }

  private node(automaton: DigitAutomaton, live: Int32Array): TrieNode {
    this.entries++;
    return { live: automaton.settled(live) ? null : live, next: null, byLength: null };
  }

  private lookupWhole(e164: string, cc: CallingCodePlan): NumberFacts {
    let facts = this.whole.get(e164);
    if (facts === undefined) {
      facts = this.compute(e164, cc).facts;
      this.whole.set(e164, facts);
      this.entries++;
    }
    return facts;
  }

  private clear(): void {
    this.roots = new Map();
    this.whole = new Map();
    this.entries = 0;
  }

  private compute(e164: string, cc: CallingCodePlan): { facts: NumberFacts; wholeOnly: boolean } {
    this.computed++;
    let p: ReturnType<typeof parsePhoneNumber>;
    try {
      p = parsePhoneNumber(`+${e164}`, { extract: false });
    } catch {
      p = undefined;
    }
    const nation = p?.country ?? null;
    const lpType = p?.getType() ?? null;
    const possible = p?.isPossible() ?? false;
    const read = p === undefined ? e164 : `${p.countryCallingCode}${p.nationalNumber}`;
    const canonical = read === e164 ? null : read;
    const nsn = e164.slice(cc.callingCode.length);
    const wholeOnly = canonical !== null || cc.stripsNationalPrefix(nsn);
    if (canonical !== null) return { facts: Object.freeze({ nation, lpType, possible, canonical }), wholeOnly };
    // Answers shared by prefix are few distinct values: keep one object each.
    const id = `${nation}|${lpType}|${possible}`;
    let facts = this.interned.get(id);
    if (!facts) this.interned.set(id, (facts = Object.freeze({ nation, lpType, possible, canonical: null })));
    return { facts, wholeOnly };
  }
}
