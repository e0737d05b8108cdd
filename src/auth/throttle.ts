/**
 * Login throttling: after `maxFailures` failed logins for one username from one address, that
 * pair is refused for `lockoutS` seconds (a success clears it). In memory: a restart clears it,
 * which is acceptable for a single gateway process.
 */
export interface LoginThrottle {
  /** Seconds left of a lockout, or 0. */
  blockedFor(key: string): number;
  failed(key: string): void;
  succeeded(key: string): void;
}

export function createLoginThrottle(options: { maxFailures: number; lockoutS: number; now?: () => number }): LoginThrottle {
  const now = options.now ?? (() => Date.now() / 1000);
  const entries = new Map<string, { failures: number; until: number; first: number }>();
  const prune = () => {
    if (entries.size < 10_000) return;
    const t = now();
    for (const [k, e] of entries) if (e.until < t && t - e.first > options.lockoutS) entries.delete(k);
  };
  return {
    blockedFor(key) {
      const e = entries.get(key);
      if (!e) return 0;
      const left = e.until - now();
      return left > 0 ? Math.ceil(left) : 0;
    },
    failed(key) {
      prune();
      const t = now();
      const e = entries.get(key) ?? { failures: 0, until: 0, first: t };
      if (t - e.first > options.lockoutS) Object.assign(e, { failures: 0, first: t });
      e.failures++;
      if (e.failures >= options.maxFailures) {
        e.until = t + options.lockoutS;
        e.failures = 0;
        e.first = t;
      }
      entries.set(key, e);
    },
    succeeded(key) {
      entries.delete(key);
    },
  };
}
