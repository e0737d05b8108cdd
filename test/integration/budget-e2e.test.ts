import assert from 'node:assert/strict';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { Client } from 'basic-ftp';
import { decodeCurriResponse } from '../../curri/index.js';
import { setBudget } from '../../src/budget/admin.js';
import { loadConfig } from '../../src/config.js';
import { migrateLatest, openDb } from '../../src/db/knex.js';
import { upsertSite } from '../../src/db/queries/sites.js';
import { upsertTariffs } from '../../src/db/queries/tariffs.js';
import { upsertUser } from '../../src/db/queries/users.js';
import { parseTariff } from '../../src/rating/tariff.js';
import { startServer } from '../../src/server.js';
import { cdrFile } from '../support/cdr-rows.js';
import { CUCM_HEADERS, curriRequest } from '../support/curri.js';
import { startFakePhone } from '../support/fake-phone.js';
import { testLog } from '../support/logger.js';
import { HQ, user } from '../support/pipeline.js';
import { freePort } from '../support/ports.js';
import { tempDir } from '../support/test-db.js';

/**
 * The whole chain, for real: CUCM uploads a CDR file over FTP, the miner rates the calls, Budget
 * Control sees the user over budget and locks the line through Phone Lock, and the next CURRI
 * request from that line is denied (emergency numbers still continue).
 */

const FLAT = parseTariff({ code: 'FLAT', name: 'flat', carrier: 'Flat', currency: 'GBP', rates: [{ type: 'national', perMinuteMicro: 1_000_000, first: 60, next: 60 }] });

async function decision(port: number, called: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/curri`, { method: 'POST', headers: CUCM_HEADERS, body: curriRequest({ calling: '2001', called, device: 'SEP000000002001' }) });
  assert.equal(res.status, 200);
  return decodeCurriResponse(await res.text()).decision;
}

describe('Budget Control end to end', () => {
  it('a CDR file uploaded over FTP pushes a user over budget; the next CURRI request from the line is denied', { timeout: 60_000 }, async () => {
    const t = tempDir();
    const phone = await startFakePhone({ user: 'pushuser', password: 'push-pw' });
    try {
      const [httpPort, ftpPort] = [await freePort(), await freePort()];
      const pasv = 43000 + Math.floor(Math.random() * 2000);
      const config = loadConfig({
        TOLLGATE_DATA_DIR: path.join(t.dir, 'data'), TOLLGATE_HTTP_HOST: '127.0.0.1', TOLLGATE_HTTP_PORT: String(httpPort),
        TOLLGATE_FTP_HOST: '127.0.0.1', TOLLGATE_FTP_PORT: String(ftpPort), TOLLGATE_FTP_PASV_MIN: String(pasv), TOLLGATE_FTP_PASV_MAX: String(pasv + 20),
        TOLLGATE_SFTP_PORT: '0', TOLLGATE_RECEIVER_USERS: 'cucm:pw-1@cluster:GoldenCluster', TOLLGATE_MINER_POLL_MS: '60000',
        TOLLGATE_PHONE_PUSH_USER: 'pushuser', TOLLGATE_PHONE_PUSH_PASSWORD: 'push-pw',
      });
      const db = openDb(config.db);
      await migrateLatest(db);
      await upsertTariffs({ db, tariffs: [FLAT], now: 0 });
      await upsertSite({ db, site: { ...HQ, code: 'LON', country: 'GB', areaCode: '20', timezone: 'Europe/London', currency: 'GBP', clusterIds: ['GoldenCluster'], accessCodes: ['9'], tariffCode: 'FLAT' }, now: 0 });
      await upsertUser({ db, user: user('ann', '2001', { devices: ['SEP000000002001'] }), now: 0 });
      await db('user_devices').where({ device_name: 'SEP000000002001' }).update({ address: phone.address });
      await setBudget({ db, input: { scope: 'user', target: 'ann', period: 'monthly', amount: '1.50', currency: 'GBP', thresholds: '100:user,push,lock' }, defaultTimezone: 'UTC', now: 0 });
      await db.destroy();

      const server = await startServer(config, { log: testLog });
      try {
        assert.equal(await decision(httpPort, '901614960123'), 'Permit');
        const now = Math.floor(Date.now() / 1000);
        const cdr = cdrFile([{ callId: 1, calling: '2001', called: '901614960123', origDevice: 'SEP000000002001', destDevice: 'SIP-TRUNK', at: now - 300, talk: 120 }]);
        const ftp = new Client();
        await ftp.access({ host: '127.0.0.1', port: ftpPort, user: 'cucm', password: 'pw-1' });
        const uploaded = Date.now();
        await ftp.uploadFrom(Readable.from([cdr]), `cdr_GoldenCluster_01_${new Date(now * 1000).toISOString().slice(0, 16).replace(/[-T:]/g, '')}_1`);
        ftp.close();
        let d = await decision(httpPort, '901614960123');
        while (d !== 'Deny' && Date.now() - uploaded < 20_000) {
          await new Promise((r) => setTimeout(r, 20));
          d = await decision(httpPort, '901614960123');
        }
        assert.equal(d, 'Deny', 'the line is locked by its budget');
        testLog.info({ ms: Date.now() - uploaded }, 'upload to CURRI deny');
        assert.equal(await decision(httpPort, '999'), 'Permit', 'emergency calls still go through');
        const lines = await server.runtime.db('line_locks').select('extension', 'reason', 'channel');
        assert.deepEqual(lines.map((l) => [l.extension, l.reason, l.channel]), [['2001', 'budget', 'budget']]);
        // The phone was told: the threshold's notice and Phone Lock's own lock notice.
        const end = Date.now() + 5000;
        while (phone.received.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
        const texts = phone.received.map((p) => p.xml).join('\n');
        assert.match(texts, /100% of your budget used: line locked/);
        assert.match(texts, /Line 2001 was locked \(budget\)/);
      } finally {
        await server.stop();
      }
    } finally {
      await phone.close();
      t.remove();
    }
  });
});
