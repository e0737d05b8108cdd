import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * PIN hashing with scrypt (N=2^14, r=8, p=1: about 50 ms a hash), stored as
 * `scrypt$N$r$p$salt$hash` (base64) so the cost can be raised later without breaking old hashes.
 */
const COST = { N: 16384, r: 8, p: 1 };
const KEY_LENGTH = 32;

function derive(pin: string, salt: Buffer, o: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(pin, salt, KEY_LENGTH, { ...o, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPin(pin: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(pin, salt, COST);
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** True when `pin` matches the stored hash (constant-time comparison). */
export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, key] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const got = await derive(pin, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** A PIN of exactly `length` digits. */
export function isValidPin(pin: unknown, length: number): pin is string {
  return typeof pin === 'string' && pin.length === length && /^[0-9]+$/.test(pin);
}

/**
 * Attempts per device in a sliding minute, in memory: a device that guesses too fast is told to
 * wait before its PIN is even checked (per-user failures are counted in the database).
 */
export class DeviceThrottle {
  private readonly attempts = new Map<string, number[]>();
  constructor(private readonly perMinute: number) {}

  /** Records an attempt; false when the device is over its limit (the attempt is not made). */
  take(device: string, nowMs: number): boolean {
    const since = nowMs - 60_000;
    const list = (this.attempts.get(device) ?? []).filter((t) => t > since);
    if (list.length >= this.perMinute) {
      this.attempts.set(device, list);
      return false;
    }
    list.push(nowMs);
    this.attempts.set(device, list);
    if (this.attempts.size > 10_000) this.prune(since);
    return true;
  }

  private prune(since: number): void {
    for (const [k, v] of this.attempts) if (v.every((t) => t <= since)) this.attempts.delete(k);
  }
}
