/**
 * Keeps the spool operations a receiver has started, so that `close()` can wait for them:
 * `track(p)` returns `p` and remembers it until it settles.
 */
export function pendingSet(): { pending: Set<Promise<unknown>>; track<T>(p: Promise<T>): Promise<T> } {
  const pending = new Set<Promise<unknown>>();
  return {
    pending,
    track<T>(p: Promise<T>): Promise<T> {
      pending.add(p);
      const drop = (): void => void pending.delete(p);
      p.then(drop, drop);
      return p;
    },
  };
}

/** What a started network receiver gives back to the server. */
export interface Receiver {
  port: number;
  /** True while it accepts connections (for /readyz). */
  listening(): boolean;
  close(): Promise<void>;
}
