import type { Context, Middleware, Next } from 'koa';
import type { Logger } from 'pino';
import type { Db } from '../db/knex.js';
import { checkGadgetToken, type GadgetSigner } from '../gadgets/gadget-tokens.js';
import { AppError } from '../errors.js';
import { viewerOf, type AuthState } from './auth.js';

/** Sign-in paths, anonymous even with a stale token in the header. */
const SIGN_IN = new Set(['/api/gadget/sessions', '/api/gadget/webex']);

/**
 * Finds the caller of an `/api/gadget/` request from its gadget token (`Authorization: Bearer`).
 * Portal cookies and portal tokens are not accepted here, and gadget tokens are not accepted by the
 * portal. A bad, expired or revoked token is a 401 (logged without the token), never anonymous.
 */
export function gadgetAuthenticate(deps: { db: Db; signer: GadgetSigner; now: () => number }): Middleware {
  return async function gadgetAuthenticate(ctx: Context, next: Next) {
    if (ctx.method === 'POST' && SIGN_IN.has(ctx.path)) return next();
    const header = ctx.get('authorization');
    if (!header) return next();
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    const log = (ctx.state as { log?: Logger }).log;
    if (!token) throw new AppError('Authorization header: expected "Bearer <gadget token>"', 401, 'invalid_token');
    try {
      const { user, tokenId } = await checkGadgetToken({ db: deps.db, signer: deps.signer, token, now: deps.now() });
      ctx.state.auth = { user, viewer: viewerOf(user), via: 'gadget', tokenId } satisfies AuthState;
    } catch (err) {
      log?.warn({ path: ctx.path, code: (err as AppError).code }, 'gadget token refused');
      throw err;
    }
    return next();
  };
}
