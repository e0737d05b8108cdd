import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { classifyCdr, guessTrunk, stripAccessCode, type SiteContext, type SiteUser } from '../../src/billing/classify-call.js';
import { layoutFromFieldCount, layoutFromHeader, makeDecoder, splitLine } from '../../src/billing/parse-cdr.js';
import { globToRegExp } from '../../src/billing/site-context.js';

const S1 = readFileSync(new URL('../../../shared/fixtures/cucm/cdr_cucmOHSUtest_02_202504181632_101', import.meta.url), 'utf8').split('\n');
const S2 = readFileSync(new URL('../fixtures/cdr/good/cdr_StandAloneCluster_01_201811072218_1001', import.meta.url), 'utf8').split('\n')[0]!;
const S3 = readFileSync(new URL('../fixtures/cdr/good/cdr_NASA-ARC-UC-cluster_02_201605010946_2001', import.meta.url), 'utf8').split('\r\n');
const d12 = makeDecoder(layoutFromHeader(splitLine(S1[0]!)));
const d11 = makeDecoder(layoutFromFieldCount(129)!);
const d10 = makeDecoder(layoutFromFieldCount(123)!);

/** A site context from plain data (what loadSiteContext builds from the database). */
function ctx(over: Partial<SiteContext> & { lines?: Record<string, SiteUser>; devices?: Record<string, SiteUser>; gateways?: string[] } = {}): SiteContext {
  const lines = over.lines ?? {};
  const gws = (over.gateways ?? []).map(globToRegExp);
  return {
    siteId: 1, driver: 'cucm', importInternal: true, autoAcquire: false, accessCodes: ['7', '9'],
    gatewaysConfigured: gws.length > 0,
    gatewayFor: (d) => (gws.some((re) => re.test(d)) ? { name: d, tariff: null } : undefined),
    userByLine: (p, l) => lines[l] ?? lines[`${p}.${l}`],
    userByDevice: (d) => over.devices?.[d],
    ...over,
  };
}
const u = (id: number, billing = true): SiteUser => ({ id, billing });

describe('classifyCdr on real rows', () => {
  it('S3: outgoing through an MGCP gateway, access code 7 stripped', () => {
    const r = classifyCdr(d10.decode(S3[0]!), ctx({ lines: { '46710': u(1) } }));
    assert.equal(r.discards.length, 0);
    const c = r.calls[0]!;
    assert.equal(c.direction, 'outgoing');
    assert.equal(c.extension, '46710');
    assert.equal(c.userId, 1);
    assert.equal(c.remoteNumber, '12569614000');
    assert.equal(c.dialedNumber, '712569614000');
    assert.equal(c.gateway, 'S0/SU0/DS1-3@ar-vg-n263-101-pr-f02-20.arc.nasa.gov');
    assert.equal(c.answered, true);
    assert.equal(c.durationS, 163);
    assert.equal(c.ringS, 11);
  });
  it('S3: incoming from the PSTN to a phone', () => {
    const c = classifyCdr(d10.decode(S3[1]!), ctx({ lines: { '47640': u(2) } })).calls[0]!;
    assert.equal(c.direction, 'incoming');
    assert.equal(c.extension, '47640');
    assert.equal(c.remoteNumber, '6506041622');
    assert.equal(c.gateway, 'S0/SU0/DS1-1@ar-vg-n263-101-pr-f02-16.arc.nasa.gov');
  });
  it('S3: tandem (PSTN routed straight back out) is kept without an extension', () => {
    const c = classifyCdr(d10.decode(S3[2]!), ctx()).calls[0]!;
    assert.equal(c.direction, 'tandem');
    assert.equal(c.userId, null);
    assert.equal(c.remoteNumber, '18776772123');
  });
  it('S3: the original leg of a transfer is flagged (cause 393216)', () => {
    const c = classifyCdr(d10.decode(S3[3]!), ctx({ lines: { '6506040013': u(3), '45000': u(3) } })).calls[0]!;
    assert.equal(c.direction, 'incoming');
    assert.equal(c.transferred, true);
  });
  it('S2: H.323 gateway named by IP address is a gateway; unanswered incoming', () => {
    const c = classifyCdr(d11.decode(S2), ctx({ lines: { '3333': u(4) } })).calls[0]!;
    assert.equal(c.direction, 'incoming');
    assert.equal(c.answered, false);
    assert.equal(c.ringS, 0);
    assert.equal(c.gateway, '10.141.71.238');
  });
  it('S1: recording legs are discarded with their reason, the call is internal for both parties', () => {
    assert.equal(classifyCdr(d12.decode(S1[2]!), ctx()).discards[0]!.reason, 'recording-leg');
    assert.equal(classifyCdr(d12.decode(S1[3]!), ctx()).discards[0]!.reason, 'recording-leg');
    const r = classifyCdr(d12.decode(S1[4]!), ctx({ lines: { '5033466594': u(5), '5033466593': u(6) } }));
    assert.deepEqual(r.calls.map((c) => [c.party, c.extension, c.userId, c.remoteNumber]), [
      [0, '5033466594', 5, '5033466593'],
      [1, '5033466593', 6, '5033466594'],
    ]);
  });
});

describe('classifyCdr rules', () => {
  const row = d12.decode(S1[4]!);
  it('an unknown extension is discarded per party, naming the extension', () => {
    const r = classifyCdr(row, ctx({ lines: { '5033466594': u(5) } }));
    assert.equal(r.calls.length, 1);
    assert.deepEqual(r.discards.map((d) => [d.party, d.reason, d.extension]), [[1, 'extension-not-configured', '5033466593']]);
  });
  it('automatic acquisition keeps the call with no user yet', () => {
    const r = classifyCdr(row, ctx({ autoAcquire: true }));
    assert.equal(r.calls.length, 2);
    assert.ok(r.calls.every((c) => c.userId === null));
  });
  it('billing disabled for an extension discards its calls', () => {
    const r = classifyCdr(row, ctx({ lines: { '5033466594': u(5, false), '5033466593': u(6) } }));
    assert.equal(r.discards[0]!.reason, 'billing-disabled');
  });
  it('internal calls are discarded once (not per party) when the site does not import them', () => {
    const r = classifyCdr(row, ctx({ importInternal: false }));
    assert.deepEqual(r.discards.map((d) => d.reason), ['internal-not-imported']);
  });
  it('the partition driver names extensions <partition>.<line>', () => {
    const r = classifyCdr(row, ctx({ driver: 'cucm-partition', lines: { 'OnNet.5033466594': u(5), 'OnNet.5033466593': u(6) } }));
    assert.equal(r.calls[0]!.extension, 'OnNet.5033466594');
  });
  it('a user is also found by device name', () => {
    const r = classifyCdr(row, ctx({ devices: { SEPCC7F750586B7: u(9) }, lines: { '5033466593': u(6) } }));
    assert.equal(r.calls[0]!.userId, 9);
  });
  it('configured gateways replace the heuristics', () => {
    const out = d12.decode(S1[4]!.replace('"SEPCC8E7148AD29"', '"PSTN-Trunk-1"'));
    assert.equal(classifyCdr(out, ctx({ lines: { '5033466594': u(5) } })).calls[0]!.direction, 'outgoing');
    // with a configured list that does not name it, PSTN-Trunk-1 is not a gateway
    const r = classifyCdr(out, ctx({ gateways: ['SIP-*'], lines: { '5033466594': u(5), '5033466593': u(6) } }));
    assert.equal(r.calls[0]!.direction, 'internal');
  });
  it('a non-CDR record is discarded', () => {
    const cmr = { ...row, recordType: 2 };
    assert.equal(classifyCdr(cmr, ctx()).discards[0]!.reason, 'not-a-cdr');
  });
  it('an abandoned off-hook (no number, no destination) cannot be recognised', () => {
    const r = classifyCdr({ ...row, finalCalled: '', originalCalled: '', destDevice: '' }, ctx());
    assert.equal(r.discards[0]!.reason, 'unknown-call-type');
  });
  it('an unanswered call to a long number that reached no device is an outgoing attempt', () => {
    const r = classifyCdr({ ...row, finalCalled: '914155550123', destDevice: '', connect: 0, duration: 0 }, ctx({ lines: { '5033466594': u(5) } }));
    assert.equal(r.calls[0]!.direction, 'outgoing');
    assert.equal(r.calls[0]!.remoteNumber, '14155550123');
    assert.equal(r.calls[0]!.answered, false);
  });
  it('a tandem call forwarded by a known line is billed to it as outgoing', () => {
    const fwd = { ...row, origDevice: 'SIP-Carrier-A', destDevice: 'SIP-Carrier-A', callingPartition: '', lastRedirectDn: '2001', finalCalled: '915551234567' };
    const c = classifyCdr(fwd, ctx({ lines: { '2001': u(7) } })).calls[0]!;
    assert.equal(c.direction, 'outgoing');
    assert.equal(c.extension, '2001');
    assert.equal(c.redirected, true);
    assert.equal(c.remoteNumber, '15551234567');
  });
  it("an outside party's leg into a conference bridge goes to the conference controller", () => {
    const leg = { ...row, origDevice: 'SIP-Carrier-A', callingPartition: '', callingNumber: '14155550123', finalCalled: 'b0019901001', destDevice: 'CFB_2', comment: 'ConfControllerDn=5033466594;ConfControllerDeviceName=SEPCC7F750586B7', joinOnBehalfOf: 4 };
    const c = classifyCdr(leg, ctx({ lines: { '5033466594': u(5) } })).calls[0]!;
    assert.deepEqual([c.direction, c.extension, c.userId, c.conference, c.remoteNumber], ['incoming', '5033466594', 5, true, '14155550123']);
    const orphan = classifyCdr({ ...leg, comment: '' }, ctx());
    assert.equal(orphan.discards[0]!.reason, 'unknown-call-type');
  });
  it('account code: client matter code first, then the FAC description', () => {
    assert.equal(classifyCdr({ ...row, clientMatterCode: '11111', authCodeDescription: 'Legal1' }, ctx({ autoAcquire: true })).calls[0]!.accountCode, '11111');
    assert.equal(classifyCdr({ ...row, authCodeDescription: 'Legal1' }, ctx({ autoAcquire: true })).calls[0]!.accountCode, 'Legal1');
  });
});

describe('helpers', () => {
  it('guesses gateways and trunks from device names', () => {
    assert.ok(guessTrunk('S0/SU0/DS1-1@gw1', false));
    assert.ok(guessTrunk('10.1.2.3', false));
    assert.ok(guessTrunk('SIP-TRUNK-PSTN', false));
    assert.ok(!guessTrunk('SEPCC7F750586B7', true));
    assert.ok(!guessTrunk('CSFJDOE', true));
    assert.ok(!guessTrunk('CFB_2', true));
    assert.ok(guessTrunk('Carrier_Two', false));
    assert.ok(guessTrunk('UnknownBox', true), 'a non-phone with an empty calling partition came from outside');
    assert.ok(!guessTrunk('UnknownBox', false));
  });
  it('strips the longest access code only from long numbers', () => {
    assert.equal(stripAccessCode('90114420', ['90', '9']), '114420');
    assert.equal(stripAccessCode('91234', ['9']), '91234');
    assert.equal(stripAccessCode('5551234', ['9']), '5551234');
  });
});

describe('call batches (the insert format)', () => {
  it('buffers handed back are built in again, whatever they held', async () => {
    const { BufferPool, CallBatchBuilder, CodeTable, copyBytesOf, copyCall, copyTextOf, fromWire } = await import('../../src/db/call-batch.js');
    const { addCall } = await import('../../src/billing/parse-file.js');
    const row = d10.decode(S3[0]!);
    const call = classifyCdr(row, ctx({ lines: { '46710': u(1) } })).calls[0]!;
    const pool = new BufferPool(4);
    const junk = new ArrayBuffer(1 << 20);
    new Uint8Array(junk).fill(0xab);
    pool.give(junk);
    const b = new CallBatchBuilder(4, undefined, pool);
    for (let i = 0; i < 3; i++) addCall(b, row, call, 1, 1, i, 'X', null);
    const batch = b.build();
    assert.equal(batch.nums.buffer, junk, 'the handed-back buffer was taken');
    const fresh = new CallBatchBuilder(4);
    for (let i = 0; i < 3; i++) addCall(fresh, row, call, 1, 1, i, 'X', null);
    const want = fresh.build();
    const got: unknown[] = [];
    const exp: unknown[] = [];
    for (let r = 0; r < 3; r++) {
      copyCall(batch, r, got, got.length);
      copyCall(want, r, exp, exp.length);
    }
    assert.deepEqual(got, exp);
    const copyJunk = new ArrayBuffer(1 << 16);
    new Uint8Array(copyJunk).fill(0x41);
    pool.give(copyJunk);
    const bytes = copyBytesOf(batch, pool);
    assert.equal(bytes.buffer, copyJunk);
    assert.equal(Buffer.from(bytes).toString('utf8'), copyTextOf(want));
    // Through the wire too.
    assert.deepEqual(fromWire(b.wire(), new CodeTable()).nums, want.nums);
    assert.equal(pool.take(1), undefined, 'both buffers in use');
  });

  it("COPY text as bytes equals the text: escapes, nulls, non-ASCII, more than the first guess of room", async () => {
    const { CallBatchBuilder, copyBytesOf, copyTextOf } = await import('../../src/db/call-batch.js');
    const { addCall } = await import('../../src/billing/parse-file.js');
    const row = d10.decode(S3[0]!);
    const call = classifyCdr(row, ctx({ lines: { '46710': u(1) } })).calls[0]!;
    const b = new CallBatchBuilder(4);
    addCall(b, { ...row, lastRedirectDn: 'tab\there\\back\nline' }, call, 1, 1, 1, 'X', null);
    addCall(b, row, { ...call, userId: null, accountCode: 'Zürich-€-𝄞' }, 1, 1, 2, 'X', null);
    // A value long enough that the buffer must grow (its first guess is 320 bytes a call).
    addCall(b, { ...row, lastRedirectDn: 'é'.repeat(5000) }, call, 1, 1, 3, 'X', null);
    const batch = b.build();
    const text = copyTextOf(batch);
    assert.match(text, /tab\\there\\\\back\\nline/);
    assert.match(text, /\t\\N\t/);
    assert.equal(Buffer.from(copyBytesOf(batch)).toString('utf8'), text);
    assert.equal(copyBytesOf(new CallBatchBuilder().build()).length, 0);
  });

  it('coded columns travel as a dictionary that grows by batch and starts afresh when full', async () => {
    const { CallBatchBuilder, CodeTable, copyCall, fromWire, MAX_CODES, TextCodes, BATCH_COLUMNS } = await import('../../src/db/call-batch.js');
    const { addCall } = await import('../../src/billing/parse-file.js');
    const row = d10.decode(S3[0]!);
    const call = classifyCdr(row, ctx({ lines: { '46710': u(1) } })).calls[0]!;
    const codes = new TextCodes();
    const table = new CodeTable();
    const at = BATCH_COLUMNS.indexOf('partition');
    const ext = BATCH_COLUMNS.indexOf('extension');
    // Batch 1 holds two partitions; batch 2 repeats one and adds one; then the dictionary is
    // filled past its limit, and batch 4 starts it afresh.
    const batches: Array<InstanceType<typeof CallBatchBuilder>> = [];
    const add = (b: InstanceType<typeof CallBatchBuilder>, partition: string, extension = call.extension) =>
      addCall(b, row, { ...call, partition, extension }, 1, 1, 1, 'X', null);
    // As the parser does: the next batch's builder is made, then the batch before is sent.
    const wires: Array<ReturnType<InstanceType<typeof CallBatchBuilder>['wire']>> = [];
    let b = new CallBatchBuilder(4, codes);
    const next = () => {
      const done = b;
      b = new CallBatchBuilder(4, codes);
      batches.push(done);
      wires.push(done.wire());
    };
    add(b, 'P1');
    add(b, 'P2');
    next();
    add(b, 'P2');
    add(b, 'P3');
    next();
    for (let i = 0; i < MAX_CODES; i++) add(b, 'P3', `x${i}`);
    next();
    // The same partition as the call before: its code must be the new dictionary's.
    add(b, 'P3');
    add(b, 'P4');
    add(b, 'P1');
    next();
    assert.deepEqual(wires.map((w) => w.codes.reset), [false, false, false, true]);
    assert.ok(wires[1]!.codes.added.includes('P3') && !wires[1]!.codes.added.includes('P2'), 'only new values travel');
    assert.ok(wires[3]!.codes.added.includes('P1') && wires[3]!.codes.added.includes('P3'), 'after a fresh start, old values travel again');
    const got: unknown[][] = [];
    for (const [i, w] of wires.entries()) {
      const batch = fromWire(w, table);
      // Built in this thread (no wire), a batch keeps the values its codes refer to.
      const local = batches[i]!.build();
      for (let r = 0; r < batch.count; r++) {
        const out: unknown[] = [];
        const here: unknown[] = [];
        copyCall(batch, r, out, 0);
        copyCall(local, r, here, 0);
        assert.deepEqual(out, here);
        if (i !== 2 || r === 0 || r === batch.count - 1) got.push([out[at], out[ext]]);
      }
    }
    // A delta applied out of step is refused (it would store wrong texts).
    assert.throws(() => fromWire(wires[1]!, new CodeTable()), /dictionary out of step/);
    assert.deepEqual(got, [
      ['P1', call.extension], ['P2', call.extension], ['P2', call.extension], ['P3', call.extension],
      ['P3', 'x0'], ['P3', `x${MAX_CODES - 1}`], ['P3', call.extension], ['P4', call.extension], ['P1', call.extension],
    ]);
  });

  it('eachCall gives every call of a batch as copyCall does, received or built, across its decoding chunks', async () => {
    const { CallBatchBuilder, CodeTable, copyCall, eachCall, fromWire } = await import('../../src/db/call-batch.js');
    const { addCall } = await import('../../src/billing/parse-file.js');
    const row = d10.decode(S3[0]!);
    const call = classifyCdr(row, ctx({ lines: { '46710': u(1) } })).calls[0]!;
    const build = (unusual: boolean) => {
      const b = new CallBatchBuilder(8);
      // 101 calls: three full chunks of 32 and a short one; empty, null-ish and non-ASCII texts.
      for (let i = 0; i < 101; i++) {
        const texts = i % 7 === 0 ? { lastRedirectDn: '' } : i % 5 === 0 ? { lastRedirectDn: `Zürich-€-𝄞-${i}` } : { lastRedirectDn: `${i}` };
        addCall(b, { ...row, ...texts, pkid: `pk-${i}` }, { ...call, accountCode: i % 3 === 0 ? '' : `ac${i}` }, 1, 1, i, 'X', null);
        if (i % 10 === 9) b.seal();
      }
      if (unusual) {
        b.markUnusualText();
        addCall(b, { ...row, lastRedirectDn: 'a\u001fb', pkid: 'odd' }, call, 1, 1, 101, 'X', null);
      }
      return b;
    };
    for (const unusual of [false, true]) {
      for (const emptyAsNull of [false, true]) {
        const local = build(unusual).build();
        const want: unknown[][] = [];
        for (let r = 0; r < local.count; r++) {
          const out: unknown[] = [];
          copyCall(local, r, out, 0, emptyAsNull);
          want.push(out);
        }
        for (const batch of [local, fromWire(build(unusual).wire(), new CodeTable())]) {
          const got: unknown[][] = [];
          eachCall(batch, emptyAsNull, (values) => got.push([...values]));
          assert.deepEqual(got, want, `unusual ${unusual}, emptyAsNull ${emptyAsNull}, ${batch === local ? 'built' : 'received'}`);
          // For SQLite: the coded texts as their UTF-8 bytes, everything else the same.
          const bytes: unknown[][] = [];
          let buffers = 0;
          eachCall(batch, emptyAsNull, (values) => bytes.push(values.map((v) => (Buffer.isBuffer(v) ? (buffers++, v.toString('utf8')) : v))), { codesAsUtf8: true });
          assert.deepEqual(bytes, want);
          assert.ok(buffers >= local.count * 3, 'cluster id, direction and extension, at least, as bytes');
        }
        assert.equal(fromWire(build(unusual).wire(), new CodeTable()).joined === undefined, unusual, 'JSON batches have no joined bytes');
      }
    }
    const none: unknown[] = [];
    eachCall(fromWire(new CallBatchBuilder().wire(), new CodeTable()), true, (v) => none.push(v));
    assert.equal(none.length, 0);
  });

  it('addCall writes every stored column under its name; the wire form round-trips', async () => {
    const { addCall } = await import('../../src/billing/parse-file.js');
    const { BATCH_COLUMNS, CallBatchBuilder, CodeTable, copyCall, fromWire } = await import('../../src/db/call-batch.js');
    const { CALL_COLUMNS } = await import('../../src/db/tables.js');
    assert.deepEqual([...BATCH_COLUMNS].sort(), [...CALL_COLUMNS].sort());
    const row = d10.decode(S3[0]!);
    const call = classifyCdr(row, ctx({ lines: { '46710': u(1) } })).calls[0]!;
    const odd = { ...row, lastRedirectDn: 'a\u001fb' };
    const b = new CallBatchBuilder();
    addCall(b, row, call, 3, 4, 5, 'X', null);
    addCall(b, odd, { ...call, userId: null }, 3, 4, 6, 'X', null);
    b.markUnusualText();
    // S3 line 1: outgoing from 46710 through gateway DS1-3, global call id 2/305541, legs 36921480 -> 36921481
    const first: Record<string, unknown> = {
      site_id: 3, cluster_id: 'NASA-ARC-UC-cluster', gcid: 2 * 16777216 + 305541, pkid: '3f23e3ca-9fe4-4507-9e9b-7cb7d40b3c7a',
      party: 0, direction: 'outgoing', answered: 1, start_at: 1462095972, ring_s: 11, duration_s: 163, extension: '46710',
      partition: 'PT-ARC', user_id: 1, remote_number: '12569614000', dialed_number: '712569614000',
      gateway: 'S0/SU0/DS1-3@ar-vg-n263-101-pr-f02-20.arc.nasa.gov', destination_type: 'external', account_code: '',
      orig_cause: 16, dest_cause: 0, last_redirect_dn: '712569614000', redirected: 0, transferred: 0, conference: 0,
      trunk_leg: 36921481, cost: null, currency: null, cdr_file_id: 4, cdr_line: 5,
      nation: '', area: '', carrier: '', tariff_code: '', cost_center: '', account_name: '',
    };
    const expected = [first, { ...first, user_id: null, last_redirect_dn: 'a\u001fb', cdr_line: 6 }].map((e) => BATCH_COLUMNS.map((c) => e[c]));
    for (const batch of [b.build(), fromWire(b.wire(), new CodeTable())]) {
      const got = [0, 1].map((i) => {
        const out: unknown[] = [];
        copyCall(batch, i, out, 0);
        return out;
      });
      assert.deepEqual(got, expected);
    }
    const plain = new CallBatchBuilder();
    addCall(plain, row, call, 3, 4, 5, 'X', null);
    assert.equal(plain.wire().json, false);
    const back: unknown[] = [];
    copyCall(fromWire(plain.wire(), new CodeTable()), 0, back, 0);
    assert.deepEqual(back, expected[0]);
    assert.equal(fromWire(new CallBatchBuilder().wire(), new CodeTable()).count, 0);
    // For SQLite's insert, empty NOT NULL texts go out as null (the statement makes them '' again);
    // the nullable currency keeps its null, the numbers their values.
    const nulls: unknown[] = [];
    copyCall(plain.build(), 0, nulls, 0, true);
    BATCH_COLUMNS.forEach((c, i) => {
      const want = expected[0]![i] === '' ? null : expected[0]![i];
      assert.deepEqual(nulls[i], want, c);
    });
  });
});
