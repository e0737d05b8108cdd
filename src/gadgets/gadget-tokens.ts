import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Db, DbOrTx } from '../db/knex.js';
import {
  deleteExpiredGadgetTokens, findGadgetTokenUser, insertGadgetToken, insertGadgetSetting, readGadgetSetting, updateGadgetSetting,
} from '../db/queries/gadget-tokens.js';
import type { DbUserRow, GadgetTokenVia } from '../db/tables.js';
import { AppError } from '../errors.js';

/**
 * Gadget tokens: HS256 JWTs (kind `gadget`, audience `tollgate-gadget`) that a gadget keeps in its
 * localStorage and sends as `Authorization: Bearer`. They are separate from portal sessions: the
 * portal refuses them (its tokens are kind `portal` or `api`) and a portal logout does not end
 * them. Each one is recorded by its `jti`, so an administrator can revoke a user's gadget tokens
 * at once; the lifetime is an administrator setting (`tokenDays`).
 */

export const GADGET_AUDIENCE = 'tollgate-gadget';
export const TOKEN_DAYS = { name: 'token_days', default: 90, min: 1, max: 365 } as const;

export interface GadgetSigner {
  sign(claims: { sub: string; jti: string; iat: number; exp: number }): string;
  /** The claims of a well-signed, unexpired gadget token; throws (jsonwebtoken's errors) otherwise. */
  verify(token: string, now: number): { sub: string; jti: string };
}

export function createGadgetSigner(secret: string): GadgetSigner {
  return {
    sign: (claims) => jwt.sign({ ...claims, kind: 'gadget' }, secret, { algorithm: 'HS256', audience: GADGET_AUDIENCE, noTimestamp: true }),
    verify(token, now) {
      const d = jwt.verify(token, secret, { algorithms: ['HS256'], audience: GADGET_AUDIENCE, clockTimestamp: now }) as Record<string, unknown>;
      if (d.kind !== 'gadget' || typeof d.sub !== 'string' || typeof d.jti !== 'string') throw new Error('malformed gadget token');
      return { sub: d.sub, jti: d.jti };
    },
  };
}

/** The gadget token lifetime in days (the administrator's setting, else the default). */
export async function gadgetTokenDays(db: DbOrTx): Promise<number> {
  const v = Number(await readGadgetSetting({ db, name: TOKEN_DAYS.name }));
  return Number.isInteger(v) && v >= TOKEN_DAYS.min && v <= TOKEN_DAYS.max ? v : TOKEN_DAYS.default;
}

/** Sets the lifetime of gadget tokens issued from now on (tokens already issued keep theirs). */
export async function setGadgetTokenDays(db: Db, days: number, now: number): Promise<void> {
  await db.transaction(async (tx) => {
    if ((await updateGadgetSetting({ db: tx, name: TOKEN_DAYS.name, value: String(days), now })) === 0) {
      await insertGadgetSetting({ db: tx, name: TOKEN_DAYS.name, value: String(days), now });
    }
  });
}

/** A user may use the gadgets when enabled, at least level 2, and without a pending password change. */
export function refuseGadgetUser(user: DbUserRow): AppError | undefined {
  if (user.disabled || Number(user.level) < 2) return new AppError('this account has no access to the gadgets (disabled or level below 2)', 403, 'no_access');
  if (user.must_change_password) return new AppError('your password must be changed first: sign in to the portal once', 403, 'password_change_required');
  return undefined;
}

/** Issues and records a gadget token for a user. */
export async function issueGadgetToken(options: { db: DbOrTx; signer: GadgetSigner; user: DbUserRow; via: GadgetTokenVia; now: number }): Promise<{ token: string; expiresAt: number }> {
  const { db, signer, user, via, now } = options;
  const refused = refuseGadgetUser(user);
  if (refused) throw refused;
  const jti = randomBytes(18).toString('base64url');
  const expiresAt = now + (await gadgetTokenDays(db)) * 86400;
  await insertGadgetToken({ db, tokenId: jti, userId: user.id, via, issuedAt: now, expiresAt });
  // Housekeeping: records of this user's tokens that expired over 30 days ago go (a sign-in is rare, the query indexed by user).
  await deleteExpiredGadgetTokens({ db, userId: user.id, before: now - 30 * 86400 });
  return { token: signer.sign({ sub: String(user.id), jti, iat: now, exp: expiresAt }), expiresAt };
}

/**
 * The user and token id of a valid gadget token. Throws a 401 naming why: `token_expired`,
 * `invalid_token` (forged, malformed, a portal token) or `token_revoked` (revoked, user disabled
 * or removed).
 */
export async function checkGadgetToken(options: { db: DbOrTx; signer: GadgetSigner; token: string; now: number }): Promise<{ user: DbUserRow; tokenId: string }> {
  const { db, signer, token, now } = options;
  let claims;
  try {
    claims = signer.verify(token, now);
  } catch (err) {
    if ((err as Error).name === 'TokenExpiredError') throw new AppError('your gadget sign-in has expired: sign in again', 401, 'token_expired');
    throw new AppError('invalid gadget token: sign in again', 401, 'invalid_token');
  }
  const found = await findGadgetTokenUser({ db, tokenId: claims.jti });
  const user = found && String(found.user.id) === claims.sub ? found.user : undefined;
  if (!found || !user || found.revokedAt !== null || refuseGadgetUser(user)) {
    throw new AppError('your gadget sign-in was revoked or your access removed: sign in again', 401, 'token_revoked');
  }
  return { user, tokenId: claims.jti };
}
