/**
 * CUCM CDR column layouts, by release, as written in line 1 of a CDR file. Files with a header
 * are mapped by name; a file without one is matched to a layout by its field count.
 * Source: shared/protocols/cucm-cdr.md §2.3–2.4 (12.x–15.x names copied from a real file).
 */

const HEAD = [
  'cdrRecordType', 'globalCallID_callManagerId', 'globalCallID_callId', 'origLegCallIdentifier', 'dateTimeOrigination',
  'origNodeId', 'origSpan', 'origIpAddr', 'callingPartyNumber', 'callingPartyUnicodeLoginUserID', 'origCause_location',
  'origCause_value', 'origPrecedenceLevel', 'origMediaTransportAddress_IP', 'origMediaTransportAddress_Port',
  'origMediaCap_payloadCapability', 'origMediaCap_maxFramesPerPacket', 'origMediaCap_g723BitRate', 'origVideoCap_Codec',
  'origVideoCap_Bandwidth', 'origVideoCap_Resolution', 'origVideoTransportAddress_IP', 'origVideoTransportAddress_Port',
  'origRSVPAudioStat', 'origRSVPVideoStat', 'destLegIdentifier', 'destNodeId', 'destSpan', 'destIpAddr',
  'originalCalledPartyNumber', 'finalCalledPartyNumber', 'finalCalledPartyUnicodeLoginUserID', 'destCause_location',
  'destCause_value', 'destPrecedenceLevel', 'destMediaTransportAddress_IP', 'destMediaTransportAddress_Port',
  'destMediaCap_payloadCapability', 'destMediaCap_maxFramesPerPacket', 'destMediaCap_g723BitRate', 'destVideoCap_Codec',
  'destVideoCap_Bandwidth', 'destVideoCap_Resolution', 'destVideoTransportAddress_IP', 'destVideoTransportAddress_Port',
  'destRSVPAudioStat', 'destRSVPVideoStat', 'dateTimeConnect', 'dateTimeDisconnect', 'lastRedirectDn', 'pkid',
  'originalCalledPartyNumberPartition', 'callingPartyNumberPartition', 'finalCalledPartyNumberPartition',
  'lastRedirectDnPartition', 'duration', 'origDeviceName', 'destDeviceName', 'origCallTerminationOnBehalfOf',
  'destCallTerminationOnBehalfOf', 'origCalledPartyRedirectOnBehalfOf', 'lastRedirectRedirectOnBehalfOf',
  'origCalledPartyRedirectReason', 'lastRedirectRedirectReason', 'destConversationId', 'globalCallId_ClusterID',
  'joinOnBehalfOf', 'comment', 'authCodeDescription', 'authorizationLevel', 'clientMatterCode', 'origDTMFMethod',
  'destDTMFMethod', 'callSecuredStatus', 'origConversationId', 'origMediaCap_Bandwidth', 'destMediaCap_Bandwidth',
  'authorizationCodeValue', 'outpulsedCallingPartyNumber', 'outpulsedCalledPartyNumber', 'origIpv4v6Addr',
  'destIpv4v6Addr', 'origVideoCap_Codec_Channel2', 'origVideoCap_Bandwidth_Channel2', 'origVideoCap_Resolution_Channel2',
  'origVideoTransportAddress_IP_Channel2', 'origVideoTransportAddress_Port_Channel2', 'origVideoChannel_Role_Channel2',
  'destVideoCap_Codec_Channel2', 'destVideoCap_Bandwidth_Channel2', 'destVideoCap_Resolution_Channel2',
  'destVideoTransportAddress_IP_Channel2', 'destVideoTransportAddress_Port_Channel2', 'destVideoChannel_Role_Channel2',
  'IncomingProtocolID', 'IncomingProtocolCallRef', 'OutgoingProtocolID', 'OutgoingProtocolCallRef',
  'currentRoutingReason', 'origRoutingReason', 'lastRedirectingRoutingReason',
] as const;

const IMS = ['IncomingICID', 'IncomingOrigIOI', 'IncomingTermIOI', 'OutgoingICID', 'OutgoingOrigIOI', 'OutgoingTermIOI'] as const;

const TAIL = [
  'outpulsedOriginalCalledPartyNumber', 'outpulsedLastRedirectingNumber', 'wasCallQueued', 'totalWaitTimeInQueue',
  'callingPartyNumber_uri', 'originalCalledPartyNumber_uri', 'finalCalledPartyNumber_uri', 'lastRedirectDn_uri',
  'mobileCallingPartyNumber', 'finalMobileCalledPartyNumber', 'origMobileDeviceName', 'destMobileDeviceName',
  'origMobileCallDuration', 'destMobileCallDuration', 'mobileCallType', 'originalCalledPartyPattern',
  'finalCalledPartyPattern', 'lastRedirectingPartyPattern', 'huntPilotPattern',
] as const;

const DEVICE_TYPES = ['origDeviceType', 'destDeviceType', 'origDeviceSessionID', 'destDeviceSessionID'] as const;

export type LayoutName = 'cucm10.5' | 'cucm11' | 'cucm12';

export const LAYOUTS: Readonly<Record<LayoutName, readonly string[]>> = {
  /** 10.5: no IMS fields, no device types, and huntPilotDN before huntPilotPartition. */
  'cucm10.5': [...HEAD, 'huntPilotDN', 'huntPilotPartition', 'calledPartyPatternUsage', ...TAIL],
  'cucm11': [...HEAD, 'huntPilotPartition', 'huntPilotDN', 'calledPartyPatternUsage', ...IMS, ...TAIL],
  'cucm12': [...HEAD, 'huntPilotPartition', 'huntPilotDN', 'calledPartyPatternUsage', ...IMS, ...TAIL, ...DEVICE_TYPES],
};

/** The layout of a headerless file, by its field count (123, 129, 133). */
export function layoutByFieldCount(count: number): LayoutName | undefined {
  for (const [name, fields] of Object.entries(LAYOUTS) as Array<[LayoutName, readonly string[]]>) {
    if (fields.length === count) return name;
  }
  return undefined;
}

/** The layout whose names equal a header line, if it is one of ours (for the `layout` column). */
export function layoutByHeader(names: readonly string[]): LayoutName | undefined {
  const lower = names.map((n) => n.toLowerCase());
  for (const [name, fields] of Object.entries(LAYOUTS) as Array<[LayoutName, readonly string[]]>) {
    if (fields.length === lower.length && fields.every((f, i) => f.toLowerCase() === lower[i])) return name;
  }
  return undefined;
}
