import { LAYOUTS, type LayoutName } from '../billing/cdr-layouts.js';

/**
 * A generated CDR record: one value per column of the 12.x layout (the superset of the 10.5 and
 * 11.x columns), in that order. Strings are VARCHAR/UNIQUEIDENTIFIER cells, numbers INTEGER cells.
 * `serializer(layout, quoted)` writes a record in any release's column order.
 */
export type CdrRecord = Array<string | number>;

const ALL = LAYOUTS.cucm12;

/** Declared VARCHAR sizes, as line 2 of a real 12.x file (cucm-cdr.md §2.3). */
const VARCHAR: Readonly<Record<string, number>> = {
  callingPartyNumber: 50, callingPartyUnicodeLoginUserID: 128, origRSVPAudioStat: 64, origRSVPVideoStat: 64,
  originalCalledPartyNumber: 50, finalCalledPartyNumber: 50, finalCalledPartyUnicodeLoginUserID: 128,
  destRSVPAudioStat: 64, destRSVPVideoStat: 64, lastRedirectDn: 50, originalCalledPartyNumberPartition: 50,
  callingPartyNumberPartition: 50, finalCalledPartyNumberPartition: 50, lastRedirectDnPartition: 50, origDeviceName: 129,
  destDeviceName: 129, globalCallId_ClusterID: 50, comment: 2048, authCodeDescription: 50, clientMatterCode: 32,
  authorizationCodeValue: 32, outpulsedCallingPartyNumber: 50, outpulsedCalledPartyNumber: 50, origIpv4v6Addr: 64,
  destIpv4v6Addr: 64, IncomingProtocolCallRef: 32, OutgoingProtocolCallRef: 32, huntPilotPartition: 50, huntPilotDN: 50,
  IncomingICID: 50, IncomingOrigIOI: 50, IncomingTermIOI: 50, OutgoingICID: 50, OutgoingOrigIOI: 50, OutgoingTermIOI: 50,
  outpulsedOriginalCalledPartyNumber: 50, outpulsedLastRedirectingNumber: 50, callingPartyNumber_uri: 255,
  originalCalledPartyNumber_uri: 255, finalCalledPartyNumber_uri: 255, lastRedirectDn_uri: 255, mobileCallingPartyNumber: 50,
  finalMobileCalledPartyNumber: 50, origMobileDeviceName: 129, destMobileDeviceName: 129, originalCalledPartyPattern: 50,
  finalCalledPartyPattern: 50, lastRedirectingPartyPattern: 50, huntPilotPattern: 50, origDeviceType: 100,
  destDeviceType: 100, origDeviceSessionID: 128, destDeviceSessionID: 128,
};

/** The type of a column as written in line 2 of a CDR file. */
export function columnType(name: string): string {
  if (name === 'pkid') return 'UNIQUEIDENTIFIER';
  const size = VARCHAR[name];
  return size === undefined ? 'INTEGER' : `VARCHAR(${size})`;
}

/** Values of an idle column in real files: "0" for RSVP status, 4 for precedence, else 0 or "". */
const IDLE: Readonly<Record<string, string | number>> = {
  cdrRecordType: 1, origPrecedenceLevel: 4, destPrecedenceLevel: 4,
  origRSVPAudioStat: '0', origRSVPVideoStat: '0', destRSVPAudioStat: '0', destRSVPVideoStat: '0',
};

const TEMPLATE: CdrRecord = ALL.map((name) => IDLE[name] ?? (columnType(name) === 'INTEGER' ? 0 : ''));

/** A record with every column at its idle value. */
export function blankRecord(): CdrRecord {
  return TEMPLATE.slice();
}

function indexOf(name: string): number {
  const i = ALL.indexOf(name);
  if (i < 0) throw new Error(`no CDR column ${name}`);
  return i;
}

const SET = [
  'cdrRecordType', 'globalCallID_callManagerId', 'globalCallID_callId', 'origLegCallIdentifier', 'dateTimeOrigination',
  'origNodeId', 'origSpan', 'origIpAddr', 'callingPartyNumber', 'callingPartyUnicodeLoginUserID', 'origCause_value',
  'origMediaTransportAddress_IP', 'origMediaTransportAddress_Port', 'origMediaCap_payloadCapability',
  'origMediaCap_maxFramesPerPacket', 'destLegIdentifier', 'destNodeId', 'destSpan', 'destIpAddr',
  'originalCalledPartyNumber', 'finalCalledPartyNumber', 'finalCalledPartyUnicodeLoginUserID', 'destCause_value',
  'destMediaTransportAddress_IP', 'destMediaTransportAddress_Port', 'destMediaCap_payloadCapability',
  'destMediaCap_maxFramesPerPacket', 'dateTimeConnect', 'dateTimeDisconnect', 'lastRedirectDn', 'pkid',
  'originalCalledPartyNumberPartition', 'callingPartyNumberPartition', 'finalCalledPartyNumberPartition',
  'lastRedirectDnPartition', 'duration', 'origDeviceName', 'destDeviceName', 'origCallTerminationOnBehalfOf',
  'destCallTerminationOnBehalfOf', 'origCalledPartyRedirectOnBehalfOf', 'lastRedirectRedirectOnBehalfOf',
  'origCalledPartyRedirectReason', 'lastRedirectRedirectReason', 'destConversationId', 'globalCallId_ClusterID',
  'joinOnBehalfOf', 'comment', 'authCodeDescription', 'authorizationLevel', 'clientMatterCode', 'origDTMFMethod',
  'destDTMFMethod', 'origMediaCap_Bandwidth', 'destMediaCap_Bandwidth', 'outpulsedCallingPartyNumber',
  'outpulsedCalledPartyNumber', 'origIpv4v6Addr', 'destIpv4v6Addr', 'IncomingProtocolID', 'IncomingProtocolCallRef',
  'OutgoingProtocolID', 'OutgoingProtocolCallRef', 'huntPilotDN', 'calledPartyPatternUsage', 'originalCalledPartyPattern',
  'finalCalledPartyPattern', 'lastRedirectingPartyPattern', 'origDeviceSessionID', 'destDeviceSessionID',
] as const;

/** Index in a `CdrRecord` of each column the generator fills. */
export const F = Object.fromEntries(SET.map((n) => [n, indexOf(n)])) as Record<(typeof SET)[number], number>;

/** Line 1 of a file of this layout: the quoted column names. */
export function headerLine(layout: LayoutName): string {
  return LAYOUTS[layout].map((n) => `"${n}"`).join(',');
}

/** Line 2 of a file of this layout: the bare column types. */
export function typesLine(layout: LayoutName): string {
  return LAYOUTS[layout].map(columnType).join(',');
}

/**
 * A function writing records in a layout's column order. Integers are bare; strings are in double
 * quotes when `quoted` (12.x files; a quote inside is doubled) and bare when not (the 10.5 data set).
 * Runs of columns the generator never fills are written as one precomputed piece.
 */
export function serializer(layout: LayoutName, quoted: boolean): (r: CdrRecord) => string {
  const settable = new Set<number>(Object.values(F));
  const cell = (v: string | number): string =>
    typeof v === 'number' ? String(v) : !quoted ? v : v.includes('"') ? `"${v.replace(/"/g, '""')}"` : `"${v}"`;
  // Pieces: a column index to write, or a constant run of idle columns (with its separators).
  const pieces: Array<number | string> = [];
  LAYOUTS[layout].forEach((name, k) => {
    const i = indexOf(name);
    const sep = k > 0 ? ',' : '';
    const last = pieces[pieces.length - 1];
    if (settable.has(i)) {
      if (sep) pieces.push(typeof last === 'string' ? (pieces.pop() as string) + sep : sep);
      pieces.push(i);
    } else if (typeof last === 'string') pieces[pieces.length - 1] = last + sep + cell(TEMPLATE[i]!);
    else pieces.push(sep + cell(TEMPLATE[i]!));
  });
  const n = pieces.length;
  return (r) => {
    let s = '';
    for (let k = 0; k < n; k++) {
      const p = pieces[k]!;
      s += typeof p === 'string' ? p : cell(r[p]!);
    }
    return s;
  };
}
