import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { AppError } from '../errors.js';

/**
 * Verifies the signed user token (a JWT) that the Webex Embedded App SDK hands an embedded app
 * (`app.application.states.user.token`): signature against the configured JWKS (fetched and cached
 * by jose), issuer among the configured ones, audience = one of our embedded app ids, expiry. Returns the
 * verified e-mail address; every refusal is a 401 whose message says why.
 */
export interface WebexVerifier {
  verify(token: string): Promise<{ email: string; name: string }>;
}

export interface WebexSettings {
  /** Our embedded apps (one per gadget): the accepted audiences. */
  appIds: string[];
  jwksUrl: string;
  issuers: string[];
}

export function createWebexVerifier(settings: WebexSettings, options: { now?: () => number } = {}): WebexVerifier {
  const keys: JWTVerifyGetKey = createRemoteJWKSet(new URL(settings.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 6 * 3600_000 });
  const refuse = (why: string) => new AppError(`Webex sign-in refused: ${why}`, 401, 'webex_token_refused');
  return {
    async verify(token) {
      let payload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          issuer: settings.issuers, audience: settings.appIds, algorithms: ['RS256', 'RS384', 'RS512', 'ES256', 'PS256'],
          requiredClaims: ['exp', 'iss', 'aud'], ...(options.now ? { currentDate: new Date(options.now() * 1000) } : {}),
        }));
      } catch (err) {
        if (err instanceof errors.JWTExpired) throw refuse('the Webex token has expired');
        if (err instanceof errors.JWTClaimValidationFailed) {
          if (err.claim === 'iss') throw refuse(`the token was not issued by Webex (issuer ${JSON.stringify(err.payload.iss)})`);
          if (err.claim === 'aud') throw refuse(`the token is for another embedded app (audience ${JSON.stringify(err.payload.aud)})`);
          throw refuse(`claim ${err.claim}: ${err.reason}`);
        }
        if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey) throw refuse('the token signature does not verify with the Webex keys');
        // A key server that is down or answers garbage: jose's timeout/generic errors, or fetch's own.
        if (!(err instanceof errors.JOSEError) || err.code === 'ERR_JWKS_TIMEOUT' || err.code === 'ERR_JOSE_GENERIC' || err.code === 'ERR_JWKS_INVALID') {
          throw new AppError(`Webex sign-in unavailable: the Webex verification keys could not be fetched from ${settings.jwksUrl} (${(err as Error).message})`, 503, 'webex_keys_unavailable', true);
        }
        throw refuse(`not a valid Webex token (${err.message})`);
      }
      const email = typeof payload.email === 'string' ? payload.email.trim() : '';
      if (!email || payload.email_verified === false) throw refuse('the token carries no verified e-mail address (Control Hub PII restrictions?)');
      return { email, name: typeof payload.name === 'string' ? payload.name : '' };
    },
  };
}
