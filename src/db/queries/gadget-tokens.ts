import type { DbOrTx } from '../knex.js';
import type { DbUserRow, GadgetTokenVia } from '../tables.js';

/** Gadget tokens and gadget settings. One query per function. */

export async function insertGadgetToken(options: {
  db: DbOrTx; tokenId: string; userId: number; via: GadgetTokenVia; issuedAt: number; expiresAt: number;
}): Promise<void> {
  const { db, tokenId, userId, via, issuedAt, expiresAt } = options;
  await db('gadget_tokens').insert({ token_id: tokenId, user_id: userId, via, issued_at: issuedAt, expires_at: expiresAt, revoked_at: null });
}

/** Deletes a user's token records that expired before `before` (their JWTs are refused by their own expiry anyway); returns how many. */
export async function deleteExpiredGadgetTokens(options: { db: DbOrTx; userId: number; before: number }): Promise<number> {
  return options.db('gadget_tokens').where({ user_id: options.userId }).where('expires_at', '<', options.before).delete();
}

/** A token's record with its user (one query on every gadget request), or undefined when either is gone. */
export async function findGadgetTokenUser(options: { db: DbOrTx; tokenId: string }): Promise<{ user: DbUserRow; revokedAt: number | null } | undefined> {
  const row = (await options.db('gadget_tokens as g').join('users as u', 'u.id', 'g.user_id')
    .where('g.token_id', options.tokenId).first('u.*', 'g.revoked_at as gadget_token_revoked_at')) as (DbUserRow & { gadget_token_revoked_at: number | null }) | undefined;
  if (!row) return undefined;
  const { gadget_token_revoked_at: revokedAt, ...user } = row;
  return { user, revokedAt: revokedAt === null ? null : Number(revokedAt) };
}

/** Revokes every unrevoked token of a user; returns how many. */
export async function revokeGadgetTokensOfUser(options: { db: DbOrTx; userId: number; now: number }): Promise<number> {
  return options.db('gadget_tokens').where({ user_id: options.userId }).whereNull('revoked_at').update({ revoked_at: options.now });
}

/** Revokes one token (the gadget's own sign-out). */
export async function revokeGadgetToken(options: { db: DbOrTx; tokenId: string; now: number }): Promise<void> {
  await options.db('gadget_tokens').where({ token_id: options.tokenId }).whereNull('revoked_at').update({ revoked_at: options.now });
}

/** Enabled users with this e-mail address (case-insensitive): the Webex sign-in needs exactly one. */
export async function findUsersByEmail(options: { db: DbOrTx; email: string }): Promise<DbUserRow[]> {
  return options.db<DbUserRow>('users').whereRaw('LOWER(email) = ?', [options.email.toLowerCase()]).where({ disabled: false }).limit(2);
}

export async function readGadgetSetting(options: { db: DbOrTx; name: string }): Promise<string | undefined> {
  const row = await options.db('gadget_settings').where({ name: options.name }).first('value');
  return row ? String(row.value) : undefined;
}

/** Changes a setting; returns 0 when it was never set (then `insertGadgetSetting`). */
export async function updateGadgetSetting(options: { db: DbOrTx; name: string; value: string; now: number }): Promise<number> {
  const { db, name, value, now } = options;
  return db('gadget_settings').where({ name }).update({ value, updated_at: now });
}

export async function insertGadgetSetting(options: { db: DbOrTx; name: string; value: string; now: number }): Promise<void> {
  const { db, name, value, now } = options;
  await db('gadget_settings').insert({ name, value, updated_at: now });
}
