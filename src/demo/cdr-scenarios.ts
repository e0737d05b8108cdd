import { CAUSE, ON_BEHALF_OF, REDIRECT_REASON } from '../billing/cucm-codes.js';
import { leg, media, phone, talkTime, trunk, twoPhones, type CallContext } from './cdr-calls.js';
import { F, type CdrRecord } from './cdr-record.js';
import type { DialledNumber } from './dial-plan.js';

/**
 * The kinds of generated calls and the CDR records CUCM writes for each: plain outgoing, incoming
 * and internal calls, unanswered and busy ones, transfers (3 records), forwards, conferences and
 * recorded calls (cucm-cdr.md §4.4).
 */

/** Relative weights of the call kinds (they need not add up to 100). */
export interface CallMix {
  outgoing: number;
  incoming: number;
  internal: number;
  unanswered: number;
  transfer: number;
  forward: number;
  conference: number;
  recording: number;
}

export const DEFAULT_MIX: Readonly<CallMix> = {
  outgoing: 45, incoming: 30, internal: 15, unanswered: 5, transfer: 1.5, forward: 2, conference: 0.5, recording: 1,
};

const { NORMAL, BUSY, UNALLOCATED, CALL_SPLIT: SPLIT } = CAUSE;
const { TRANSFER, CONFERENCE, FORWARD, RECORDING } = ON_BEHALF_OF;
const { CFA, CFNA, RECORDING: REDIRECT_RECORDING } = REDIRECT_REASON;

const CMC = ['1001', '1002', '2040', '3150', '4711', '52001'];
const FAC = [{ d: 'Legal1', l: 1 }, { d: 'Sales-Intl', l: 2 }, { d: 'Exec', l: 3 }];

/** Who clears a normal call: causes and termination OnBehalfOf (12 = that device hung up). */
function clearing(ctx: CallContext, origShare = 0.55): { origCause: number; destCause: number } {
  return ctx.rng.chance(origShare) ? { origCause: NORMAL, destCause: 0 } : { origCause: 0, destCause: NORMAL };
}

function outsideNumber(ctx: CallContext): DialledNumber {
  return ctx.rng.chance(0.12) ? ctx.plan.internationalNumber(ctx.rng) : ctx.plan.nationalNumber(ctx.rng);
}

/** Phone → gateway or trunk, the dialled number carrying the access code; some with CMC or FAC. */
export function outgoing(ctx: CallContext, t0: number, maxLen: number, answer: 'yes' | 'no' | 'busy' | 'bad' = 'yes'): CdrRecord[] {
  const { rng, plan } = ctx;
  const [ext] = twoPhones(ctx);
  const n = outsideNumber(ctx);
  const dialled = plan.accessCode + n.digits;
  const dest = trunk(ctx, dialled);
  dest.partition = plan.routePartition;
  const ring = answer === 'busy' || answer === 'bad' ? rng.range(1, 4) : rng.range(4, 25);
  const talk = answer === 'yes' ? talkTime(rng, 95, maxLen - ring) : 0;
  const causes = answer === 'yes' ? clearing(ctx) : answer === 'busy' ? { origCause: 0, destCause: BUSY }
    : answer === 'bad' ? { origCause: 0, destCause: UNALLOCATED } : { origCause: NORMAL, destCause: 0 };
  const r = leg(ctx, {
    callId: ctx.nextCallId(), orig: phone(ext), dest, originalCalled: dialled, finalCalled: dialled,
    origination: t0, connect: answer === 'yes' ? t0 + ring : 0, disconnect: t0 + ring + talk, ...causes,
    pattern: n.pattern, patternUsage: 5,
  });
  if (dest.protocol === 1) {
    r[F.outpulsedCalledPartyNumber] = n.e164;
    r[F.outpulsedCallingPartyNumber] = plan.did(ext.line);
  }
  const international = n.digits.startsWith('011');
  if (rng.chance(international ? ctx.facRate * 4 : ctx.facRate)) {
    const fac = rng.pick(FAC);
    r[F.authCodeDescription] = fac.d;
    r[F.authorizationLevel] = fac.l;
  } else if (rng.chance(ctx.cmcRate)) r[F.clientMatterCode] = rng.pick(CMC);
  return [r];
}

/** Gateway or trunk → phone; the calling partition is empty, as for every call from outside. */
export function incoming(ctx: CallContext, t0: number, maxLen: number, answered = true): CdrRecord[] {
  const { rng, plan } = ctx;
  const [ext] = twoPhones(ctx);
  const ring = answered ? rng.range(3, 20) : rng.range(8, 40);
  const talk = answered ? talkTime(rng, 150, maxLen - ring) : 0;
  return [leg(ctx, {
    callId: ctx.nextCallId(), orig: trunk(ctx, plan.callerId(rng)), dest: phone(ext),
    originalCalled: ext.line, finalCalled: ext.line, origination: t0, connect: answered ? t0 + ring : 0,
    disconnect: t0 + ring + talk, ...(answered ? clearing(ctx, 0.45) : { origCause: NORMAL, destCause: 0 }),
    pattern: ext.line, patternUsage: 2,
  })];
}

/** Phone → phone. */
export function internal(ctx: CallContext, t0: number, maxLen: number, answer: 'yes' | 'no' | 'busy' = 'yes'): CdrRecord[] {
  const { rng } = ctx;
  const [a, b] = twoPhones(ctx);
  const ring = answer === 'busy' ? rng.range(0, 2) : rng.range(3, 18);
  const talk = answer === 'yes' ? talkTime(rng, 60, maxLen - ring) : answer === 'no' ? 0 : rng.range(2, 5);
  const dest = phone(b);
  if (answer === 'busy') dest.device = '';
  return [leg(ctx, {
    callId: ctx.nextCallId(), orig: phone(a), dest, originalCalled: b.line, finalCalled: b.line,
    finalPartition: b.partition, origination: t0, connect: answer === 'yes' ? t0 + ring : 0, disconnect: t0 + ring + talk,
    ...(answer === 'yes' ? clearing(ctx) : answer === 'busy' ? { origCause: 0, destCause: BUSY } : { origCause: NORMAL, destCause: 0 }),
    pattern: b.line, patternUsage: 2,
  })];
}

/** A call that was not answered: busy, no answer, unallocated number. */
export function unanswered(ctx: CallContext, t0: number, maxLen: number): CdrRecord[] {
  const roll = ctx.rng.next();
  if (roll < 0.25) return outgoing(ctx, t0, maxLen, 'busy');
  if (roll < 0.4) return outgoing(ctx, t0, maxLen, 'no');
  if (roll < 0.45) return outgoing(ctx, t0, maxLen, 'bad');
  if (roll < 0.75) return incoming(ctx, t0, maxLen, false);
  return internal(ctx, t0, maxLen, ctx.rng.chance(0.3) ? 'busy' : 'no');
}

/**
 * A consultative transfer of an incoming call from A to B: the original call and the
 * consultation call end with cause 393216 (split) on behalf of 10; the final call joins the
 * caller to B (joinOnBehalfOf 10).
 */
export function transfer(ctx: CallContext, t0: number, maxLen: number): CdrRecord[] {
  const { rng, plan } = ctx;
  const [a, b] = twoPhones(ctx);
  const caller = trunk(ctx, plan.callerId(rng));
  const pa = phone(a);
  const pb = phone(b);
  const callerLeg = ctx.nextLeg();
  const original = ctx.nextCallId();
  const consult = ctx.nextCallId();
  const answered = t0 + rng.range(3, 15);
  const consultAt = answered + rng.range(10, 60);
  const joinAt = consultAt + rng.range(5, 30);
  const end = joinAt + talkTime(rng, 120, Math.max(1, maxLen - (joinAt - t0)));
  const split = { origCause: SPLIT, destCause: SPLIT, origTerm: TRANSFER, destTerm: TRANSFER };
  const bLeg = ctx.nextLeg();
  const rows = [
    leg(ctx, {
      callId: original, orig: caller, dest: pa, originalCalled: a.line, finalCalled: a.line, origination: t0,
      connect: answered, disconnect: joinAt, ...split, pattern: a.line, patternUsage: 2, origLeg: callerLeg,
    }),
    leg(ctx, {
      callId: consult, orig: pa, dest: pb, originalCalled: b.line, finalCalled: b.line, origination: consultAt,
      connect: consultAt + rng.range(2, 8), disconnect: joinAt, ...split, pattern: b.line, patternUsage: 2, destLeg: bLeg,
    }),
    leg(ctx, {
      callId: original, orig: caller, dest: pb, originalCalled: b.line, finalCalled: b.line, lastRedirectDn: a.line,
      lastRedirectPartition: a.partition, origination: consultAt, connect: joinAt, disconnect: end, ...clearing(ctx),
      pattern: b.line, patternUsage: 2, origLeg: callerLeg, destLeg: bLeg,
    }),
  ];
  rows[2]![F.joinOnBehalfOf] = TRANSFER;
  return rows;
}

/** A forwarded call: to another phone (CFA 15 / CFNA 2), or out to a mobile number (tandem). */
export function forward(ctx: CallContext, t0: number, maxLen: number): CdrRecord[] {
  const { rng, plan } = ctx;
  const [a, b] = twoPhones(ctx);
  const reason = rng.chance(0.6) ? CFA : CFNA;
  const ring = rng.range(3, 12) + (reason === CFNA ? rng.range(12, 20) : 0);
  const talk = talkTime(rng, 110, maxLen - ring);
  const toMobile = rng.chance(0.3);
  const fromOutside = toMobile || rng.chance(0.7);
  const mobile = plan.nationalNumber(rng);
  const finalCalled = toMobile ? plan.accessCode + mobile.digits : b.line;
  const dest = toMobile ? trunk(ctx, finalCalled) : phone(b);
  const r = leg(ctx, {
    callId: ctx.nextCallId(), orig: fromOutside ? trunk(ctx, plan.callerId(rng)) : phone(twoPhones(ctx)[1]), dest,
    originalCalled: a.line, finalCalled, originalPartition: a.partition, finalPartition: toMobile ? plan.routePartition : b.partition,
    lastRedirectDn: a.line, lastRedirectPartition: a.partition, origination: t0, connect: t0 + ring,
    disconnect: t0 + ring + talk, ...clearing(ctx), pattern: toMobile ? mobile.pattern : b.line, originalPattern: a.line,
    patternUsage: toMobile ? 5 : 2,
  });
  redirectedBy(r, FORWARD, reason);
  if (toMobile && dest.protocol === 1) r[F.outpulsedCalledPartyNumber] = mobile.e164;
  return [r];
}

/**
 * An ad hoc conference: A calls an outside party, consults B, and joins both. The original and
 * setup calls end split on behalf of 4; each party then has a record to the bridge `b00…`.
 */
export function conference(ctx: CallContext, t0: number, maxLen: number): CdrRecord[] {
  const { rng, plan } = ctx;
  const [a, b] = twoPhones(ctx);
  const n = plan.nationalNumber(rng);
  const dialled = plan.accessCode + n.digits;
  const out = trunk(ctx, dialled);
  out.partition = plan.routePartition;
  const pa = phone(a);
  const pb = phone(b);
  const first = ctx.nextCallId();
  const setup = ctx.nextCallId();
  const answered = t0 + rng.range(4, 20);
  const setupAt = answered + rng.range(20, 120);
  const joinAt = setupAt + rng.range(8, 25);
  const end = joinAt + talkTime(rng, 600, Math.max(1, maxLen - (joinAt - t0)));
  const split = { origCause: SPLIT, destCause: SPLIT, origTerm: CONFERENCE, destTerm: CONFERENCE };
  const rows = [
    leg(ctx, { callId: first, orig: pa, dest: out, originalCalled: dialled, finalCalled: dialled, origination: t0,
      connect: answered, disconnect: joinAt, ...split, pattern: n.pattern, patternUsage: 5 }),
    leg(ctx, { callId: setup, orig: pa, dest: pb, originalCalled: b.line, finalCalled: b.line, origination: setupAt,
      connect: setupAt + rng.range(2, 8), disconnect: joinAt, ...split, pattern: b.line, patternUsage: 2 }),
  ];
  const bridge = `b00${rng.range(1000, 2999)}${rng.digits(5)}`;
  const cfb = media(bridge, `CFB_${rng.range(1, 4)}`);
  const conversation = 16_000_000 + rng.int(700_000);
  const comment = `ConfControllerDn=${a.line};ConfControllerDeviceName=${a.device};ConfDeviceName=${cfb.device};ConfRequestorDn=${a.line};ConfRequestorDeviceName=${a.device}`;
  // The outside party's leg comes in from the gateway: empty calling partition.
  for (const p of [pa, { ...out, partition: '' }, pb]) {
    const r = leg(ctx, {
      callId: first, orig: p, dest: cfb, originalCalled: bridge, finalCalled: bridge,
      lastRedirectDn: a.line, lastRedirectPartition: a.partition, origination: joinAt, connect: joinAt,
      disconnect: end - (p === pa ? 0 : rng.int(30)), ...clearing(ctx, 0.8), pattern: '', patternUsage: 1,
    });
    redirectedBy(r, CONFERENCE);
    r[F.joinOnBehalfOf] = CONFERENCE;
    r[F.destConversationId] = conversation;
    r[F.comment] = comment;
    rows.push(r);
  }
  return rows;
}

/** A recorded call (internal or incoming) plus the two recording legs (OnBehalfOf 27, reason 354). */
export function recorded(ctx: CallContext, t0: number, maxLen: number): CdrRecord[] {
  const call = ctx.rng.chance(0.5) ? incoming(ctx, t0, maxLen) : internal(ctx, t0, maxLen);
  const main = call[0]!;
  const recorder = media('7999', 'SIP-TRUNK-RECORDER', 'PT-Recording');
  const ext = ctx.plan.extensions.find((e) => e.device === main[F.destDeviceName]) ?? ctx.plan.extensions[0]!;
  for (let i = 0; i < 2; i++) {
    const bridgeNo = `b00${ctx.rng.range(1000, 2999)}${ctx.rng.digits(5)}`;
    const r = leg(ctx, {
      callId: ctx.nextCallId(), orig: { ...phone(ext), number: bridgeNo, partition: '' }, dest: recorder,
      originalCalled: '7999', finalCalled: '7999', origination: main[F.dateTimeConnect] as number,
      connect: main[F.dateTimeConnect] as number, disconnect: main[F.dateTimeDisconnect] as number,
      origCause: 0, destCause: NORMAL, pattern: '7999', patternUsage: 2,
    });
    redirectedBy(r, RECORDING, REDIRECT_RECORDING);
    r[F.joinOnBehalfOf] = RECORDING;
    call.push(r);
  }
  return call;
}

/** Sets the first and last redirect's OnBehalfOf code (and reason, when given) of a leg. */
function redirectedBy(r: CdrRecord, onBehalfOf: number, reason?: number): void {
  r[F.origCalledPartyRedirectOnBehalfOf] = onBehalfOf;
  r[F.lastRedirectRedirectOnBehalfOf] = onBehalfOf;
  if (reason !== undefined) {
    r[F.origCalledPartyRedirectReason] = reason;
    r[F.lastRedirectRedirectReason] = reason;
  }
}
