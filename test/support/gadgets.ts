import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { createApp } from '../../src/app.js';
import { hashPassword } from '../../src/auth/passwords.js';
import { setBudget } from '../../src/budget/admin.js';
import { createBudgetEngine } from '../../src/budget/engine.js';
import { loadConfig } from '../../src/config.js';
import { updateAccount, type AccountPatch } from '../../src/db/queries/portal-users.js';
import { createWebexVerifier } from '../../src/gadgets/webex.js';
import { createPhoneLockServices } from '../../src/phone-lock/create.js';
import { budgetLockerOf } from '../../src/server.js';
import { at, setupGolden } from './golden.js';
import { testLog } from './logger.js';
import { user } from './pipeline.js';
import { PASSWORD, portalDeps } from './portal.js';

/**
 * The gadgets over the golden calls (test/support/golden.ts, Tuesday 17 November 2026): alice
 * (2001) and bob (2002) at level 2 with PASSWORD (e-mail `<name>@example.com`), root at level 10, real
 * Phone Lock and Budget Control, a clock at 17 Nov 22:00 UTC that a test may move, and a Webex
 * key server (a locally generated RSA key served as a JWKS on a free port).
 */

export const WEBEX_ISSUER = 'https://idbroker-test.webex.com/idb';
export const WEBEX_APP = 'Y2lzY29zcGFyazovL3VzL0FQUExJQ0FUSU9OL3RvbGxnYXRl';

/** A JWKS server with one RSA key; `sign` makes Webex-shaped user tokens with it (or with a stranger key). */
export async function webexKeyServer() {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const stranger = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'webex-test-1', alg: 'RS256', use: 'sig' };
  let requests = 0;
  const server = http.createServer((_req, res) => {
    requests++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/idb/oauth2/v2/keys/verificationjwk`;
  return {
    url,
    requests: () => requests,
    async sign(o: { email?: string; emailVerified?: boolean; iss?: string; aud?: string; exp?: number; iat?: number; key?: 'webex' | 'stranger' } = {}): Promise<string> {
      const iat = o.iat ?? Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = {
        name: 'Alice Example', email_verified: o.emailVerified ?? true, 'com.cisco.user.orgid': 'org-1', 'com.cisco.user.uuid': 'uuid-alice',
        'com.cisco.user.level': ['basic'], ...(o.email !== undefined ? { email: o.email } : { email: 'Alice@Example.com' }),
      };
      const key: CryptoKey = o.key === 'stranger' ? stranger.privateKey : privateKey;
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'webex-test-1' }).setIssuer(o.iss ?? WEBEX_ISSUER).setAudience(o.aud ?? WEBEX_APP)
        .setIssuedAt(iat).setExpirationTime(o.exp ?? iat + 86400).sign(key);
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

export async function setupGadgets(kind: 'sqlite' | 'postgres', options: { gadgetsDir?: string; webDir?: string; webexJwksUrl?: string } = {}) {
  const p = await setupGolden(kind);
  const clock = { t: at(22) };
  const now = () => clock.t;
  const account = async (username: string, patch: AccountPatch) => {
    const row = await p.db('users').where({ username }).first('id');
    await updateAccount({ db: p.db, id: Number(row.id), patch: { password_hash: await hashPassword(PASSWORD), auth_source: 'local', ...patch }, now: 0 });
    return Number(row.id);
  };
  const ids = {
    alice: await account('alice', { level: 2 }),
    bob: await account('bob', { level: 2 }),
  };
  await p.addUser(user('root', '2999'));
  await account('root', { level: 10 });
  const config = loadConfig({ TOLLGATE_DB: p.url });
  const lock = createPhoneLockServices(config, p.db, testLog, { push: false });
  await lock.phoneLock.start();
  const budgets = createBudgetEngine({ db: p.db, log: testLog, adminEmails: [], now, locker: budgetLockerOf(lock) });
  // alice spent £0.60 of £1.20; bob £0.41 of £0.40: his line is locked by Budget Control.
  for (const [target, amount] of [['alice', '1.20'], ['bob', '0.40']] as const) {
    await setBudget({ db: p.db, input: { scope: 'user', target, period: 'monthly', amount, currency: 'GBP' }, defaultTimezone: 'UTC', now: now() });
  }
  await budgets.reconcile();
  const webex = options.webexJwksUrl ? createWebexVerifier({ appIds: [WEBEX_APP], jwksUrl: options.webexJwksUrl, issuers: [WEBEX_ISSUER] }, { now }) : undefined;
  const app = createApp({
    db: p.db, log: testLog, lock: { ...lock, settings: config }, budgets,
    portal: portalDeps({ now, webex, gadgetsDir: options.gadgetsDir, webDir: options.webDir }),
  });
  return {
    ...p, app, clock, ids, lock, budgets,
    async close() {
      await budgets.stop();
      await lock.phoneLock.stop();
      await p.close();
    },
  };
}
