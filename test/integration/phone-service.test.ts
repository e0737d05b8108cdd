import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { REDACT_PATHS } from '../../src/logger.js';
import { setupLock, TOKEN } from '../support/lock.js';

type Setup = Awaited<ReturnType<typeof setupLock>>;

const ANN = 'SEPAAA000000001';

function tag(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))].map((m) => m[1]!);
}

describe('Cisco IP Phone service', () => {
  let s: Setup;
  const logged: string[] = [];
  before(async () => {
    const sink = new Writable({ write(chunk, _enc, done) { logged.push(String(chunk)); done(); } });
    const log = pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
    s = await setupLock('sqlite', { TOLLGATE_PIN_MAX_FAILURES: '3', TOLLGATE_PIN_DEVICE_ATTEMPTS_PER_MINUTE: '4' }, { log });
    for (const [username, pin] of [['ann', '4711'], ['bob', '1234']]) {
      await s.http().put(`/api/v1/users/${username}/pin`).set('Authorization', `Bearer ${TOKEN}`).send({ pin }).expect(200);
    }
  });
  after(async () => s.close());

  const get = (path: string) => s.http().get(path).expect(200);

  it('the entry menu: status, lock, unlock, change PIN, as text/xml with a charset', async () => {
    const res = await get(`/phone/?device=${ANN}`);
    assert.equal(res.headers['content-type'], 'text/xml; charset=utf-8');
    assert.match(res.text, /^<\?xml version="1.0" encoding="UTF-8"\?><CiscoIPPhoneMenu>/);
    assert.deepEqual(tag(res.text, 'Name').slice(0, 4), ['Status', 'Lock line', 'Unlock line', 'Change PIN']);
    assert.deepEqual(tag(res.text, 'Prompt'), ['Line 1001: unlocked']);
    assert.match(tag(res.text, 'URL')[1]!, /^http:\/\/127\.0\.0\.1:\d+\/phone\/lock\?device=SEPAAA000000001$/);
  });

  it('unknown devices and bad parameters get CiscoIPPhoneText, never HTML or JSON', async () => {
    for (const path of ['/phone/?device=SEP999999999999', '/phone/', '/phone/status?device=%3Cx%3E', `/phone/nothing?device=${ANN}`, '/phone']) {
      const res = await get(path);
      assert.match(res.text, /<CiscoIPPhoneText>/, path);
      assert.equal(res.headers['content-type'], 'text/xml; charset=utf-8');
    }
  });

  it('lock asks for the PIN (NP, expired page); the right PIN locks, the status says why; unlock clears only the user lock', async () => {
    const input = await get(`/phone/lock?device=${ANN}`);
    assert.match(input.text, /<CiscoIPPhoneInput>/);
    assert.match(input.text, /<InputFlags>NP<\/InputFlags>/);
    assert.equal(input.headers.expires, 'Thu, 01 Jan 1970 00:00:00 GMT');
    const locked = await get(`/phone/lock/submit?device=${ANN}&pin=4711`);
    assert.match(tag(locked.text, 'Text')[0]!, /LOCKED: by you/);
    assert.deepEqual(s.phoneLock.locks.reasons({ partition: 'PT_A', extension: '1001' }), ['user']);
    await s.phoneLock.setLock({ line: { partition: 'PT_A', extension: '1001' }, reason: 'admin', locked: true, who: 'boss', channel: 'web' });
    const status = await get(`/phone/status?device=${ANN}`);
    assert.match(tag(status.text, 'Text')[0]!, /LOCKED: by you, by the administrator/);
    const unlocked = await get(`/phone/unlock/submit?device=${ANN}&pin=4711`);
    assert.match(tag(unlocked.text, 'Text')[0]!, /LOCKED: by the administrator/, 'a user cannot clear an admin lock');
    await s.phoneLock.setLock({ line: { partition: 'PT_A', extension: '1001' }, reason: 'admin', locked: false, who: 'boss', channel: 'web' });
    const history = await s.http().get('/api/v1/lines/1001/history?partition=PT_A').set('Authorization', `Bearer ${TOKEN}`).expect(200);
    assert.deepEqual(
      history.body.history.map((h: { reason: string; locked: boolean; channel: string; who: string }) => `${h.locked ? 'on' : 'off'} ${h.reason} ${h.channel} ${h.who}`),
      ['off admin web boss', 'off user phone ann', 'on admin web boss', 'on user phone ann'],
    );
  });

  it('wrong PINs: throttled per device, and the user is blocked after N failures (recorded)', async () => {
    const BOB = 'SEPBBB000000002';
    const texts: string[] = [];
    for (let i = 0; i < 3; i++) texts.push(tag((await get(`/phone/lock/submit?device=${BOB}&pin=000${i}`)).text, 'Text')[0]!);
    assert.match(texts[0]!, /Wrong PIN/);
    assert.match(texts[1]!, /Wrong PIN/);
    assert.match(texts[2]!, /blocked/);
    // Blocked: even the right PIN is refused.
    assert.match(tag((await get(`/phone/lock/submit?device=${BOB}&pin=1234`)).text, 'Text')[0]!, /blocked/);
    // The device is over its 4 attempts a minute.
    assert.match(tag((await get(`/phone/lock/submit?device=${BOB}&pin=1234`)).text, 'Text')[0]!, /Too many attempts from this phone/);
    assert.deepEqual(s.phoneLock.locks.reasons({ partition: 'PT_B', extension: '1001' }), []);
    const events = await s.db('pin_events').where({ event: 'blocked' }).select('device', 'channel');
    assert.deepEqual(events, [{ device: BOB, channel: 'phone' }]);
    // An administrator's reset lifts the block.
    await s.http().put('/api/v1/users/bob/pin').set('Authorization', `Bearer ${TOKEN}`).send({ pin: '2222' }).expect(200, { username: 'bob', pin: 'reset' });
  });

  it('change PIN needs the old one and the new one twice', async () => {
    const CARL = 'SEPCCC000000003';
    assert.match(tag((await get(`/phone/lock/submit?device=${CARL}&pin=1111`)).text, 'Text')[0]!, /no PIN yet/);
    await s.http().put('/api/v1/users/carl/pin').set('Authorization', `Bearer ${TOKEN}`).send({ pin: '1111' }).expect(200, { username: 'carl', pin: 'set' });
    const form = await get(`/phone/pin?device=${CARL}`);
    assert.deepEqual(tag(form.text, 'QueryStringParam'), ['old', 'new', 'repeat']);
    assert.match(tag((await get(`/phone/pin/submit?device=${CARL}&old=1111&new=2222&repeat=3333`)).text, 'Text')[0]!, /differ/);
    assert.match(tag((await get(`/phone/pin/submit?device=${CARL}&old=1111&new=22&repeat=22`)).text, 'Text')[0]!, /4 digits/);
    assert.match(tag((await get(`/phone/pin/submit?device=${CARL}&old=9999&new=2222&repeat=2222`)).text, 'Text')[0]!, /Wrong PIN/);
    assert.match(tag((await get(`/phone/pin/submit?device=${CARL}&old=1111&new=2222&repeat=2222`)).text, 'Text')[0]!, /changed/);
    assert.match(tag((await get(`/phone/lock/submit?device=${CARL}&pin=2222`)).text, 'Text')[0]!, /LOCKED/);
  });

  it('PINs never appear in the logs', () => {
    const all = logged.join('');
    assert.ok(all.includes('"path":"/phone/lock/submit"'), 'requests are logged');
    assert.doesNotMatch(all, /[?&](pin|old|new|repeat)=/, 'no query string in the log');
    assert.doesNotMatch(all, /"(pin|old|new|repeat)":/, 'no PIN field in the log');
    for (const pin of ['4711', '2222', '0001', '0002']) assert.ok(!all.includes(`"${pin}"`) && !all.includes(`=${pin}`), `PIN ${pin} in the log`);
  });
});
