import { blankRecord, F, type CdrRecord } from './cdr-record.js';
import type { DialPlan, PlanExtension } from './dial-plan.js';
import { cucmIpInt, seedFrom, type Rng } from './rng.js';

/**
 * Building blocks of generated calls: call ends (a phone, a gateway or trunk, a media resource)
 * and `leg`, which fills one CDR record the way CUCM does (cucm-cdr.md §2.3, §4, §5).
 */

/** One end of a call leg. */
export interface End {
  number: string;
  partition: string;
  device: string;
  ip: string;
  login: string;
  /** B-channel for MGCP/PRI endpoints, else 0. */
  span: number;
  /** Protocol id when a gateway or trunk (1 SIP, 4 Q.931), else 0. */
  protocol: number;
  /** Phone MAC (for the device session id), '' when not a phone. */
  mac: string;
}

/** What a generator run shares between calls: the random source, the plan and the id counters. */
export interface CallContext {
  rng: Rng;
  plan: DialPlan;
  clusterId: string;
  /** Next globalCallID_callId (24-bit, wraps to 1). */
  nextCallId(): number;
  /** Next leg identifier (origLegCallIdentifier / destLegIdentifier). */
  nextLeg(): number;
  /** The node (callManagerId) of the current call. */
  node: number;
  cmcRate: number;
  facRate: number;
}

/** The end of a phone line. */
export function phone(ext: PlanExtension): End {
  return {
    number: ext.line, partition: ext.partition, device: ext.device, ip: ext.ip, login: ext.login, span: 0, protocol: 0,
    mac: ext.device.slice(3).toLowerCase(),
  };
}

const trunkIps = new Map<string, string>();

/** The end of a gateway or trunk carrying `number` (the outside party). */
export function trunk(ctx: CallContext, number: string, device = ctx.rng.pick(ctx.plan.trunks)): End {
  let ip = trunkIps.get(device);
  if (ip === undefined) {
    const h = seedFrom(device.replace(/^S\d+\/SU\d+\/DS1-\d+@/, ''));
    ip = `10.1.${(h >>> 8) % 200}.${1 + (h % 250)}`;
    trunkIps.set(device, ip);
  }
  const mgcp = device.includes('@');
  return { number, partition: '', device, ip, login: '', span: mgcp ? ctx.rng.range(1, 23) : 0, protocol: mgcp ? 4 : 1, mac: '' };
}

/** A media resource or application end (conference bridge, recorder): no protocol, no span. */
export function media(number: string, device: string, partition = ''): End {
  return { number, partition, device, ip: device === '' ? '' : '10.1.250.10', login: '', span: 0, protocol: 0, mac: '' };
}

export interface LegSpec {
  callId: number;
  orig: End;
  /** The destination; its device is '' when the call never reached one. */
  dest: End;
  calling?: string;
  originalCalled: string;
  finalCalled: string;
  originalPartition?: string;
  finalPartition?: string;
  lastRedirectDn?: string;
  lastRedirectPartition?: string;
  origination: number;
  /** 0 when never answered. */
  connect: number;
  disconnect: number;
  origCause: number;
  destCause: number;
  origTerm?: number;
  destTerm?: number;
  /** Route pattern (outgoing) or directory number matched. */
  pattern: string;
  originalPattern?: string;
  /** calledPartyPatternUsage: 2 device, 5 route, 1 conference. */
  patternUsage: number;
  origLeg?: number;
  destLeg?: number;
}

const G711_ULAW = 4;

/** One CDR record for a leg, every field billing or a person reading it would look at filled in. */
export function leg(ctx: CallContext, s: LegSpec): CdrRecord {
  const { rng } = ctx;
  const r = blankRecord();
  const answered = s.connect > 0;
  const reached = s.dest.device !== '';
  r[F.globalCallID_callManagerId] = ctx.node;
  r[F.globalCallID_callId] = s.callId;
  r[F.origLegCallIdentifier] = s.origLeg ?? ctx.nextLeg();
  r[F.destLegIdentifier] = s.destLeg ?? ctx.nextLeg();
  r[F.dateTimeOrigination] = s.origination;
  r[F.origNodeId] = ctx.node;
  r[F.destNodeId] = reached ? ctx.node : 0;
  r[F.origSpan] = s.orig.span;
  r[F.destSpan] = reached ? s.dest.span : 0;
  const origIp = cucmIpInt(s.orig.ip);
  const destIp = reached ? cucmIpInt(s.dest.ip) : 0;
  r[F.origIpAddr] = origIp;
  r[F.destIpAddr] = destIp;
  r[F.origIpv4v6Addr] = s.orig.ip;
  r[F.destIpv4v6Addr] = reached ? s.dest.ip : '';
  r[F.callingPartyNumber] = s.calling ?? s.orig.number;
  r[F.callingPartyUnicodeLoginUserID] = s.orig.login;
  r[F.finalCalledPartyUnicodeLoginUserID] = reached ? s.dest.login : '';
  r[F.originalCalledPartyNumber] = s.originalCalled;
  r[F.finalCalledPartyNumber] = s.finalCalled;
  r[F.lastRedirectDn] = s.lastRedirectDn ?? s.finalCalled;
  r[F.callingPartyNumberPartition] = s.orig.partition;
  r[F.originalCalledPartyNumberPartition] = s.originalPartition ?? s.finalPartition ?? s.dest.partition;
  r[F.finalCalledPartyNumberPartition] = s.finalPartition ?? s.dest.partition;
  r[F.lastRedirectDnPartition] = s.lastRedirectPartition ?? s.finalPartition ?? s.dest.partition;
  r[F.origCause_value] = s.origCause;
  r[F.destCause_value] = s.destCause;
  r[F.origCallTerminationOnBehalfOf] = s.origTerm ?? (s.origCause !== 0 ? 12 : 0);
  r[F.destCallTerminationOnBehalfOf] = s.destTerm ?? (s.destCause !== 0 ? 12 : 0);
  r[F.dateTimeConnect] = s.connect;
  r[F.dateTimeDisconnect] = s.disconnect;
  r[F.duration] = answered ? s.disconnect - s.connect : 0;
  r[F.pkid] = rng.guid();
  r[F.origDeviceName] = s.orig.device;
  r[F.destDeviceName] = s.dest.device;
  r[F.globalCallId_ClusterID] = ctx.clusterId;
  if (answered) {
    r[F.origMediaTransportAddress_IP] = origIp;
    r[F.origMediaTransportAddress_Port] = 16384 + 2 * rng.int(8192);
    r[F.origMediaCap_payloadCapability] = G711_ULAW;
    r[F.origMediaCap_maxFramesPerPacket] = 20;
    r[F.origMediaCap_Bandwidth] = 64;
    r[F.destMediaTransportAddress_IP] = destIp;
    r[F.destMediaTransportAddress_Port] = 16384 + 2 * rng.int(8192);
    r[F.destMediaCap_payloadCapability] = G711_ULAW;
    r[F.destMediaCap_maxFramesPerPacket] = 20;
    r[F.destMediaCap_Bandwidth] = 64;
  }
  r[F.origDTMFMethod] = s.orig.protocol !== 0 ? 1 : 3;
  r[F.destDTMFMethod] = !reached ? 0 : s.dest.protocol !== 0 ? 1 : 3;
  if (s.orig.protocol !== 0) {
    r[F.IncomingProtocolID] = s.orig.protocol;
    r[F.IncomingProtocolCallRef] = callRef(ctx, s.orig.protocol, r[F.callingPartyNumber] as string, s.originalCalled);
  }
  if (reached && s.dest.protocol !== 0) {
    r[F.OutgoingProtocolID] = s.dest.protocol;
    r[F.OutgoingProtocolCallRef] = callRef(ctx, s.dest.protocol, r[F.callingPartyNumber] as string, s.finalCalled);
  }
  r[F.calledPartyPatternUsage] = s.patternUsage;
  r[F.originalCalledPartyPattern] = s.originalPattern ?? s.pattern;
  r[F.finalCalledPartyPattern] = s.pattern;
  r[F.lastRedirectingPartyPattern] = s.originalPattern ?? s.pattern;
  if (s.orig.mac !== '') r[F.origDeviceSessionID] = `${rng.hex(8)}00105000a000${s.orig.mac}`;
  if (reached && s.dest.mac !== '') r[F.destDeviceSessionID] = `${rng.hex(8)}00105000a000${s.dest.mac}`;
  return r;
}

/** Protocol call reference: a SIP call id tag (32 hex) or a Q.931 reference `XXXX-calling-called`. */
function callRef(ctx: CallContext, protocol: number, calling: string, called: string): string {
  if (protocol === 1) return ctx.rng.hex(32).toUpperCase();
  return `${ctx.rng.hex(4).toUpperCase()}-${calling}-${called}`.slice(0, 32);
}

/** A talk time in seconds: log-normal around `median`, at least 1 s, at most `max`. */
export function talkTime(rng: Rng, median: number, max: number): number {
  return Math.max(1, Math.min(Math.round(rng.logNormal(median, 0.9)), Math.max(1, max)));
}

/** Two different phones of the plan. */
export function twoPhones(ctx: CallContext): [PlanExtension, PlanExtension] {
  const exts = ctx.plan.extensions;
  const a = ctx.rng.int(exts.length);
  let b = ctx.rng.int(exts.length - 1);
  if (b >= a) b++;
  return [exts[a]!, exts[b]!];
}
