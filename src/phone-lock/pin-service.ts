import type { Logger } from 'pino';
import type { Db } from '../db/knex.js';
import type { LockChannel } from '../db/tables.js';
import { findUserPin, insertPinEvent, insertUserPin, setPinFailures, updateUserPin } from '../db/queries/user-pins.js';
import { DeviceThrottle, hashPin, isValidPin, verifyPin } from './pins.js';

export type PinCheck = 'ok' | 'wrong' | 'blocked' | 'no-pin' | 'throttled';

export interface PinServiceOptions {
  db: Db;
  log: Logger;
  length: number;
  maxFailures: number;
  blockSeconds: number;
  deviceAttemptsPerMinute: number;
  now?: () => number;
}

/**
 * Users' PINs: administrators set or reset them, users change them with the old one. A wrong PIN
 * counts against the user (in the database: after `maxFailures` in a row the user is blocked
 * from PIN actions for `blockSeconds`, and the block is recorded) and against the device (in
 * memory: at most `deviceAttemptsPerMinute`). PINs are never logged.
 */
export class PinService {
  private readonly throttle: DeviceThrottle;
  private readonly now: () => number;

  constructor(private readonly o: PinServiceOptions) {
    this.throttle = new DeviceThrottle(o.deviceAttemptsPerMinute);
    this.now = o.now ?? (() => Date.now());
  }

  get length(): number {
    return this.o.length;
  }

  isValid(pin: unknown): pin is string {
    return isValidPin(pin, this.o.length);
  }

  /** Sets (or resets) a user's PIN without the old one: administrators only. */
  async set(userId: number, pin: string, channel: LockChannel): Promise<'set' | 'reset'> {
    if (!this.isValid(pin)) throw new RangeError(`a PIN is ${this.o.length} digits`);
    const hash = await hashPin(pin);
    const at = this.seconds();
    return this.o.db.transaction(async (tx) => {
      const existed = await updateUserPin({ db: tx, userId, hash, now: at });
      if (!existed) await insertUserPin({ db: tx, userId, hash, now: at });
      const event = existed ? 'reset' : 'set';
      await insertPinEvent({ db: tx, at, userId, event, device: '', channel });
      return event;
    });
  }

  /** Checks a user's PIN entered on `device` (or another channel's client id). */
  async check(userId: number, pin: string, device: string, channel: LockChannel): Promise<PinCheck> {
    if (!this.throttle.take(device, this.now())) return 'throttled';
    const row = await findUserPin({ db: this.o.db, userId });
    if (!row) return 'no-pin';
    const at = this.seconds();
    if (row.blocked_until !== null && Number(row.blocked_until) > at) return 'blocked';
    if (this.isValid(pin) && (await verifyPin(pin, row.hash))) {
      if (row.failures > 0 || row.blocked_until !== null) await setPinFailures({ db: this.o.db, userId, failures: 0, blockedUntil: null });
      return 'ok';
    }
    const failures = Number(row.failures) + 1;
    const block = failures >= this.o.maxFailures;
    await this.o.db.transaction(async (tx) => {
      await setPinFailures({ db: tx, userId, failures: block ? 0 : failures, blockedUntil: block ? at + this.o.blockSeconds : null });
      await insertPinEvent({ db: tx, at, userId, event: block ? 'blocked' : 'failed', device, channel });
    });
    if (block) this.o.log.warn({ userId, device, channel, blockSeconds: this.o.blockSeconds }, 'user blocked from PIN actions after wrong PINs');
    return block ? 'blocked' : 'wrong';
  }

  /** Changes a user's PIN: needs the old one. `invalid`: the new PIN has the wrong form. */
  async change(userId: number, oldPin: string, newPin: string, device: string, channel: LockChannel): Promise<PinCheck | 'invalid'> {
    const checked = await this.check(userId, oldPin, device, channel);
    if (checked !== 'ok') return checked;
    if (!this.isValid(newPin)) return 'invalid';
    const hash = await hashPin(newPin);
    const at = this.seconds();
    await this.o.db.transaction(async (tx) => {
      await updateUserPin({ db: tx, userId, hash, now: at });
      await insertPinEvent({ db: tx, at, userId, event: 'changed', device, channel });
    });
    return 'ok';
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }
}
