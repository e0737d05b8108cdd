import type { DbOrTx } from '../knex.js';
import type { DbUserPinRow, LockChannel, PinEvent } from '../tables.js';

export async function findUserPin(options: { db: DbOrTx; userId: number }): Promise<DbUserPinRow | undefined> {
  return options.db<DbUserPinRow>('user_pins').where({ user_id: options.userId }).first();
}

/** Stores a new PIN hash and clears failures and any block. Returns false when the user has none yet. */
export async function updateUserPin(options: { db: DbOrTx; userId: number; hash: string; now: number }): Promise<boolean> {
  const { db, userId, hash, now } = options;
  const n = await db('user_pins').where({ user_id: userId }).update({ hash, updated_at: now, failures: 0, blocked_until: null });
  return n > 0;
}

export async function insertUserPin(options: { db: DbOrTx; userId: number; hash: string; now: number }): Promise<void> {
  const { db, userId, hash, now } = options;
  await db('user_pins').insert({ user_id: userId, hash, updated_at: now, failures: 0, blocked_until: null });
}

/** Sets the failure count and block of a user's PIN (after a wrong or a right PIN). */
export async function setPinFailures(options: { db: DbOrTx; userId: number; failures: number; blockedUntil: number | null }): Promise<void> {
  const { db, userId, failures, blockedUntil } = options;
  await db('user_pins').where({ user_id: userId }).update({ failures, blocked_until: blockedUntil });
}

export async function insertPinEvent(options: {
  db: DbOrTx; at: number; userId: number; event: PinEvent; device: string; channel: LockChannel;
}): Promise<void> {
  const { db, at, userId, event, device, channel } = options;
  await db('pin_events').insert({ at, user_id: userId, event, device: device.slice(0, 129), channel });
}

