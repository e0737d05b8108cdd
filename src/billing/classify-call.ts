import { CAUSE, ON_BEHALF_OF, REDIRECT_REASON } from './cucm-codes.js';
import type { CdrRow } from './parse-cdr.js';

/**
 * Pure call classification: one decoded CDR row plus what tollgate knows of the site (gateways,
 * access codes, users) gives the calls to store and the parties to discard, each with a reason.
 * The rules are written out in docs/cdr-rules.md; keep the two in step.
 */

export type Direction = 'outgoing' | 'incoming' | 'internal' | 'tandem';

export type DiscardReason =
  | 'malformed'
  | 'not-a-cdr'
  | 'recording-leg'
  | 'unknown-call-type'
  | 'extension-not-configured'
  | 'billing-disabled'
  | 'internal-not-imported';

export const DISCARD_TEXT: Readonly<Record<DiscardReason, string>> = {
  malformed: 'malformed row',
  'not-a-cdr': 'not a CDR record',
  'recording-leg': 'recording or monitoring leg (not billed)',
  'unknown-call-type': 'cannot recognise call type',
  'extension-not-configured': 'extension not configured',
  'billing-disabled': 'billing disabled for this extension',
  'internal-not-imported': 'internal call (site does not import internal calls)',
};

export interface SiteUser {
  id: number;
  /** Which of the user's numbers matched, and whether billing is enabled for it. */
  billing: boolean;
}

/** What classification needs to know about a site; built once per file by the pipeline. */
export interface SiteContext {
  siteId: number;
  driver: 'cucm' | 'cucm-partition';
  importInternal: boolean;
  autoAcquire: boolean;
  /** Outside-line access codes, longest first. */
  accessCodes: readonly string[];
  /** Configured gateway or trunk for a device name (with its tariff, null for the site's default), or undefined. */
  gatewayFor(device: string): { name: string; tariff: string | null } | undefined;
  /** True when the administrator has configured at least one gateway for the site. */
  gatewaysConfigured: boolean;
  /** The user owning a line (partition may be ''), or a device. */
  userByLine(partition: string, line: string): SiteUser | undefined;
  userByDevice(device: string): SiteUser | undefined;
}

export interface CallDraft {
  party: 0 | 1;
  direction: Direction;
  answered: boolean;
  startAt: number;
  ringS: number;
  durationS: number;
  extension: string;
  partition: string;
  /** The line without the partition prefix (for user creation). */
  line: string;
  userId: number | null;
  remoteNumber: string;
  dialedNumber: string;
  gateway: string;
  destinationType: string;
  accountCode: string;
  redirected: boolean;
  transferred: boolean;
  conference: boolean;
}

export interface DiscardDraft {
  party: 0 | 1;
  reason: DiscardReason;
  detail: string;
  extension: string;
  partition: string;
  line: string;
}

export interface Classified {
  calls: CallDraft[];
  discards: DiscardDraft[];
}

const { TRANSFER, CONFERENCE, RECORDING, MONITORING } = ON_BEHALF_OF;
const { CALL_SPLIT } = CAUSE;
const { RECORDING: REDIRECT_RECORDING, MONITORING: REDIRECT_MONITORING } = REDIRECT_REASON;

const BRIDGE = /^b\d+$/i;
/** Device names of phones and soft clients: SEP (desk phone), CSF/BOT/TCT/TAB (Jabber), ATA, CIPC… */
const PHONE_DEVICE = /^(SEP|CSF|BOT|TCT|TAB|ATA|AN[A-F0-9]{6}|UDP|CIPC|SIP[A-F0-9]{12}$)/i;
/** Media resources and application ports: never trunks, never phones. */
const MEDIA_DEVICE = /^(CFB|MTP|ANN|MOH|IVR|XCODE|CiscoUM|UCCX|CTI|VM-|CRS)/i;
const TRUNK_WORD = /(trunk|sip|gw|gateway|pstn|h323|h\.323|cube|sbc|itsp|isdn|pri|carrier|telco)/i;
const IP_LITERAL = /^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-f]*:[0-9a-f:]*$/i;

/**
 * Whether a device is a gateway or trunk. With configured gateways only those count; before any
 * is configured tollgate guesses: MGCP endpoints (`S0/SU0/DS1-1@gw`), H.323 gateways named by IP
 * address, names that look like trunks, and (for the calling side) a non-phone device with an
 * empty calling partition, which CUCM writes for calls that come in from outside.
 */
export function isTrunkDevice(ctx: SiteContext, device: string, emptyCallingPartition: boolean): boolean {
  if (device === '') return false;
  let memo = ctx === lastCtx ? lastMemo : trunkMemo.get(ctx);
  if (!memo) {
    memo = [new Map(), new Map()];
    trunkMemo.set(ctx, memo);
  }
  lastCtx = ctx;
  lastMemo = memo;
  const m = memo[emptyCallingPartition ? 1 : 0];
  let v = m.get(device);
  if (v === undefined) {
    v = ctx.gatewaysConfigured ? ctx.gatewayFor(device) !== undefined : guessTrunk(device, emptyCallingPartition);
    if (m.size >= MEMO_LIMIT) m.clear();
    m.set(device, v);
  }
  return v;
}

/** Device names repeat on every call: each site context remembers its answers (bounded). */
const trunkMemo = new WeakMap<SiteContext, [Map<string, boolean>, Map<string, boolean>]>();
/**
 * The context of the last call and its memo: a file's rows share one (a WeakMap lookup per row
 * cost more than the memo). It keeps the last context alive until another is used: bounded, as
 * each memo is (MEMO_LIMIT).
 */
let lastCtx: SiteContext | undefined;
let lastMemo: [Map<string, boolean>, Map<string, boolean>] | undefined;
/** Entries a per-context memo of device answers holds before it is emptied (here and in site-context.ts). */
export const MEMO_LIMIT = 100_000;

export function guessTrunk(device: string, emptyCallingPartition: boolean): boolean {
  if (device.includes('@') || IP_LITERAL.test(device)) return true;
  if (PHONE_DEVICE.test(device) || MEDIA_DEVICE.test(device)) return false;
  return TRUNK_WORD.test(device) || emptyCallingPartition;
}

/** Removes the longest outside-line access code that leaves a number longer than an extension. */
export function stripAccessCode(number: string, accessCodes: readonly string[]): string {
  for (const code of accessCodes) {
    if (number.startsWith(code) && number.length - code.length >= 5) return number.slice(code.length);
  }
  return number;
}

/** Removes what CUCM may append to or put before a dialled number: `#` terminators, a `sip:` prefix. */
function cleanNumber(n: string): string {
  let s = n;
  if (s.endsWith('#')) s = s.replace(/#+$/, '');
  if (s.startsWith('sip:')) s = s.slice(4);
  return s;
}

export function classifyCdr(row: CdrRow, ctx: SiteContext): Classified {
  if (row.recordType !== 1) {
    return discardOnly('not-a-cdr', `cdrRecordType is ${row.recordType}, not 1`);
  }
  if (isRecordingLeg(row)) {
    return discardOnly('recording-leg', `${row.callingNumber} -> ${row.finalCalled}`);
  }

  const conference = BRIDGE.test(row.finalCalled) || BRIDGE.test(row.callingNumber) || row.joinOnBehalfOf === CONFERENCE;
  const transferred =
    row.origCause === CALL_SPLIT || row.destCause === CALL_SPLIT || row.joinOnBehalfOf === TRANSFER ||
    row.origTermOnBehalfOf === TRANSFER || row.destTermOnBehalfOf === TRANSFER;
  const redirected = row.lastRedirectReason !== 0 || row.origRedirectReason !== 0 ||
    (row.originalCalled !== '' && row.finalCalled !== '' && row.originalCalled !== row.finalCalled && !transferred);

  const called = cleanNumber(row.finalCalled !== '' ? row.finalCalled : row.originalCalled);
  const calling = cleanNumber(row.callingNumber);
  const origTrunk = isTrunkDevice(ctx, row.origDevice, row.callingPartition === '');
  let destTrunk = isTrunkDevice(ctx, row.destDevice, false);

  // A call that never reached a device (busy, unallocated, abandoned) has no destination device.
  // A called number that is a known line is internal; a long number is an outside call attempt.
  if (row.destDevice === '' && !origTrunk) {
    if (called === '') {
      return discardOnly('unknown-call-type', 'no called number and no destination device (abandoned off-hook)');
    }
    const known = ctx.userByLine(row.finalCalledPartition, called) ?? ctx.userByLine('', called);
    destTrunk = !known && called.length >= 7;
  }

  const answered = row.connect > 0;
  const base: Base = {
    answered,
    startAt: row.origination,
    ringS: Math.max(0, (answered ? row.connect : row.disconnect) - row.origination),
    durationS: Math.max(0, row.duration),
    accountCode: row.clientMatterCode !== '' ? row.clientMatterCode : row.authCodeDescription,
    redirected,
    transferred,
    conference,
    destinationType: '',
  };

  if (!origTrunk && destTrunk) {
    const remote = stripAccessCode(called, ctx.accessCodes);
    return single(ctx, base, {
      direction: 'outgoing', line: calling, partition: row.callingPartition, device: row.origDevice,
      remoteNumber: remote, dialedNumber: called, gateway: row.destDevice,
      destinationType: remote.startsWith('+') || remote.length >= 7 ? 'external' : 'unknown',
    });
  }
  if (origTrunk && !destTrunk) {
    if (BRIDGE.test(called)) {
      // An outside party's leg into a conference bridge: it belongs to the conference controller.
      const controller = /(?:^|;)ConfControllerDn=([^;]*)/.exec(row.comment)?.[1] ?? '';
      if (controller === '') return discardOnly('unknown-call-type', `conference leg ${calling} -> ${called} without a controller in the comment`);
      return single(ctx, base, {
        direction: 'incoming', line: controller, partition: '', device: '', remoteNumber: calling,
        dialedNumber: row.originalCalled, gateway: row.origDevice, destinationType: 'incoming',
      });
    }
    return single(ctx, base, {
      direction: 'incoming', line: called, partition: row.finalCalledPartition, device: row.destDevice,
      remoteNumber: calling, dialedNumber: row.originalCalled, gateway: row.origDevice, destinationType: 'incoming',
    });
  }
  if (origTrunk && destTrunk) {
    // Tandem: a call from outside sent straight back out. When a known line forwarded it, that
    // line pays for the outgoing leg (CUCM writes the forwarder in lastRedirectDn).
    const fwd = row.lastRedirectDn !== '' && row.lastRedirectDn !== called
      ? ctx.userByLine(row.lastRedirectDnPartition, row.lastRedirectDn) ?? ctx.userByLine('', row.lastRedirectDn)
      : undefined;
    const remote = stripAccessCode(called, ctx.accessCodes);
    if (fwd) {
      return single(ctx, withRedirect(base), {
        direction: 'outgoing', line: row.lastRedirectDn, partition: row.lastRedirectDnPartition, device: '',
        remoteNumber: remote, dialedNumber: called, gateway: row.destDevice, destinationType: 'external',
      });
    }
    return single(ctx, base, {
      direction: 'tandem', line: '', partition: '', device: '', remoteNumber: remote, dialedNumber: calling,
      gateway: row.destDevice, destinationType: 'tandem',
    });
  }

  // Internal: neither side is a gateway.
  if (calling === '' && called === '') {
    return discardOnly('unknown-call-type', 'internal call without calling or called number');
  }
  if (!ctx.importInternal) {
    return discardOnly('internal-not-imported', `${calling} -> ${called}`);
  }
  const out: Classified = { calls: [], discards: [] };
  const parties = [
    { party: 0 as const, line: calling, partition: row.callingPartition, device: row.origDevice, remote: called },
    { party: 1 as const, line: called, partition: row.finalCalledPartition, device: row.destDevice, remote: calling },
  ];
  for (const p of parties) {
    // A conference bridge or media resource is not a party of its own.
    if (BRIDGE.test(p.line) || MEDIA_DEVICE.test(p.device)) continue;
    const r = single(ctx, base, {
      direction: 'internal', line: p.line, partition: p.partition, device: p.device, remoteNumber: p.remote,
      dialedNumber: p.party === 0 ? called : row.originalCalled, gateway: '', destinationType: 'internal',
    }, p.party);
    out.calls.push(...r.calls);
    out.discards.push(...r.discards);
  }
  if (out.calls.length === 0 && out.discards.length === 0) {
    return discardOnly('unknown-call-type', `internal leg between media resources: ${calling} -> ${called}`);
  }
  return out;
}

type Base = Omit<CallDraft, 'party' | 'direction' | 'extension' | 'partition' | 'line' | 'userId' | 'remoteNumber' | 'dialedNumber' | 'gateway'>;

function withRedirect(base: Base): Base {
  return { answered: base.answered, startAt: base.startAt, ringS: base.ringS, durationS: base.durationS, accountCode: base.accountCode, redirected: true, transferred: base.transferred, conference: base.conference, destinationType: base.destinationType };
}

/**
 * Built field by field, never by spreading `base` and overriding a key: that made V8 give every
 * draft a slow dictionary shape (measured 20x slower classification).
 */
function draft(base: Base, p: PartySpec, party: 0 | 1, extension: string, userId: number | null): CallDraft {
  return {
    party,
    direction: p.direction,
    answered: base.answered,
    startAt: base.startAt,
    ringS: base.ringS,
    durationS: base.durationS,
    extension,
    partition: p.partition,
    line: p.line,
    userId,
    remoteNumber: p.remoteNumber,
    dialedNumber: p.dialedNumber,
    gateway: p.gateway,
    destinationType: p.destinationType,
    accountCode: base.accountCode,
    redirected: base.redirected,
    transferred: base.transferred,
    conference: base.conference,
  };
}

function isRecordingLeg(row: CdrRow): boolean {
  return (
    row.origRedirectOnBehalfOf === RECORDING || row.lastRedirectOnBehalfOf === RECORDING ||
    row.origRedirectOnBehalfOf === MONITORING || row.lastRedirectOnBehalfOf === MONITORING ||
    row.origRedirectReason === REDIRECT_RECORDING || row.lastRedirectReason === REDIRECT_RECORDING ||
    row.origRedirectReason === REDIRECT_MONITORING || row.lastRedirectReason === REDIRECT_MONITORING
  );
}

function discardOnly(reason: DiscardReason, detail: string): Classified {
  return { calls: [], discards: [{ party: 0, reason, detail, extension: '', partition: '', line: '' }] };
}

interface PartySpec {
  direction: Direction;
  line: string;
  partition: string;
  device: string;
  remoteNumber: string;
  dialedNumber: string;
  gateway: string;
  destinationType: string;
}

/** Attributes one party to its user: by line (with partition), then by device. */
function single(
  ctx: SiteContext,
  base: Base,
  p: PartySpec,
  party: 0 | 1 = 0,
): Classified {
  const extension = p.line === '' ? '' : ctx.driver === 'cucm-partition' ? `${p.partition}.${p.line}` : p.line;
  if (p.line === '' && p.direction !== 'tandem') {
    return {
      calls: [],
      discards: [{ party, reason: 'unknown-call-type', detail: `${p.direction} call without a local number`, extension, partition: p.partition, line: p.line }],
    };
  }
  if (p.direction === 'tandem') return { calls: [draft(base, p, 0, '', null)], discards: [] };
  const user = ctx.userByLine(p.partition, p.line) ?? (p.device !== '' ? ctx.userByDevice(p.device) : undefined);
  if (user && !user.billing) {
    return { calls: [], discards: [{ party, reason: 'billing-disabled', detail: `extension ${extension}`, extension, partition: p.partition, line: p.line }] };
  }
  if (!user && !ctx.autoAcquire) {
    return {
      calls: [],
      discards: [{ party, reason: 'extension-not-configured', detail: `extension ${extension} (${p.direction})`, extension, partition: p.partition, line: p.line }],
    };
  }
  return { calls: [draft(base, p, party, extension, user ? user.id : null)], discards: [] };
}
