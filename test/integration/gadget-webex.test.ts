import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { createWebexVerifier } from '../../src/gadgets/webex.js';
import { setupGadgets, WEBEX_APP, WEBEX_ISSUER, webexKeyServer } from '../support/gadgets.js';
import { testLog } from '../support/logger.js';
import { portalDeps } from '../support/portal.js';

/**
 * Webex sign-in: user tokens signed by a locally generated RSA key that a test key server publishes
 * as a JWKS, verified by the real code (jose): issuer, audience, expiry, signature, e-mail mapping.
 */
describe('gadget sign-in with a Webex user token', () => {
  let keys: Awaited<ReturnType<typeof webexKeyServer>>;
  let s: Awaited<ReturnType<typeof setupGadgets>>;
  before(async () => {
    keys = await webexKeyServer();
    s = await setupGadgets('sqlite', { webexJwksUrl: keys.url });
  });
  after(async () => {
    await s?.close();
    await keys?.close();
  });
  const webex = (token: string) => request(s.app.callback()).post('/api/gadget/webex').send({ token });
  const iat = () => s.clock.t - 60;

  it('maps a valid token to the user by e-mail (any case) and issues a gadget token', async () => {
    const r = await webex(await keys.sign({ iat: iat() }));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.user.username, 'alice');
    const calls = await request(s.app.callback()).get('/api/gadget/calls').set('authorization', `Bearer ${r.body.token}`).expect(200);
    assert.ok(calls.body.calls.length > 0);
    const row = await s.db('gadget_tokens').where({ user_id: s.ids.alice, via: 'webex' }).first();
    assert.ok(row);
    assert.ok(keys.requests() >= 1, 'the keys came from the key server');
  });

  const refusals: Array<[string, () => Promise<string>, RegExp, string?]> = [
    ['a wrong issuer', () => keys.sign({ iat: iat(), iss: 'https://idbroker.evil.example.com/idb' }), /not issued by Webex \(issuer "https:\/\/idbroker\.evil\.example\.com\/idb"\)/],
    ['a wrong audience (another embedded app)', () => keys.sign({ iat: iat(), aud: 'some-other-app' }), /for another embedded app \(audience "some-other-app"\)/],
    ['an expired token', () => keys.sign({ iat: iat() - 2 * 86400, exp: iat() - 3600 }), /the Webex token has expired/],
    ['a bad signature', () => keys.sign({ iat: iat(), key: 'stranger' }), /signature does not verify/],
    ['an unknown e-mail address', () => keys.sign({ iat: iat(), email: 'nobody@example.com' }), /no tollgate user has the e-mail address nobody@example\.com/, 'unknown_user'],
    ['an unverified e-mail address', () => keys.sign({ iat: iat(), emailVerified: false }), /no verified e-mail address/],
    ['no e-mail at all', () => keys.sign({ iat: iat(), email: '' }), /no verified e-mail address/],
  ];
  for (const [what, make, message, code] of refusals) {
    it(`refuses ${what} with a 401 naming the reason, and issues nothing`, async () => {
      const before = Number((await s.db('gadget_tokens').count({ n: '*' }).first())?.n);
      const r = await webex(await make());
      assert.equal(r.status, 401, JSON.stringify(r.body));
      assert.equal(r.body.error.code, code ?? 'webex_token_refused');
      assert.match(r.body.error.message, message);
      assert.equal(r.body.token, undefined);
      assert.equal(Number((await s.db('gadget_tokens').count({ n: '*' }).first())?.n), before);
    });
  }

  it('refuses garbage with a 401 and a short body with a 400 naming the field', async () => {
    assert.equal((await webex('not.a.jwt-at-all-but-long-enough')).status, 401);
    assert.match((await webex('short')).body.error.message, /body\.token/);
  });

  it('answers 409 when no Webex app is configured, 503 when the keys cannot be fetched', async () => {
    const plain = createApp({ db: s.db, log: testLog, portal: portalDeps() });
    const r = await request(plain.callback()).post('/api/gadget/webex').send({ token: await keys.sign({ iat: iat() }) });
    assert.deepEqual([r.status, r.body.error.code], [409, 'webex_not_configured']);
    const down = createApp({ db: s.db, log: testLog, portal: portalDeps({ webex: createWebexVerifier({ appIds: [WEBEX_APP], jwksUrl: 'http://127.0.0.1:9/keys', issuers: [WEBEX_ISSUER] }) }) });
    const d = await request(down.callback()).post('/api/gadget/webex').send({ token: await keys.sign() });
    assert.deepEqual([d.status, d.body.error.code], [503, 'webex_keys_unavailable']);
  });
});
