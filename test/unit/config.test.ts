import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigError, envName, loadConfig } from '../../src/config.js';
import { tempDir } from '../support/test-db.js';

describe('loadConfig', () => {
  it('has working defaults: SQLite under ./data, the documented ports', () => {
    const c = loadConfig({});
    assert.equal(c.db, 'sqlite:data/tollgate.db');
    assert.equal(c.dbKind, 'sqlite');
    assert.equal(c.httpPort, 8080);
    assert.equal(c.ftpPort, 2121);
    assert.equal(c.sftpPort, 2222);
    assert.ok(Object.isFrozen(c));
  });
  it('reads TOLLGATE_* variables; port 0 turns a receiver off', () => {
    const c = loadConfig({ TOLLGATE_DB: 'postgres://u@h/db', TOLLGATE_FTP_PORT: '0', TOLLGATE_DATA_DIR: '/var/lib/tollgate' });
    assert.equal(c.dbKind, 'postgres');
    assert.equal(c.ftpPort, 0);
    assert.equal(c.dataDir, '/var/lib/tollgate');
  });
  it('lists every problem at once, naming variable and value', () => {
    try {
      loadConfig({ TOLLGATE_HTTP_PORT: 'eighty', TOLLGATE_SFTP_PORT: '70000', TOLLGATE_DB: 'mysql://x', TOLLGATE_HTTP_PROT: '1' });
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const text = err.problems.join('\n');
      assert.match(text, /TOLLGATE_HTTP_PORT: .*"eighty"/);
      assert.match(text, /TOLLGATE_SFTP_PORT: must be at most 65535/);
      assert.match(text, /TOLLGATE_DB: must start with sqlite:/);
      assert.match(text, /TOLLGATE_HTTP_PROT: unknown setting/);
      assert.equal(err.problems.length, 4);
    }
  });
  it('parses receiver logins per site or per cluster and never echoes a password', () => {
    const c = loadConfig({ TOLLGATE_RECEIVER_USERS: 'cucm:s3cret@HQ,cl2:pw:with:colons@cluster:Cluster-2' });
    assert.deepEqual(c.receiverUsers, [
      { username: 'cucm', password: 's3cret', site: 'HQ' },
      { username: 'cl2', password: 'pw:with:colons', cluster: 'Cluster-2' },
    ]);
    assert.throws(() => loadConfig({ TOLLGATE_RECEIVER_USERS: 'nosite:topsecret' }), (err: Error) => !err.message.includes('topsecret'));
  });
  it('reads a YAML or JSON file; the environment wins', () => {
    const t = tempDir();
    try {
      const yaml = `${t.dir}/tollgate.yaml`;
      writeFileSync(yaml, 'httpPort: 9000\nftpPort: 0\nreceiverUsers:\n  - { username: a, password: b, site: HQ }\n');
      const c = loadConfig({ TOLLGATE_CONFIG: yaml, TOLLGATE_FTP_PORT: '2100' });
      assert.equal(c.httpPort, 9000);
      assert.equal(c.ftpPort, 2100);
      assert.equal(c.receiverUsers[0]!.site, 'HQ');
      const json = `${t.dir}/tollgate.json`;
      writeFileSync(json, '{"httpPort": 1, "bogus": true}');
      assert.throws(() => loadConfig({ TOLLGATE_CONFIG: json }), /unknown setting "bogus"/);
      assert.throws(() => loadConfig({ TOLLGATE_CONFIG: `${t.dir}/missing.yaml` }), /cannot read/);
    } finally {
      t.remove();
    }
  });
  it('maps keys to env names', () => {
    assert.equal(envName('ftpPasvUrl'), 'TOLLGATE_FTP_PASV_URL');
  });
  it('Phone Lock settings: lists, flags, pairs that go together, and secrets never echoed', () => {
    const c = loadConfig({
      TOLLGATE_LOCK_ALLOW_NUMBERS: '5550100, 800*', TOLLGATE_LOCK_ALLOW_INTERNAL: 'false', TOLLGATE_CURRI_ALLOWED_NODES: '10.0.0.1,10.0.0.2',
      TOLLGATE_PIN_LENGTH: '6', TOLLGATE_CURRI_FAILURE_DECISION: 'reject',
    });
    assert.deepEqual(c.lockAllowNumbers, ['5550100', '800*']);
    assert.equal(c.lockAllowInternal, false);
    assert.deepEqual(c.curriAllowedNodes, ['10.0.0.1', '10.0.0.2']);
    assert.equal(c.pinLength, 6);
    assert.equal(c.curriPath, '/curri');
    try {
      loadConfig({ TOLLGATE_HTTPS_CERT: '/x.pem', TOLLGATE_PHONE_PUSH_PASSWORD: 'sekret-pw' });
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const text = err.problems.join('\n');
      assert.match(text, /TOLLGATE_HTTPS_KEY: httpsCert and httpsKey go together/);
      assert.match(text, /TOLLGATE_PHONE_PUSH_USER: phonePushUser and phonePushPassword go together/);
      assert.ok(!text.includes('sekret'));
    }
    try {
      loadConfig({ TOLLGATE_ADMIN_TOKEN: 'short', TOLLGATE_PIN_LENGTH: '9', TOLLGATE_LOCK_ALLOW_INTERNAL: 'maybe' });
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const text = err.problems.join('\n');
      assert.match(text, /TOLLGATE_ADMIN_TOKEN: must be at least 16 characters$/m);
      assert.match(text, /TOLLGATE_PIN_LENGTH: must be 4 to 8/);
      assert.match(text, /TOLLGATE_LOCK_ALLOW_INTERNAL: must be true or false/);
      assert.ok(!text.includes('short'));
    }
  });
});
