import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { escapeDnValue, escapeFilterValue } from '../../src/auth/ldap.js';
import { hashPassword, passwordProblem, randomPassword, verifyPassword } from '../../src/auth/passwords.js';
import { createTokenService, loadJwtSecret } from '../../src/auth/tokens.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { presentCall, type Viewer } from '../../src/db/queries/scoped-calls.js';
import { tempDir } from '../support/test-db.js';

describe('passwords', () => {
  it('hashes with a per-user salt and verifies', async () => {
    const a = await hashPassword('secret one 1');
    const b = await hashPassword('secret one 1');
    assert.notEqual(a, b);
    assert.match(a, /^scrypt\$16384\$8\$1\$/);
    assert.equal(await verifyPassword('secret one 1', a), true);
    assert.equal(await verifyPassword('secret one 2', a), false);
    assert.equal(await verifyPassword('x', null), false);
    assert.equal(await verifyPassword('x', 'garbage'), false);
  });
  it('makes random passwords and refuses weak new ones', () => {
    assert.equal(randomPassword().length, 20);
    assert.notEqual(randomPassword(), randomPassword());
    assert.match(passwordProblem('short', 'bob')!, /at least 10/);
    assert.match(passwordProblem('alice-smith', 'ALICE-SMITH')!, /username/);
    assert.match(passwordProblem('aaaaaaaaaaaa', 'bob')!, /repeat/);
    assert.equal(passwordProblem('a decent passphrase', 'bob'), null);
  });
});

describe('tokens', () => {
  it('issues portal tokens with a CSRF value and API tokens without; lifetimes differ', () => {
    let now = 1_000_000;
    const s = createTokenService({ secret: 'x'.repeat(40), sessionTtl: 60, apiTokenTtl: 3600, now: () => now });
    const portal = s.issue({ userId: 7, version: 3, kind: 'portal' });
    const api = s.issue({ userId: 7, version: 3, kind: 'api' });
    assert.ok(portal.csrf && portal.csrf.length >= 24);
    assert.equal(api.csrf, undefined);
    assert.deepEqual(s.verify(portal.token), { sub: '7', ver: 3, kind: 'portal', csrf: portal.csrf });
    now += 61;
    assert.throws(() => s.verify(portal.token), /expired/);
    assert.equal(s.verify(api.token).kind, 'api');
  });
  it('generates a JWT secret once under the data dir and keeps it', async () => {
    const t = tempDir();
    try {
      const a = await loadJwtSecret({ configured: undefined, dataDir: t.dir });
      const b = await loadJwtSecret({ configured: undefined, dataDir: t.dir });
      assert.equal(a, b);
      assert.ok(a.length >= 32);
      assert.equal(await loadJwtSecret({ configured: 'c'.repeat(32), dataDir: t.dir }), 'c'.repeat(32));
    } finally {
      t.remove();
    }
  });
});

describe('LDAP escaping', () => {
  it('escapes filter and DN values', () => {
    assert.equal(escapeFilterValue('a*b(c)\\d\0'), 'a\\2ab\\28c\\29\\5cd\\00');
    assert.equal(escapeDnValue('Doe, John+x'), 'Doe\\, John\\+x');
    assert.equal(escapeDnValue(' #lead'), '\\ #lead');
  });
});

describe('portal settings', () => {
  it('parses durations, LDAP group levels and attribute maps', () => {
    const c = loadConfig({
      TOLLGATE_SESSION_TTL: '8h', TOLLGATE_API_TOKEN_TTL: '30d', TOLLGATE_LDAP_URL: 'ldaps://dc.example.com',
      TOLLGATE_LDAP_GROUP_LEVELS: '10:cn=Admins,ou=G,dc=x;6:cn=Managers,ou=G,dc=x', TOLLGATE_LDAP_ATTRIBUTES: 'extension=ipPhone, department=department',
      TOLLGATE_LDAP_START_TLS: 'on', TOLLGATE_LDAP_SYNC_CRON: '0 2 * * *',
    });
    assert.equal(c.sessionTtl, 8 * 3600);
    assert.equal(c.apiTokenTtl, 30 * 86400);
    assert.deepEqual(c.ldapGroupLevels, [{ level: 10, group: 'cn=Admins,ou=G,dc=x' }, { level: 6, group: 'cn=Managers,ou=G,dc=x' }]);
    assert.deepEqual(c.ldapAttributes, { extension: 'ipPhone', department: 'department' });
    assert.equal(c.ldapStartTls, true);
  });
  it('names each bad portal setting and never echoes secrets', () => {
    try {
      loadConfig({
        TOLLGATE_SESSION_TTL: 'forever', TOLLGATE_LDAP_URL: 'http://x', TOLLGATE_LDAP_GROUP_LEVELS: '5:cn=x', TOLLGATE_JWT_SECRET: 'short-secret',
        TOLLGATE_LDAP_ATTRIBUTES: 'phone=telephoneNumber', TOLLGATE_LDAP_SYNC_CRON: 'not a cron',
      });
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const text = err.problems.join('\n');
      assert.match(text, /TOLLGATE_SESSION_TTL: must be a duration/);
      assert.match(text, /TOLLGATE_LDAP_URL: must start with ldap:\/\//);
      assert.match(text, /TOLLGATE_LDAP_GROUP_LEVELS\[0\.level\]: must be one of 0, 2, 6, 8, 10/);
      assert.match(text, /TOLLGATE_JWT_SECRET: must be at least 32/);
      assert.match(text, /TOLLGATE_LDAP_ATTRIBUTES/);
      assert.match(text, /TOLLGATE_LDAP_SYNC_CRON: not a valid cron expression/);
      assert.ok(!text.includes('short-secret'));
    }
  });
});

describe('log redaction', () => {
  it('never writes passwords, tokens or secrets', () => {
    let out = '';
    const sink = new Writable({ write(chunk, _enc, cb) { out += String(chunk); cb(); } });
    const log = createLogger({ level: 'info', destination: sink });
    log.info({ body: { password: 'p1', currentPassword: 'p2', newPassword: 'p3' }, token: 't1', csrfToken: 'c1', jwtSecret: 's1', config: { ldapBindPassword: 'b1' }, user: { password_hash: 'h1' } }, 'x');
    for (const secret of ['p1', 'p2', 'p3', 't1', 'c1', 's1', 'b1', 'h1']) assert.ok(!out.includes(`"${secret}"`), `${secret} leaked: ${out}`);
  });
});

describe('presentCall', () => {
  const viewer = (level: number): Viewer => ({ id: 1, level, scope: 'department', department: '', cost_center: '', office_location: '', extra_departments: '' });
  const row = { id: 1, site: 'HQ', direction: 'incoming', answered: 0, start_at: 0, ring_s: 3, duration_s: 0, extension: '1', remote_number: '+390212345678', dialed_number: '', destination_type: 'incoming', privacy_digits: 4, privacy_level: 8 };
  it('masks below the site level, marks missed calls, keeps internal numbers', () => {
    assert.equal(presentCall(row, viewer(2)).remoteNumber, '+39021234XXXX');
    assert.equal(presentCall(row, viewer(8)).remoteNumber, '+390212345678');
    assert.equal(presentCall(row, viewer(2)).kind, 'missed');
    assert.equal(presentCall({ ...row, direction: 'internal', remote_number: '2001' }, viewer(2)).remoteNumber, '2001');
  });
});
