import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decodeCurriResponse } from '../../curri/index.js';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import { CAMEL_REQUEST, CUCM_HEADERS } from '../support/curri.js';
import { testLog } from '../support/logger.js';
import { freePort } from '../support/ports.js';
import { tempDir } from '../support/test-db.js';

/** A request as CUCM makes it: on a kept-alive connection. */
function send(secure: boolean, port: number, method: string, body: string): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, path: '/curri', method, headers: CUCM_HEADERS, rejectUnauthorized: false };
    const onResponse = (res: http.IncomingMessage) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    };
    const req = secure
      ? https.request({ ...options, agent: new https.Agent({ keepAlive: true }) }, onResponse)
      : http.request({ ...options, agent: new http.Agent({ keepAlive: true }) }, onResponse);
    req.on('error', reject);
    req.end(body);
  });
}

describe('CURRI over HTTPS', () => {
  it('serves the CURRI path over HTTPS with the configured certificate, keeping connections over a minute', { timeout: 30_000 }, async (t) => {
    const tmp = tempDir();
    try {
      const cert = path.join(tmp.dir, 'cert.pem');
      const key = path.join(tmp.dir, 'key.pem');
      try {
        execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
      } catch {
        t.skip('openssl is not available: HTTPS test skipped');
        return;
      }
      const config = loadConfig({
        TOLLGATE_DATA_DIR: path.join(tmp.dir, 'data'), TOLLGATE_HTTP_HOST: '127.0.0.1', TOLLGATE_HTTP_PORT: String(await freePort()),
        TOLLGATE_HTTPS_PORT: String(await freePort()), TOLLGATE_HTTPS_CERT: cert, TOLLGATE_HTTPS_KEY: key, TOLLGATE_FTP_PORT: '0', TOLLGATE_SFTP_PORT: '0',
      });
      const server = await startServer(config, { log: testLog });
      try {
        assert.equal(server.httpsPort, config.httpsPort);
        const res = await send(true, server.httpsPort!, 'POST', CAMEL_REQUEST);
        assert.equal(res.status, 200);
        assert.equal(decodeCurriResponse(res.text).decision, 'Permit');
        assert.match(String(res.headers['keep-alive']), /timeout=65/);
        const head = await send(false, server.httpPort, 'HEAD', '');
        assert.equal(head.status, 200);
        assert.equal(head.text, '');
        assert.match(String(head.headers['keep-alive']), /timeout=65/);
      } finally {
        await server.stop();
      }
    } finally {
      tmp.remove();
    }
  });
});
