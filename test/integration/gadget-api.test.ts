import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { decodeCurriResponse } from '../../curri/index.js';
import { updateAccount } from '../../src/db/queries/portal-users.js';
import { CUCM_HEADERS, curriRequest } from '../support/curri.js';
import { setupGadgets } from '../support/gadgets.js';
import { apiToken, PASSWORD, SECRET } from '../support/portal.js';
import { PG_SKIP } from '../support/test-db.js';

/**
 * The gadgets' API over the golden calls: sign-in, token lifetime, expiry, revocation, forged and
 * portal tokens, what a level-2 user sees, Phone Lock with the `gadget` channel, configuration help.
 */
for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`gadget API (${kind})`, { skip: kind === 'postgres' ? PG_SKIP : false }, () => {
    let s: Awaited<ReturnType<typeof setupGadgets>>;
    let admin: string;
    before(async () => {
      s = await setupGadgets(kind);
      admin = await apiToken(s.app, 'root');
    });
    after(async () => s?.close());

    const signIn = async (username: string, password = PASSWORD) => request(s.app.callback()).post('/api/gadget/sessions').send({ username, password });
    const as = (token: string, method: 'get' | 'post' | 'put' | 'delete', path: string) => request(s.app.callback())[method](path).set('authorization', `Bearer ${token}`);
    const asAdmin = (method: 'get' | 'put' | 'post', path: string) => request(s.app.callback())[method](path).set('authorization', `Bearer ${admin}`);

    it('signs in with portal credentials and answers with a token of the configured lifetime (default 90 days)', async () => {
      const res = await signIn('alice');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.user, { username: 'alice', name: 'alice Test', language: '', extension: '2001', level: 2 });
      assert.equal(Date.parse(res.body.expiresAt) / 1000, s.clock.t + 90 * 86400);
      assert.equal((await as(res.body.token, 'get', '/api/gadget/me').expect(200)).body.username, 'alice');
      const bad = await signIn('alice', 'wrong password');
      assert.deepEqual([bad.status, bad.body.error.code], [401, 'invalid_credentials']);
      const row = await s.db('gadget_tokens').where({ user_id: s.ids.alice }).first();
      assert.deepEqual([row.via, Number(row.expires_at) - Number(row.issued_at), row.revoked_at], ['password', 90 * 86400, null]);
    });

    it('keeps gadget tokens and portal tokens apart; forged and tampered tokens get 401 and no data', async () => {
      const gadget = (await signIn('alice')).body.token as string;
      const portal = await apiToken(s.app, 'alice');
      assert.equal((await as(gadget, 'get', '/api/me').expect(401)).body.error.code, 'invalid_token');
      assert.equal((await as(portal, 'get', '/api/gadget/calls').expect(401)).body.error.code, 'invalid_token');
      // Same claims, signed with the portal's secret but not by the gadget signer (tests use a random gadget key).
      const claims = jwt.decode(gadget) as Record<string, unknown>;
      const forged = jwt.sign(claims, SECRET, { algorithm: 'HS256' });
      const r = await as(forged, 'get', '/api/gadget/calls').expect(401);
      assert.equal(r.body.error.code, 'invalid_token');
      assert.equal(r.body.calls, undefined);
      const [h, p, sig] = gadget.split('.');
      const other = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: String(s.ids.bob) })).toString('base64url');
      assert.equal((await as(`${h}.${other}.${sig}`, 'get', '/api/gadget/calls').expect(401)).body.error.code, 'invalid_token');
      assert.equal((await request(s.app.callback()).get('/api/gadget/calls').expect(401)).body.error.code, 'unauthenticated');
      assert.equal((await request(s.app.callback()).get('/api/gadget/calls').set('authorization', 'Basic abc').expect(401)).body.error.code, 'invalid_token');
    });

    it('a level-2 user sees only the own calls through the gadget, even asking for another kind or period', async () => {
      const alice = (await signIn('alice')).body.token as string;
      const all = (await as(alice, 'get', '/api/gadget/calls?limit=200').expect(200)).body.calls as Array<{ id: number; user: string; extension: string; kind: string; cost: number }>;
      assert.ok(all.length >= 7);
      assert.deepEqual([...new Set(all.map((c) => c.user))], ['alice']);
      const bob = (await signIn('bob')).body.token as string;
      const bobs = (await as(bob, 'get', '/api/gadget/calls?limit=200').expect(200)).body.calls as Array<{ id: number; user: string }>;
      assert.deepEqual([...new Set(bobs.map((c) => c.user))], ['bob']);
      assert.equal(bobs.filter((b) => all.some((a) => a.id === b.id)).length, 0, 'no call of bob is in alice\'s list');
      const costed = (await as(alice, 'get', '/api/gadget/calls?costOnly=true').expect(200)).body.calls as Array<{ cost: number }>;
      assert.deepEqual(costed.map((c) => c.cost).sort((a, b) => a - b), [2, 4, 6, 8, 10, 30]);
      const missed = (await as(bob, 'get', '/api/gadget/calls?kind=missed').expect(200)).body.calls;
      assert.equal(missed.length, 0);
      const bad = await as(alice, 'get', '/api/gadget/calls?kind=everything&user=bob').expect(400);
      assert.match(bad.body.error.message, /query\.kind/);
      // An administrator's gadget shows the own calls too (the gadgets are personal).
      const rootToken = (await signIn('root')).body.token as string;
      assert.equal((await as(rootToken, 'get', '/api/gadget/calls').expect(200)).body.calls.length, 0);
    });

    it('charts the own outgoing calls per hour today and yesterday, per day over the last 7 days', async () => {
      const alice = (await signIn('alice')).body.token as string;
      const today = (await as(alice, 'get', '/api/gadget/chart?period=today').expect(200)).body;
      assert.equal(today.buckets.length, 24);
      assert.deepEqual(today.buckets.filter((b: { calls: number }) => b.calls > 0), [{ key: '09', calls: 4 }, { key: '17', calls: 1 }, { key: '19', calls: 1 }, { key: '20', calls: 1 }]);
      assert.deepEqual([today.summary.calls, today.summary.cost], [7, [{ currency: 'GBP', amount: 60 }]]);
      assert.equal((await as(alice, 'get', '/api/gadget/chart?period=yesterday').expect(200)).body.summary.calls, 0);
      s.clock.t += 3 * 86400;
      const week = (await as(alice, 'get', '/api/gadget/chart?period=week').expect(200)).body;
      s.clock.t -= 3 * 86400;
      assert.deepEqual(week.buckets.map((b: { key: string; calls: number }) => `${b.key}:${b.calls}`), ['2026-11-14:0', '2026-11-15:0', '2026-11-16:0', '2026-11-17:7', '2026-11-18:0', '2026-11-19:0', '2026-11-20:0']);
      assert.match((await as(alice, 'get', '/api/gadget/chart?period=month').expect(400)).body.error.message, /query\.period/);
    });

    it('charts in the local days and hours of the user\'s site (New York: five hours behind London in November)', async () => {
      const alice = (await signIn('alice')).body.token as string;
      const zones = await s.db('sites').select('id', 'timezone');
      await s.db('sites').update({ timezone: 'America/New_York' });
      try {
        const today = (await as(alice, 'get', '/api/gadget/chart?period=today').expect(200)).body;
        assert.deepEqual(today.buckets.filter((b: { calls: number }) => b.calls > 0), [{ key: '04', calls: 4 }, { key: '12', calls: 1 }, { key: '14', calls: 1 }, { key: '15', calls: 1 }]);
        assert.equal(today.from, '2026-11-17T05:00:00.000Z');
        s.clock.t += 3 * 86400;
        const week = (await as(alice, 'get', '/api/gadget/chart?period=week').expect(200)).body;
        s.clock.t -= 3 * 86400;
        assert.equal(week.from, '2026-11-14T05:00:00.000Z');
        assert.deepEqual(week.buckets.map((b: { key: string; calls: number }) => `${b.key}:${b.calls}`), ['2026-11-14:0', '2026-11-15:0', '2026-11-16:0', '2026-11-17:7', '2026-11-18:0', '2026-11-19:0', '2026-11-20:0']);
      } finally {
        for (const z of zones) await s.db('sites').where({ id: z.id }).update({ timezone: z.timezone });
      }
    });

    it('shows the budget and locks and unlocks the own line with the gadget channel; CURRI follows', async () => {
      const alice = (await signIn('alice')).body.token as string;
      const budgets = (await as(alice, 'get', '/api/gadget/budgets').expect(200)).body;
      assert.deepEqual(budgets.map((b: Record<string, unknown>) => [b.assignedMinor, b.spendMinor, b.percent, b.locked, b.lockAtPercent, b.currency]), [[120, 60, 50, false, 100, 'GBP']]);
      const decision = async (calling = '2001') => decodeCurriResponse((await request(s.app.callback()).post('/curri').set(CUCM_HEADERS).send(curriRequest({ calling, called: '902079460123' }))).text).decision;
      assert.equal(await decision(), 'Permit');
      // bob spent his budget: Budget Control locked his line, and his gadget cannot unlock it.
      const bob = (await signIn('bob')).body.token as string;
      assert.deepEqual((await as(bob, 'get', '/api/gadget/budgets').expect(200)).body.map((b: Record<string, unknown>) => [b.spendMinor, b.percent, b.locked]), [[41, 102, true]]);
      const still = (await as(bob, 'post', '/api/gadget/phone/unlock').expect(200)).body;
      assert.deepEqual([still.locked, still.reasons.map((r: { reason: string }) => r.reason)], [true, ['budget']]);
      assert.equal(await decision('2002'), 'Deny');
      const locked = (await as(alice, 'post', '/api/gadget/phone/lock').expect(200)).body;
      assert.deepEqual([locked.locked, locked.reasons.map((r: { reason: string; channel: string }) => `${r.reason}/${r.channel}`)], [true, ['user/gadget']]);
      assert.equal(await decision(), 'Deny');
      assert.equal((await as(alice, 'post', '/api/gadget/phone/unlock').expect(200)).body.locked, false);
      assert.equal(await decision(), 'Permit');
      const events = await s.db('lock_events').where({ extension: '2001', channel: 'gadget' }).orderBy('id').select('locked', 'who');
      assert.deepEqual(events.map((e) => [Boolean(e.locked), e.who]), [[true, 'alice'], [false, 'alice']]);
    });

    it('tokens expire after the lifetime the administrator set; the setting is bounded and level 10 only', async () => {
      const alice = (await signIn('alice')).body.token as string;
      await as(alice, 'put', '/api/admin/gadgets').expect(401);
      const user = await apiToken(s.app, 'alice');
      await request(s.app.callback()).put('/api/admin/gadgets').set('authorization', `Bearer ${user}`).send({ tokenDays: 5 }).expect(403);
      for (const bad of [0, 366, 2.5, 'x']) {
        const r = await asAdmin('put', '/api/admin/gadgets').send({ tokenDays: bad }).expect(400);
        assert.match(r.body.error.message, /body\.tokenDays/);
      }
      assert.deepEqual((await asAdmin('put', '/api/admin/gadgets').send({ tokenDays: 2 }).expect(200)).body, { tokenDays: 2 });
      assert.equal((await asAdmin('get', '/api/admin/gadgets').expect(200)).body.tokenDays, 2);
      const short = (await signIn('alice')).body;
      assert.equal(Date.parse(short.expiresAt) / 1000, s.clock.t + 2 * 86400);
      s.clock.t += 2 * 86400 + 1;
      try {
        const r = await as(short.token, 'get', '/api/gadget/calls').expect(401);
        assert.equal(r.body.error.code, 'token_expired');
        assert.match(r.body.error.message, /expired: sign in again/);
        await as(alice, 'get', '/api/gadget/calls').expect(200); // issued for 90 days before the change
        // A sign-in over 30 days after a token expired deletes that token's record (housekeeping), and only that one.
        const rows = async () => (await s.db('gadget_tokens').where({ user_id: s.ids.alice }).select('expires_at')).length;
        const count = await rows();
        s.clock.t += 30 * 86400;
        await signIn('alice').then((r) => assert.equal(r.status, 200));
        s.clock.t -= 30 * 86400;
        assert.equal(await rows(), count, 'one record added, the short token\'s deleted');
      } finally {
        s.clock.t -= 2 * 86400 + 1;
        await asAdmin('put', '/api/admin/gadgets').send({ tokenDays: 90 }).expect(200);
      }
    });

    it('an administrator revokes a user\'s gadget tokens at once; the gadget\'s own sign-out revokes its token', async () => {
      const one = (await signIn('bob')).body.token as string;
      const two = (await signIn('bob')).body.token as string;
      const alice = (await signIn('alice')).body.token as string;
      const r = await asAdmin('post', '/api/admin/gadgets/revoke').send({ username: 'bob' }).expect(200);
      assert.ok(r.body.revoked >= 2);
      for (const t of [one, two]) assert.equal((await as(t, 'get', '/api/gadget/phone').expect(401)).body.error.code, 'token_revoked');
      await as(alice, 'get', '/api/gadget/phone').expect(200);
      assert.match((await asAdmin('post', '/api/admin/gadgets/revoke').send({ username: 'nobody' }).expect(404)).body.error.message, /user "nobody"/);
      const fresh = (await signIn('bob')).body.token as string;
      await as(fresh, 'get', '/api/gadget/me').expect(200);
      await as(fresh, 'delete', '/api/gadget/sessions').expect(204);
      assert.equal((await as(fresh, 'get', '/api/gadget/me').expect(401)).body.error.code, 'token_revoked');
    });

    it('a password change (own or reset by an administrator) ends the gadget sign-ins; a portal logout does not', async () => {
      const gadget = (await signIn('alice')).body.token as string;
      const portal = await apiToken(s.app, 'alice');
      await request(s.app.callback()).delete('/api/sessions').set('authorization', `Bearer ${portal}`).expect(204);
      await as(gadget, 'get', '/api/gadget/me').expect(200);
      const again = await apiToken(s.app, 'alice');
      const changed = await request(s.app.callback()).post('/api/me/password').set('authorization', `Bearer ${again}`).send({ currentPassword: PASSWORD, newPassword: 'another horse battery' });
      assert.equal(changed.status, 200, JSON.stringify(changed.body));
      assert.equal((await as(gadget, 'get', '/api/gadget/me').expect(401)).body.error.code, 'token_revoked');
      const next = (await signIn('alice', 'another horse battery')).body.token as string;
      await asAdmin('post', `/api/users/${s.ids.alice}/password`).send({ password: PASSWORD }).expect(200);
      assert.equal((await as(next, 'get', '/api/gadget/me').expect(401)).body.error.code, 'token_revoked');
      await updateAccount({ db: s.db, id: s.ids.alice, patch: { must_change_password: false }, now: 0 });
    });

    it('a disabled user or one who must change the password gets no gadget data', async () => {
      const token = (await signIn('bob')).body.token as string;
      await updateAccount({ db: s.db, id: s.ids.bob, patch: { disabled: true }, now: 0 });
      try {
        assert.equal((await as(token, 'get', '/api/gadget/calls').expect(401)).body.error.code, 'token_revoked');
      } finally {
        await updateAccount({ db: s.db, id: s.ids.bob, patch: { disabled: false, must_change_password: true }, now: 0 });
      }
      try {
        const r = await signIn('bob');
        assert.deepEqual([r.status, r.body.error.code], [403, 'password_change_required']);
      } finally {
        await updateAccount({ db: s.db, id: s.ids.bob, patch: { must_change_password: false }, now: 0 });
      }
    });

    it('prints the Jabber custom tabs and the Webex values for a base URL (level 10), and lists the routes in OpenAPI', async () => {
      const r = (await asAdmin('get', '/api/admin/gadgets?base=https://tollgate.example.com:8443/').expect(200)).body;
      assert.equal(r.baseUrl, 'https://tollgate.example.com:8443');
      assert.match(r.jabberConfigXml, /^<jabber-plugin-config>\n {2}<browser-plugin>\n {4}<page refresh="false" preload="true" internal="true">\n {6}<tooltip>Call Analytics<\/tooltip>\n {6}<icon>https:\/\/tollgate\.example\.com:8443\/gadgets\/calls\/icon\.png<\/icon>\n {6}<url>https:\/\/tollgate\.example\.com:8443\/gadgets\/calls\/\?user=\$\{UserID\}<\/url>/);
      assert.equal((r.jabberConfigXml.match(/<page /g) ?? []).length, 3);
      assert.deepEqual(r.gadgets.map((g: { webexStartPageUrl: string }) => g.webexStartPageUrl), ['calls', 'budget', 'lock'].map((n) => `https://tollgate.example.com:8443/gadgets/${n}/?host=webex`));
      assert.deepEqual(r.webex.validDomains, ['tollgate.example.com']);
      assert.match((await asAdmin('get', '/api/admin/gadgets?base=ftp://x').expect(400)).body.error.message, /query\.base: base URL "ftp:\/\/x" must start with https:\/\//);
      const doc = (await request(s.app.callback()).get('/api/openapi.json').expect(200)).body;
      for (const p of ['/api/gadget/sessions', '/api/gadget/webex', '/api/gadget/chart', '/api/gadget/phone/lock', '/api/admin/gadgets']) assert.ok(doc.paths[p], p);
    });
  });
}
