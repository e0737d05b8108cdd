import type { Logger } from 'pino';

export interface PushTarget {
  device: string;
  /** IP address or host of the phone, optionally with `:port`. */
  address: string;
}

export interface PhonePusher {
  /** Queues a push; never throws and never waits for the phone. */
  push(target: PushTarget, xml: string): void;
  /** Resolves when nothing is queued or in flight (tests, shutdown). */
  idle(): Promise<void>;
  readonly stats: { sent: number; failed: number };
}

export interface PushOptions {
  user: string;
  password: string;
  concurrency: number;
  timeoutMs: number;
  retries: number;
  log: Logger;
  /** Pause before retry n (1-based); default 500 ms × n. */
  backoffMs?: (attempt: number) => number;
}

const MAX_QUEUE = 10_000;

class PushRefused extends Error {}

/**
 * Pushes XML objects to phones: `POST http://<phone>/CGI/Execute` with a form field `XML`
 * (URL-encoded) and basic authentication (protocol note §2.1). At most `concurrency` pushes run
 * at once; each has a timeout and `retries` further attempts on network errors and HTTP
 * failures. A phone answering `CiscoIPPhoneError` (4 = authentication) is not retried.
 */
export function createPhonePusher(o: PushOptions): PhonePusher {
  const auth = 'Basic ' + Buffer.from(`${o.user}:${o.password}`).toString('base64');
  const queue: Array<{ target: PushTarget; xml: string }> = [];
  const stats = { sent: 0, failed: 0 };
  let running = 0;
  let waiters: Array<() => void> = [];
  const backoff = o.backoffMs ?? ((n: number) => 500 * n);

  async function once(target: PushTarget, xml: string): Promise<void> {
    const res = await fetch(`http://${target.address}/CGI/Execute`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'XML=' + encodeURIComponent(xml),
      signal: AbortSignal.timeout(o.timeoutMs),
    });
    const text = await res.text();
    const error = /<CiscoIPPhoneError\s+Number="(\d+)"/.exec(text);
    if (error) throw new PushRefused(`phone answered CiscoIPPhoneError ${error[1]}${error[1] === '4' ? ' (authentication: check the push user and its controlled devices)' : ''}`);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  }

  async function run(job: { target: PushTarget; xml: string }): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await once(job.target, job.xml);
        stats.sent++;
        o.log.debug({ device: job.target.device }, 'pushed to phone');
        return;
      } catch (err) {
        const last = err instanceof PushRefused || attempt >= o.retries;
        if (last) {
          stats.failed++;
          o.log.warn({ device: job.target.device, address: job.target.address, err: (err as Error).message }, 'push to phone failed');
          return;
        }
        await new Promise((r) => setTimeout(r, backoff(attempt + 1)));
      }
    }
  }

  function pump(): void {
    while (running < o.concurrency && queue.length > 0) {
      const job = queue.shift()!;
      running++;
      void run(job).finally(() => {
        running--;
        pump();
        if (running === 0 && queue.length === 0) {
          const w = waiters;
          waiters = [];
          for (const f of w) f();
        }
      });
    }
  }

  return {
    stats,
    push(target, xml) {
      if (queue.length >= MAX_QUEUE) {
        const dropped = queue.shift()!;
        o.log.warn({ device: dropped.target.device }, 'push queue full: oldest push dropped');
      }
      queue.push({ target, xml });
      pump();
    },
    idle() {
      if (running === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}
