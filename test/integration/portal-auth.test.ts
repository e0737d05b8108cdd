import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { ensureAdmin } from '../../src/auth/bootstrap-admin.js';
import { createTokenService } from '../../src/auth/tokens.js';
import { findUserByUsername } from '../../src/db/queries/portal-users.js';
import { LdapUnavailableError, type LdapDirectory } from '../../src/auth/ldap.js';
import { addAccount, apiToken, login, PASSWORD, portalApp, SECRET } from '../support/portal.js';
import { createTestDb, PG_SKIP, type TestDb } from '../support/test-db.js';

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`portal sessions (${kind})`, { skip: kind === 'postgres' ? PG_SKIP : false }, () => {
    let t: TestDb;
    before(async () => {
      t = await createTestDb(kind);
      await addAccount(t.db, 'alice', '1001', { level: 2 });
      await addAccount(t.db, 'nobody', '1009', { level: 0 });
    });
    after(async () => t.close());

    it('first start makes admin with a one-time password that must be changed; not again once an admin exists', async () => {
      const first = await ensureAdmin({ db: t.db, password: undefined, now: 1 });
      assert.equal(first?.username, 'admin');
      assert.ok(first?.password && first.password.length >= 16);
      assert.equal(await ensureAdmin({ db: t.db, password: undefined, now: 2 }), null);
      const app = portalApp(t.db);
      const { agent, csrf, body } = await login(app, 'admin', first.password);
      assert.equal(body.user.must_change_password, true);
      assert.equal(body.user.level, 10);
      // Everything but the password change is refused until the password is changed.
      const blocked = await agent.get('/api/users').expect(403);
      assert.equal(blocked.body.error.code, 'password_change_required');
      await agent.get('/api/me').expect(200);
      const weak = await agent.post('/api/me/password').set('x-csrf-token', csrf).send({ currentPassword: first.password, newPassword: 'short' }).expect(400);
      assert.match(weak.body.error.message, /newPassword: must be at least 10 characters/);
      const changed = await agent.post('/api/me/password').set('x-csrf-token', csrf).send({ currentPassword: first.password, newPassword: 'a much better one 42' }).expect(200);
      assert.equal(changed.body.user.must_change_password, false);
      await agent.get('/api/users').expect(200);
      // The old password no longer works.
      await request(app.callback()).post('/api/sessions').send({ username: 'admin', password: first.password }).expect(401);
    });

    it('wrong credentials and unknown users get the same 401; level 0 gets 403; bad input names the field', async () => {
      const app = portalApp(t.db);
      const a = await request(app.callback()).post('/api/sessions').send({ username: 'alice', password: 'nope' }).expect(401);
      const b = await request(app.callback()).post('/api/sessions').send({ username: 'ghost', password: 'nope' }).expect(401);
      assert.equal(a.body.error.message, b.body.error.message);
      const z = await request(app.callback()).post('/api/sessions').send({ username: 'nobody', password: PASSWORD }).expect(403);
      assert.equal(z.body.error.code, 'no_access');
      const bad = await request(app.callback()).post('/api/sessions').send({ username: '', password: 'x', extra: 1 }).expect(400);
      assert.match(bad.body.error.message, /body\.username: required/);
      assert.match(bad.body.error.message, /extra/);
    });

    it('throttles a username after repeated failures, even with the right password', async () => {
      await addAccount(t.db, 'bob', '1002', { level: 2 });
      const app = portalApp(t.db);
      for (let i = 0; i < 3; i++) await request(app.callback()).post('/api/sessions').send({ username: 'bob', password: 'wrong' }).expect(401);
      const res = await request(app.callback()).post('/api/sessions').send({ username: 'bob', password: PASSWORD }).expect(429);
      assert.match(res.body.error.message, /too many failed logins/);
    });

    it('cookie sessions need the CSRF header for changes; bearer tokens do not', async () => {
      const app = portalApp(t.db);
      const { agent, csrf } = await login(app, 'alice');
      const cookie = await agent.get('/api/me').expect(200);
      assert.equal(cookie.body.username, 'alice');
      const refused = await agent.patch('/api/me').send({ language: 'it' }).expect(403);
      assert.equal(refused.body.error.code, 'csrf_failed');
      await agent.patch('/api/me').set('x-csrf-token', 'forged').send({ language: 'it' }).expect(403);
      const ok = await agent.patch('/api/me').set('x-csrf-token', csrf).send({ language: 'it' }).expect(200);
      assert.equal(ok.body.language, 'it');
      const token = await apiToken(app, 'alice');
      const viaBearer = await request(app.callback()).patch('/api/me').set('authorization', `Bearer ${token}`).send({ language: 'de' }).expect(200);
      assert.equal(viaBearer.body.language, 'de');
      const bad = await request(app.callback()).patch('/api/me').set('authorization', `Bearer ${token}`).send({ language: 'xx' }).expect(400);
      assert.match(bad.body.error.message, /body\.language/);
    });

    it('the session cookie is httpOnly and SameSite; the CSRF cookie is readable', async () => {
      const app = portalApp(t.db);
      const res = await request(app.callback()).post('/api/sessions').send({ username: 'alice', password: PASSWORD }).expect(200);
      const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
      const session = cookies.find((c) => c.startsWith('tollgate_session='))!;
      assert.match(session, /httponly/i);
      assert.match(session, /samesite=strict/i);
      const csrf = cookies.find((c) => c.startsWith('tollgate_csrf='))!;
      assert.doesNotMatch(csrf, /httponly/i);
    });

    it('refuses tampered, expired and foreign-secret tokens', async () => {
      const app = portalApp(t.db);
      const token = await apiToken(app, 'alice');
      const [h, p, s] = token.split('.');
      const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
      const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: String(Number(payload.sub) + 1) })).toString('base64url')}.${s}`;
      const r1 = await request(app.callback()).get('/api/me').set('authorization', `Bearer ${tampered}`).expect(401);
      assert.equal(r1.body.error.code, 'invalid_token');
      const old = createTokenService({ secret: SECRET, sessionTtl: 1, apiTokenTtl: 1, now: () => 1000 }).issue({ userId: Number(payload.sub), version: payload.ver, kind: 'api' });
      const r2 = await request(app.callback()).get('/api/me').set('authorization', `Bearer ${old.token}`).expect(401);
      assert.equal(r2.body.error.code, 'token_expired');
      const foreign = jwt.sign({ ...payload }, 'another-secret-another-secret-1234567');
      await request(app.callback()).get('/api/me').set('authorization', `Bearer ${foreign}`).expect(401);
      const none = jwt.sign({ ...payload }, '', { algorithm: 'none' });
      await request(app.callback()).get('/api/me').set('authorization', `Bearer ${none}`).expect(401);
      await request(app.callback()).get('/api/me').expect(401);
    });

    it('a stale session cookie does not block a new login; Secure cookies behind a TLS proxy', async () => {
      const app = portalApp(t.db);
      const { agent, csrf } = await login(app, 'alice');
      await agent.delete('/api/sessions').set('x-csrf-token', csrf).expect(204);
      await agent.set('cookie', 'tollgate_session=garbage').post('/api/sessions').send({ username: 'alice', password: PASSWORD }).expect(200);
      const secure = portalApp(t.db, { cookieSecure: true });
      const res = await request(secure.callback()).post('/api/sessions').send({ username: 'alice', password: PASSWORD }).expect(200);
      assert.ok(([] as string[]).concat(res.headers['set-cookie'] ?? []).every((c) => /;\s*secure/i.test(c)));
    });

    it('logout ends every session and token of the user', async () => {
      const app = portalApp(t.db);
      const { agent, csrf } = await login(app, 'alice');
      const token = await apiToken(app, 'alice');
      await agent.delete('/api/sessions').set('x-csrf-token', csrf).expect(204);
      const r = await request(app.callback()).get('/api/me').set('authorization', `Bearer ${token}`).expect(401);
      assert.equal(r.body.error.code, 'token_revoked');
      await agent.get('/api/me').expect(401);
    });

    it('a down LDAP server gives a clear 503 for directory logins while local accounts still work', async () => {
      const down: LdapDirectory = {
        authenticate: async () => { throw new LdapUnavailableError('LDAP server ldap://10.255.255.1 unavailable: no answer within 100 ms'); },
        listUsers: async () => [],
      };
      const app = portalApp(t.db, { ldap: down });
      const r = await request(app.callback()).post('/api/sessions').send({ username: 'dirk', password: 'whatever' }).expect(503);
      assert.match(r.body.error.message, /unavailable: no answer within 100 ms.*local accounts still work/);
      await login(app, 'alice');
      assert.equal((await findUserByUsername({ db: t.db, username: 'dirk' })), undefined);
    });

    it('serves an OpenAPI document generated from the route schemas', async () => {
      const app = portalApp(t.db);
      const res = await request(app.callback()).get('/api/openapi.json').expect(200);
      assert.equal(res.body.openapi, '3.1.0');
      for (const p of ['/api/sessions', '/api/me', '/api/users', '/api/users/{id}', '/api/users/import', '/api/calls', '/api/calls/{id}', '/api/home', '/api/status']) {
        assert.ok(res.body.paths[p], `missing ${p}`);
      }
      const login = res.body.paths['/api/sessions'].post;
      assert.deepEqual(login.requestBody.content['application/json'].schema.required.sort(), ['password', 'username']);
      assert.ok(res.body.paths['/api/calls'].get.parameters.some((p: { name: string }) => p.name === 'number'));
    });
  });
}
