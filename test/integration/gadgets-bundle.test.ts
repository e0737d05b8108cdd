import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { parse } from 'acorn';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { buildGadgets } from '../support/browser.js';
import { testLog } from '../support/logger.js';
import { portalDeps } from '../support/portal.js';
import { createTestDb, tempDir } from '../support/test-db.js';

/**
 * The built gadgets: each one's JavaScript (its entry and every chunk its page preloads) is at
 * most 100 kB gzip-compressed, parses as ES2017 (Jabber's embedded Chromium and WebKit may be
 * old), calls none of the newer built-ins unguarded, and carries only the `gadget` strings of the
 * portal's locale files.
 */
const BUDGET = 100 * 1024;
const NEWER_BUILTINS = ['structuredClone', 'Object.hasOwn', '.replaceAll(', 'Promise.allSettled', 'Promise.any(', '.flatMap(', 'Object.fromEntries', 'AbortSignal.timeout', '.findLast('];
// ResizeObserver and queueMicrotask appear in Chart.js and Preact behind options the gadgets set;
// test/e2e/gadgets.test.ts runs the gadgets in a browser with those (and the above) removed.

describe('gadget bundles', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  let dist: string;
  before(() => {
    dist = buildGadgets(path.join(tmp.dir, 'gadgets'));
  });
  after(() => tmp.remove());

  /** The JS files a gadget's page loads: the module entry and its modulepreload links. */
  const scriptsOf = (name: string): string[] => {
    const html = readFileSync(path.join(dist, name, 'index.html'), 'utf8');
    const refs = [...html.matchAll(/<script type="module"[^>]* src="([^"]+)"|<link rel="modulepreload"[^>]* href="([^"]+)"/g)].map((m) => (m[1] ?? m[2])!);
    return refs.map((r) => path.join(dist, r.replace(/^\/gadgets\//, '')));
  };

  for (const name of ['calls', 'budget', 'lock']) {
    it(`${name}: at most 100 kB of JavaScript gzip-compressed, ES2017 syntax, no newer built-ins`, () => {
      const files = scriptsOf(name);
      assert.ok(files.length >= 2, `entry and shared chunks: ${files.join(', ')}`);
      let gz = 0;
      for (const f of files) {
        const code = readFileSync(f, 'utf8');
        gz += gzipSync(code, { level: 9 }).length;
        assert.doesNotThrow(() => parse(code, { ecmaVersion: 2017, sourceType: 'module' }), `${path.basename(f)} is not ES2017`);
        for (const api of NEWER_BUILTINS) assert.ok(!code.includes(api), `${path.basename(f)} uses ${api}`);
      }
      console.log(`# ${name}: ${files.length} files, ${(gz / 1024).toFixed(1)} kB gzip`);
      assert.ok(gz <= BUDGET, `${name}: ${gz} bytes gzip > ${BUDGET}`);
    });
  }

  it('bundles the gadget strings of every language and none of the portal\'s own', () => {
    const code = scriptsOf('lock').map((f) => readFileSync(f, 'utf8')).join('\n');
    for (const s of ['Lock my line', 'Blocca la mia linea', 'Meine Leitung sperren', 'اقفل خطي']) assert.ok(code.includes(s), s);
    for (const s of ['Skip to content', 'Add widget', 'Reprocess']) assert.ok(!code.includes(s), `portal string ${s} bundled`);
  });

  it('ships the Webex Embedded App SDK apart, loaded only inside Webex', () => {
    const sdk = readFileSync(path.join(dist, 'webex-sdk.js'), 'utf8');
    assert.match(sdk, /webexAppExtensions/);
    for (const name of ['calls', 'budget', 'lock']) {
      for (const f of scriptsOf(name)) assert.ok(!readFileSync(f, 'utf8').includes('webexAppExtensions'), `the SDK is not in ${path.basename(f)}`);
    }
  });

  it('serves each gadget under /gadgets/<name>/, frameable by Webex, and nothing else there', async () => {
    const t = await createTestDb('sqlite');
    try {
      const web = path.join(tmp.dir, 'web');
      const { mkdirSync, writeFileSync } = await import('node:fs');
      mkdirSync(web);
      writeFileSync(path.join(web, 'index.html'), '<p>portal</p>');
      const app = createApp({ db: t.db, log: testLog, portal: portalDeps({ gadgetsDir: dist, webDir: web }) }).callback();
      const page = await request(app).get('/gadgets/lock/?user=alice').expect(200);
      assert.match(page.text, /<div id="app"><\/div>/);
      assert.match(page.headers['content-security-policy']!, /frame-ancestors 'self' https:\/\/\*\.webex\.com/);
      assert.equal((await request(app).get('/gadgets/calls?user=alice').expect(302)).headers.location, '/gadgets/calls/?user=alice');
      await request(app).get('/gadgets/icon.png').expect(404);
      await request(app).get('/gadgets/nothing/').expect(404);
      assert.equal((await request(app).get('/gadgets/budget/icon.png').expect(200)).headers['content-type'], 'image/png');
      await request(app).get('/gadgets/webex-sdk.js').expect(200);
      assert.doesNotMatch((await request(app).get('/gadgets/%2e%2e/%2e%2e/package.json')).text, /"name"/, 'no path out of the folder');
      assert.match((await request(app).get('/calls').expect(200)).text, /portal/, 'the portal keeps its own pages');
    } finally {
      await t.close();
    }
  });

  it('serves the build\'s Brotli or gzip copy to a client that accepts it, the file itself to others', async () => {
    const t = await createTestDb('sqlite');
    const server = http.createServer(createApp({ db: t.db, log: testLog, portal: portalDeps({ gadgetsDir: dist }) }).callback());
    try {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const port = (server.address() as { port: number }).port;
      /** The response's bytes as sent (no client-side decoding). */
      const get = (url: string, acceptEncoding: string) => new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: url, headers: { 'Accept-Encoding': acceptEncoding } }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(parts) }));
        }).on('error', reject);
      });
      const js = scriptsOf('calls').sort((a, b) => readFileSync(b).length - readFileSync(a).length)[0]!;
      const url = '/gadgets/' + path.relative(dist, js).split(path.sep).join('/');
      const raw = readFileSync(js);
      for (const [accept, encoding, decode] of [
        ['gzip, deflate, br', 'br', brotliDecompressSync],
        ['gzip', 'gzip', gunzipSync],
      ] as const) {
        const res = await get(url, accept);
        assert.equal(res.headers['content-encoding'], encoding);
        assert.match(String(res.headers.vary), /Accept-Encoding/i);
        assert.equal(Number(res.headers['content-length']), res.body.length);
        assert.ok(res.body.length < raw.length / 2, `${encoding}: ${res.body.length} bytes of ${raw.length}`);
        assert.deepEqual(decode(res.body), raw);
      }
      const plain = await get(url, 'identity');
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.deepEqual(plain.body, raw);
      // A small file has no compressed copies: served as it is.
      const small = await get('/gadgets/budget/icon.png', 'br');
      assert.equal(small.headers['content-encoding'], undefined);
      assert.deepEqual(small.body, readFileSync(path.join(dist, 'budget', 'icon.png')));
    } finally {
      await new Promise((r) => server.close(r));
      await t.close();
    }
  });
});
