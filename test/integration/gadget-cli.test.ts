import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import { cliEnv, runCli } from '../support/cli.js';
import { testLog } from '../support/logger.js';
import { freePort } from '../support/ports.js';
import { addAccount, PASSWORD } from '../support/portal.js';
import { createTestDb } from '../support/test-db.js';

/** `tollgate gadgets config|token-days|revoke`, the last two against a running gateway. */
describe('tollgate gadgets', () => {
  it('prints the Jabber custom tabs and the Webex values; refuses a bad base URL naming it', async () => {
    const ok = await runCli(['gadgets', 'config', '--base-url', 'https://tg.example.com:8443/'], cliEnv({}));
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /<jabber-plugin-config>\n {2}<browser-plugin>\n {4}<page refresh="false" preload="true" internal="true">/);
    for (const n of ['calls', 'budget', 'lock']) assert.ok(ok.stdout.includes(`<url>https://tg.example.com:8443/gadgets/${n}/?user=\${UserID}</url>`), n);
    assert.match(ok.stdout, /Valid domains: tg\.example\.com\n/);
    assert.match(ok.stdout, /Phone Lock: Start Page URL and Sidebar start page URL https:\/\/tg\.example\.com:8443\/gadgets\/lock\/\?host=webex/);
    const json = await runCli(['gadgets', 'config', '--base-url', 'https://tg.example.com', '--json'], cliEnv({}));
    assert.deepEqual(JSON.parse(json.stdout).webex.validDomains, ['tg.example.com']);
    const bad = await runCli(['gadgets', 'config', '--base-url', 'tg.example.com'], cliEnv({}));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--base-url: base URL "tg\.example\.com" is not a URL/);
  });

  it('sets the token lifetime and revokes a user\'s gadget tokens; the running gateway refuses them at once', async () => {
    const t = await createTestDb('sqlite');
    try {
      await addAccount(t.db, 'alice', '1001', { level: 2 });
      const env = {
        TOLLGATE_DB: t.url, TOLLGATE_DATA_DIR: path.join(t.dir, 'data'), TOLLGATE_HTTP_HOST: '127.0.0.1', TOLLGATE_HTTP_PORT: String(await freePort()),
        TOLLGATE_FTP_PORT: '0', TOLLGATE_SFTP_PORT: '0', TOLLGATE_ADMIN_PASSWORD: 'first-admin-password',
      };
      const days = await runCli(['gadgets', 'token-days', '30'], cliEnv(env));
      assert.equal(days.code, 0, days.stderr);
      assert.equal(days.stdout, 'gadget tokens last 30 days\n');
      const bad = await runCli(['gadgets', 'token-days', '0'], cliEnv(env));
      assert.deepEqual([bad.code, bad.stderr], [2, 'tollgate: days: "0" is not a whole number of days from 1 to 365\n']);
      const server = await startServer(loadConfig(env), { log: testLog });
      try {
        const base = `http://127.0.0.1:${server.httpPort}`;
        const signIn = await fetch(`${base}/api/gadget/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: PASSWORD }) });
        const session = await signIn.json() as { token: string; expiresAt: string };
        assert.ok(Math.abs(Date.parse(session.expiresAt) - Date.now() - 30 * 86400_000) < 60_000, session.expiresAt);
        const me = () => fetch(`${base}/api/gadget/me`, { headers: { authorization: `Bearer ${session.token}` } });
        assert.equal((await me()).status, 200);
        const revoke = await runCli(['gadgets', 'revoke', 'alice'], cliEnv(env));
        assert.deepEqual([revoke.code, revoke.stdout], [0, '1 gadget token(s) of alice revoked\n']);
        const after = await me();
        assert.equal(after.status, 401);
        assert.equal(((await after.json()) as { error: { code: string } }).error.code, 'token_revoked');
        const nobody = await runCli(['gadgets', 'revoke', 'nobody'], cliEnv(env));
        assert.deepEqual([nobody.code, nobody.stderr], [2, 'tollgate: no user "nobody"\n']);
      } finally {
        await server.stop();
      }
    } finally {
      await t.close();
    }
  });
});
