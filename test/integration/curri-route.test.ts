import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import pino from 'pino';
import { after, before, describe, it } from 'node:test';
import { decodeCurriResponse } from '../../curri/index.js';
import { requestListener } from '../../src/app.js';
import { CAMEL_REQUEST, CUCM_HEADERS, DEVNET_REQUEST, curriRequest } from '../support/curri.js';
import { setupLock, TOKEN } from '../support/lock.js';
import { addAccount, apiToken } from '../support/portal.js';

type Setup = Awaited<ReturnType<typeof setupLock>>;

async function decide(s: Setup, body: string | Buffer, path = '/curri'): Promise<ReturnType<typeof decodeCurriResponse>> {
  const res = await s.http().post(path).set(CUCM_HEADERS).send(body);
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'] ?? '', /^text\/xml; charset=utf-8/);
  return decodeCurriResponse(res.text);
}

describe('CURRI endpoint', () => {
  let s: Setup;
  before(async () => {
    s = await setupLock('sqlite', { TOLLGATE_LOCK_ALLOW_NUMBERS: '5550100,800*', TOLLGATE_CURRI_ANNOUNCEMENT: 'VCA_00121' });
  });
  after(async () => s.close());

  it('HEAD (CUCM keep-alive) answers 200 with an empty body', async () => {
    const res = await s.http().head('/curri').expect(200);
    assert.equal(res.text ?? '', '');
    assert.equal(res.headers['content-length'], '0');
  });

  it('an unknown line continues, for both the CamelCase and the lower-case request', async () => {
    for (const body of [CAMEL_REQUEST, DEVNET_REQUEST]) {
      const d = await decide(s, body);
      assert.equal(d.decision, 'Permit');
      assert.equal(d.directive, 'continue');
    }
  });

  it('a lock change is seen by the very next decision; the device selects the partition', async () => {
    const ann = curriRequest({ calling: '1001', called: '0015551234567', device: 'SEPAAA000000001' });
    const bob = curriRequest({ calling: '1001', called: '0015551234567', device: 'SEPBBB000000002' });
    assert.equal((await decide(s, ann)).decision, 'Permit');
    await s.http().post('/api/v1/lines/1001/lock').set('Authorization', `Bearer ${TOKEN}`).send({ partition: 'PT_A', reason: 'admin' }).expect(200);
    const denied = await decide(s, ann);
    assert.equal(denied.decision, 'Deny');
    assert.equal(denied.directive, 'reject');
    assert.equal(denied.announce, 'VCA_00121');
    // Same extension, other partition, named by its device: not locked.
    assert.equal((await decide(s, bob)).decision, 'Permit');
    // No device name: the extension is locked in some partition, so the call is refused.
    assert.equal((await decide(s, curriRequest({ calling: '1001', called: '0015551234567' }))).decision, 'Deny');
    await s.phoneLock.setLock({ line: { partition: 'PT_A', extension: '1001' }, reason: 'admin', locked: false, who: 't', channel: 'api' });
    assert.equal((await decide(s, ann)).decision, 'Permit');
  });

  it('a locked line still reaches emergency numbers (with and without access code, either field), internal numbers and the allow-list', async () => {
    const line = { partition: '', extension: '2001' };
    await s.phoneLock.setLock({ line, reason: 'budget', locked: true, who: 'budget', channel: 'budget' });
    try {
      const from = (called: string, cdpn?: string) => curriRequest({ calling: '2001', called, ...(cdpn ? { cdpn } : {}), device: 'SEPCCC000000003' });
      for (const called of ['911', '9911', '112', '7112', '999', '000', '110', '118']) {
        assert.equal((await decide(s, from(called))).decision, 'Permit', called);
      }
      assert.equal((await decide(s, from('12345', '911'))).decision, 'Permit', 'transformedcdpn 911');
      assert.equal((await decide(s, from('1001'))).decision, 'Permit', 'internal');
      assert.equal((await decide(s, from('5550100'))).decision, 'Permit', 'allow-list number');
      assert.equal((await decide(s, from('8001234567'))).decision, 'Permit', 'allow-list prefix');
      assert.equal((await decide(s, from('915035551234'))).decision, 'Deny');
      assert.equal((await decide(s, from('9119'))).decision, 'Deny', 'not an emergency number');
    } finally {
      await s.phoneLock.setLock({ line, reason: 'budget', locked: false, who: 'budget', channel: 'budget' });
    }
  });

  it('bad input always gets 200 + XACML with the failure decision: truncated, random, billion laughs, external entity, wrong root', async () => {
    const bodies: Array<string | Buffer> = [
      CAMEL_REQUEST.slice(0, 400),
      randomBytes(2000),
      '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><Request>&c;</Request>',
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><Request>&x;</Request>',
      '<Response/>',
      '',
      curriRequest({ called: '5551234' }), // no calling number
      curriRequest({ calling: '+1A#*', called: '#31#5551234' }), // letters, # and + in numbers
      curriRequest({ calling: '99999', called: '0015551234567', device: 'SEPUNKNOWN0001' }), // unknown line and device
    ];
    for (const b of bodies) {
      const d = await decide(s, b);
      assert.equal(d.decision, 'Permit');
    }
  });

  it('a 10 MB body gets the failure decision without being read', async () => {
    // A valid request from a locked line, padded with a comment: read whole, it would be denied.
    const line = { partition: 'PT_A', extension: '1001' };
    await s.phoneLock.setLock({ line, reason: 'admin', locked: true, who: 't', channel: 'api' });
    try {
      const xml = curriRequest({ calling: '1001', called: '0015551234567', device: 'SEPAAA000000001' });
      assert.equal((await decide(s, xml)).decision, 'Deny');
      const cut = xml.lastIndexOf('</');
      const padded = `${xml.slice(0, cut)}<!--${'a'.repeat(10 * 1024 * 1024)}-->${xml.slice(cut)}`;
      const res = await s.http().post('/curri').set(CUCM_HEADERS).send(padded);
      assert.equal(res.status, 200);
      assert.equal(decodeCurriResponse(res.text).decision, 'Permit');
    } finally {
      await s.phoneLock.setLock({ line, reason: 'admin', locked: false, who: 't', channel: 'api' });
    }
  });

  it('GET and unknown methods on the path also answer 200 + XACML', async () => {
    const res = await s.http().get('/curri').expect(200);
    assert.equal(decodeCurriResponse(res.text).decision, 'Permit');
  });

  it('fuzz: thousands of random and mutated bodies always get 200 and a valid XACML answer', { timeout: 120_000 }, async () => {
    const seeds = [CAMEL_REQUEST, DEVNET_REQUEST, curriRequest({ calling: '1001', called: '5551234', device: 'SEPAAA000000001' })];
    let rnd = 12345;
    const next = (n: number) => {
      rnd = (rnd * 1103515245 + 12345) & 0x7fffffff;
      return rnd % n;
    };
    const alphabet = '<>/="&;#x!?[]-: \n\tabcAZ09\u00e9\u0000';
    for (let i = 0; i < 3000; i++) {
      let body: string | Buffer;
      const seed = seeds[next(seeds.length)]!;
      switch (next(5)) {
        case 0:
          body = randomBytes(next(3000));
          break;
        case 1:
          body = seed.slice(0, next(seed.length));
          break;
        default: {
          const chars = seed.split('');
          for (let k = 0, n = 1 + next(20); k < n; k++) {
            const at = next(chars.length);
            const op = next(3);
            if (op === 0) chars.splice(at, 1);
            else if (op === 1) chars.splice(at, 0, alphabet[next(alphabet.length)]!);
            else chars[at] = alphabet[next(alphabet.length)]!;
          }
          body = chars.join('');
        }
      }
      const res = await s.http().post('/curri').set(CUCM_HEADERS).send(body);
      assert.equal(res.status, 200, `body ${i}`);
      const d = decodeCurriResponse(res.text);
      assert.ok(d.decision === 'Permit' || d.decision === 'Deny', `body ${i}: ${d.decision}`);
      assert.ok(d.directive === 'continue' || d.directive === 'reject');
    }
  });

  it('a user change made through the portal API reaches the very next decision (no wait for the timed directory refresh)', async () => {
    await addAccount(s.db, 'root', '1000', { level: 10 });
    const token = await apiToken(s.app, 'root');
    const bob = (await s.http().get('/api/users?q=bob').set('Authorization', `Bearer ${token}`).expect(200)).body.users[0];
    const line = { partition: 'PT_A', extension: '1001' };
    await s.phoneLock.setLock({ line, reason: 'admin', locked: true, who: 't', channel: 'api' });
    try {
      const fromNewPhone = curriRequest({ calling: '1001', called: '0015551234567', device: 'SEPDDD000000004' });
      // Unknown device: 1001 is locked in PT_A, so the call is refused.
      assert.equal((await decide(s, fromNewPhone)).decision, 'Deny');
      // The phone becomes bob's (PT_B, not locked): allowed at once.
      await s.http().patch(`/api/users/${bob.id}`).set('Authorization', `Bearer ${token}`).send({ devices: ['SEPBBB000000002', 'SEPDDD000000004'] }).expect(200);
      assert.equal((await decide(s, fromNewPhone)).decision, 'Permit');
      // A new user with the phone in PT_A (locked): refused at once.
      await s.http().patch(`/api/users/${bob.id}`).set('Authorization', `Bearer ${token}`).send({ devices: ['SEPBBB000000002'] }).expect(200);
      const created = await s.http().post('/api/users').set('Authorization', `Bearer ${token}`)
        .send({ username: 'dora', extension: '1001', partition: 'PT_A', devices: ['SEPDDD000000004'] }).expect(201);
      assert.equal(s.phoneLock.device('SEPDDD000000004')?.owner.username, 'dora');
      assert.equal((await decide(s, fromNewPhone)).decision, 'Deny');
      // Deleted: the device is unknown again.
      await s.http().delete(`/api/users/${created.body.id}`).set('Authorization', `Bearer ${token}`).expect(204);
      assert.equal(s.phoneLock.device('SEPDDD000000004'), undefined);
    } finally {
      await s.phoneLock.setLock({ line, reason: 'admin', locked: false, who: 't', channel: 'api' });
    }
  });

  it('counts decisions and latency on /metrics', async () => {
    const value = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}+.]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    const before = (await s.http().get('/metrics').expect(200)).text;
    await decide(s, CAMEL_REQUEST);
    await decide(s, DEVNET_REQUEST);
    await decide(s, '<Request');
    const res = await s.http().get('/metrics').expect(200);
    const delta = (series: string) => value(res.text, series) - value(before, series);
    assert.equal(delta('tollgate_curri_decisions_total{decision="continue",why="not-locked"}'), 2);
    assert.equal(delta('tollgate_curri_decisions_total{decision="continue",why="failure"}'), 1);
    assert.equal(delta('tollgate_curri_decision_seconds_count{decision="continue"}'), 3);
    assert.equal(delta('tollgate_curri_decision_seconds_bucket{le="+Inf",decision="continue"}'), 3);
    // Read twice, the counters do not move (they are added once, when read).
    assert.equal(value((await s.http().get('/metrics').expect(200)).text, 'tollgate_curri_decisions_total{decision="continue",why="not-locked"}'), value(res.text, 'tollgate_curri_decisions_total{decision="continue",why="not-locked"}'));
    assert.match(res.text, /tollgate_curri_decisions_total\{decision="continue",why="not-locked"\} \d+/);
    assert.match(res.text, /tollgate_curri_decisions_total\{decision="continue",why="failure"\} \d+/);
    assert.match(res.text, /tollgate_curri_decisions_total\{decision="reject",why="locked"\} \d+/);
    assert.match(res.text, /tollgate_curri_decision_seconds_bucket\{le="0.005",decision="continue"\} \d+/);
  });
});

describe('CURRI endpoint options', () => {
  it('a configured path, the reject failure decision and the CUCM node allow-list', async () => {
    const s = await setupLock('sqlite', { TOLLGATE_CURRI_PATH: '/pdp/AuthorizationEndPoint', TOLLGATE_CURRI_FAILURE_DECISION: 'reject', TOLLGATE_CURRI_ALLOWED_NODES: '10.1.1.1' });
    try {
      // supertest connects from 127.0.0.1, which is not a CUCM node here.
      await s.http().post('/pdp/AuthorizationEndPoint').send(CAMEL_REQUEST).expect(403);
    } finally {
      await s.close();
    }
    const s2 = await setupLock('sqlite', { TOLLGATE_CURRI_PATH: '/pdp/AuthorizationEndPoint', TOLLGATE_CURRI_FAILURE_DECISION: 'reject', TOLLGATE_CURRI_ALLOWED_NODES: '10.1.1.1,127.0.0.1' });
    try {
      assert.equal((await decide(s2, 'not xml', '/pdp/AuthorizationEndPoint')).decision, 'Deny');
      assert.equal((await decide(s2, CAMEL_REQUEST, '/pdp/AuthorizationEndPoint')).decision, 'Permit');
    } finally {
      await s2.close();
    }
  });
});

describe('CURRI in front of Koa (the server\'s listener)', () => {
  it('decides on a real socket; a client that drops mid-body is logged, not decided, and the server goes on', async () => {
    const lines: string[] = [];
    const s = await setupLock('sqlite', {}, { log: pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }) });
    const server = http.createServer(requestListener(s.app));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const socket = net.connect(port, '127.0.0.1');
      await once(socket, 'connect');
      socket.write('POST /curri HTTP/1.1\r\nHost: t\r\nContent-Type: text/xml\r\nContent-Length: 5000\r\n\r\n<Request><Subject>');
      await delay(50);
      socket.destroy();
      for (let i = 0; i < 100 && !lines.some((l) => l.includes('CURRI request not decided')); i++) await delay(20);
      assert.ok(lines.some((l) => l.includes('CURRI request not decided')), lines.join(''));
      const res = await fetch(`http://127.0.0.1:${port}/curri`, { method: 'POST', headers: CUCM_HEADERS, body: CAMEL_REQUEST });
      assert.equal(res.status, 200);
      assert.equal(decodeCurriResponse(await res.text()).decision, 'Permit');
      // Two chunks: the body is put together before it is read (a locked line: Deny only if it was).
      await s.phoneLock.setLock({ line: { partition: 'PT_A', extension: '1001' }, reason: 'admin', locked: true, who: 't', channel: 'api' });
      const body = curriRequest({ calling: '1001', called: '0015551234567', device: 'SEPAAA000000001' });
      const split = http.request({ host: '127.0.0.1', port, path: '/curri', method: 'POST', headers: { ...CUCM_HEADERS, 'Content-Length': Buffer.byteLength(body) } });
      split.write(body.slice(0, 300));
      await delay(30);
      split.end(body.slice(300));
      const [answer] = (await once(split, 'response')) as [http.IncomingMessage];
      let text = '';
      for await (const c of answer) text += c;
      assert.equal(decodeCurriResponse(text).decision, 'Deny');
    } finally {
      server.close();
      await s.close();
    }
  });
});
