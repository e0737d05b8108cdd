import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { createLdapDirectory, LdapUnavailableError } from '../../src/auth/ldap.js';
import { loadConfig } from '../../src/config.js';
import { findUserByUsername } from '../../src/db/queries/portal-users.js';
import { syncDirectory } from '../../src/portal/ad-sync.js';
import { createPortalDeps } from '../../src/portal/portal-deps.js';
import { testLog } from '../support/logger.js';
import { addAccount, PASSWORD, SECRET } from '../support/portal.js';
import { ADMIN_DN, ADMIN_PW, BASE, deletePerson, populate, setAttribute, silentServer, SLAPD_SKIP, startSlapd, type Slapd } from '../support/slapd.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

if (SLAPD_SKIP) console.log(`# SKIP LDAP tests: ${SLAPD_SKIP}`);

describe('LDAP login and AD sync against a real OpenLDAP (slapd)', { skip: SLAPD_SKIP }, () => {
  let slapd: Slapd;
  let t: TestDb;
  const env = () => ({
    TOLLGATE_LDAP_URL: slapd.url,
    TOLLGATE_LDAP_BIND_DN: ADMIN_DN,
    TOLLGATE_LDAP_BIND_PASSWORD: ADMIN_PW,
    TOLLGATE_LDAP_BASE: BASE,
    TOLLGATE_LDAP_GROUP_LEVELS: `10:cn=tollgate-admins,ou=groups,${BASE}; 6:cn=managers,ou=groups,${BASE}`,
    TOLLGATE_LDAP_ATTRIBUTES: 'department=departmentNumber,office_location=ou',
    TOLLGATE_LDAP_SYNC_FILTER: '(objectClass=inetOrgPerson)',
    TOLLGATE_LDAP_TIMEOUT_MS: '2000',
  });
  const appWith = (extra: Record<string, string> = {}) => {
    const config = loadConfig({ ...env(), ...extra });
    return createApp({ db: t.db, log: testLog, portal: createPortalDeps({ config, secret: SECRET }) });
  };
  const loginAs = (app: ReturnType<typeof appWith>, username: string, password: string) =>
    request(app.callback()).post('/api/sessions').send({ username, password, kind: 'api' });

  before(async () => {
    slapd = await startSlapd();
    await populate(slapd, [
      { uid: 'jdoe', password: 'jdoe-pass', givenName: 'John', sn: 'Doe', mail: 'jdoe@example.org', telephoneNumber: '2001', departmentNumber: 'Sales', ou: 'Milano' },
      { uid: 'boss', password: 'boss-pass', givenName: 'Bea', sn: 'Boss', telephoneNumber: '2002', departmentNumber: 'Sales' },
      { uid: 'itadmin', password: 'it-pass', givenName: 'Ivo', sn: 'Tech', departmentNumber: 'IT' },
      { uid: 'localclash', password: 'clash-pass', givenName: 'L', sn: 'C' },
    ], { 'tollgate-admins': ['itadmin'], managers: ['boss'] });
    t = await createTestDb();
    await addAccount(t.db, 'localadmin', '1000', { level: 10 });
    await addAccount(t.db, 'localclash', '1999', { level: 2 });
  });
  after(async () => {
    await t?.close();
    await slapd?.stop();
  });

  it('search-then-bind: a directory user logs in, is created with mapped attributes and level 2', async () => {
    const app = appWith();
    const res = await loginAs(app, 'jdoe', 'jdoe-pass').expect(200);
    assert.equal(res.body.user.auth_source, 'ldap');
    assert.equal(res.body.user.level, 2);
    assert.equal(res.body.user.department, 'Sales');
    assert.equal(res.body.user.office_location, 'Milano');
    assert.equal(res.body.user.extension, '2001');
    assert.equal(res.body.user.email, 'jdoe@example.org');
    const me = await request(app.callback()).get('/api/me').set('authorization', `Bearer ${res.body.token}`).expect(200);
    assert.equal(me.body.username, 'jdoe');
  });

  it('wrong password, unknown user, empty password and filter injection are refused', async () => {
    const app = appWith();
    await loginAs(app, 'jdoe', 'wrong').expect(401);
    await loginAs(app, 'nobody', 'x').expect(401);
    await loginAs(app, 'jdoe', '').expect(400);
    await loginAs(app, '*', 'jdoe-pass').expect(401);
    await loginAs(app, 'jdoe)(uid=*', 'jdoe-pass').expect(401);
  });

  it('maps groups to levels: tollgate-admins → 10, managers → 6', async () => {
    const app = appWith();
    const it = await loginAs(app, 'itadmin', 'it-pass').expect(200);
    assert.equal(it.body.user.level, 10);
    await request(app.callback()).get('/api/users').set('authorization', `Bearer ${it.body.token}`).expect(200);
    const boss = await loginAs(app, 'boss', 'boss-pass').expect(200);
    assert.equal(boss.body.user.level, 6);
  });

  it('binds through a DN template without a service account', async () => {
    const app = appWith({ TOLLGATE_LDAP_BIND_DN: '', TOLLGATE_LDAP_BIND_PASSWORD: '', TOLLGATE_LDAP_USER_TEMPLATE: `uid={username},ou=people,${BASE}` });
    const res = await loginAs(app, 'jdoe', 'jdoe-pass').expect(200);
    assert.equal(res.body.user.username, 'jdoe');
    await loginAs(app, 'jdoe', 'nope').expect(401);
  });

  it('StartTLS and LDAPS with the CA file; an untrusted certificate is a clear error', async () => {
    const starttls = appWith({ TOLLGATE_LDAP_START_TLS: 'on', TOLLGATE_LDAP_CA_FILE: slapd.caFile });
    const st = await loginAs(starttls, 'jdoe', 'jdoe-pass');
    assert.equal(st.status, 200, JSON.stringify(st.body));
    const ldaps = appWith({ TOLLGATE_LDAP_URL: slapd.ldapsUrl, TOLLGATE_LDAP_CA_FILE: slapd.caFile });
    await loginAs(ldaps, 'jdoe', 'jdoe-pass').expect(200);
    const untrusted = appWith({ TOLLGATE_LDAP_URL: slapd.ldapsUrl });
    const r = await loginAs(untrusted, 'jdoe', 'jdoe-pass').expect(503);
    assert.match(r.body.error.message, /unavailable: .*(certificate|self.signed)/i);
  });

  it('a hung or down server times out with a clear message; the local administrator still logs in', async () => {
    const hung = await silentServer();
    try {
      const app = appWith({ TOLLGATE_LDAP_URL: hung.url, TOLLGATE_LDAP_TIMEOUT_MS: '300' });
      const started = Date.now();
      const r = await loginAs(app, 'jdoe', 'jdoe-pass').expect(503);
      assert.ok(Date.now() - started < 3000, 'answered within a few timeouts');
      assert.match(r.body.error.message, /unavailable.*local accounts still work/);
      await loginAs(app, 'localadmin', PASSWORD).expect(200);
    } finally {
      await hung.close();
    }
    const down = appWith({ TOLLGATE_LDAP_URL: 'ldap://127.0.0.1:1', TOLLGATE_LDAP_TIMEOUT_MS: '300' });
    const r = await loginAs(down, 'jdoe', 'jdoe-pass').expect(503);
    assert.match(r.body.error.message, /ldap:\/\/127\.0\.0\.1:1 unavailable/);
    await loginAs(down, 'localadmin', PASSWORD).expect(200);
    const dir = createLdapDirectory({ ...loadConfig({ ...env(), TOLLGATE_LDAP_URL: 'ldap://127.0.0.1:1' }), ldapUrl: 'ldap://127.0.0.1:1' });
    await assert.rejects(dir.listUsers(), LdapUnavailableError);
  });

  it('AD sync creates and updates users, disables those gone, and leaves a local account of the same name', async () => {
    const config = loadConfig(env());
    const ldap = createLdapDirectory({ ...config, ldapUrl: config.ldapUrl! });
    const first = await syncDirectory({ db: t.db, ldap, attributes: config.ldapAttributes, now: 100 });
    assert.equal(first.found, 4);
    assert.equal(first.skipped, 1, 'localclash is a local account');
    const boss = await findUserByUsername({ db: t.db, username: 'boss' });
    assert.equal(boss?.level, 6);
    assert.equal(boss?.extension, '2002');
    await setAttribute(slapd, 'boss', 'telephoneNumber', '2099');
    await deletePerson(slapd, 'jdoe');
    const second = await syncDirectory({ db: t.db, ldap, attributes: config.ldapAttributes, now: 200 });
    assert.equal(second.disabled, 1);
    assert.equal((await findUserByUsername({ db: t.db, username: 'boss' }))?.extension, '2099');
    assert.ok((await findUserByUsername({ db: t.db, username: 'jdoe' }))?.disabled);
    const local = await findUserByUsername({ db: t.db, username: 'localclash' });
    assert.equal(local?.auth_source, 'local');
    // A disabled directory user can no longer log in even with a valid directory password.
    const app = appWith();
    await loginAs(app, 'localclash', 'clash-pass').expect(401);
  });

  it('the sync endpoint answers 409 without LDAP and runs the sync with it', async () => {
    const res = await loginAs(appWith(), 'localadmin', PASSWORD).expect(200);
    const plain = createApp({ db: t.db, log: testLog, portal: createPortalDeps({ config: loadConfig({}), secret: SECRET }) });
    await request(plain.callback()).post('/api/users/sync').set('authorization', `Bearer ${res.body.token}`).expect(409);
    const config = loadConfig(env());
    const deps = createPortalDeps({ config, secret: SECRET });
    const withSync = createApp({ db: t.db, log: testLog, portal: { ...deps, syncDirectory: () => syncDirectory({ db: t.db, ldap: deps.ldap!, attributes: config.ldapAttributes, now: 300 }) } });
    const r = await request(withSync.callback()).post('/api/users/sync').set('authorization', `Bearer ${res.body.token}`).expect(200);
    assert.equal(r.body.found, 3);
  });
});
