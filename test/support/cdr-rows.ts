import { blankRecord, F, headerLine, serializer, typesLine } from '../../src/demo/cdr-record.js';

/** Hand-made CUCM 12.x CDR rows for tests whose expected results are worked out by hand. */

export interface RowSpec {
  callId: number;
  calling: string;
  called: string;
  origDevice: string;
  destDevice: string;
  /** Answer time (epoch seconds UTC); the call starts ringing 5 s before. */
  at: number;
  /** Connected seconds; 0: not answered. */
  talk: number;
  cmc?: string;
  fac?: string;
  callingPartition?: string;
}

const write = serializer('cucm12', true);

export function cdrRow(s: RowSpec, clusterId = 'GoldenCluster'): string {
  const r = blankRecord();
  r[F.globalCallID_callManagerId] = 1;
  r[F.globalCallID_callId] = s.callId;
  r[F.origLegCallIdentifier] = 1000 + 2 * s.callId;
  r[F.destLegIdentifier] = 1001 + 2 * s.callId;
  r[F.dateTimeOrigination] = s.at - 5;
  r[F.callingPartyNumber] = s.calling;
  r[F.originalCalledPartyNumber] = s.called;
  r[F.finalCalledPartyNumber] = s.called;
  r[F.lastRedirectDn] = s.called;
  r[F.callingPartyNumberPartition] = s.callingPartition ?? '';
  r[F.origCause_value] = 16;
  r[F.destCause_value] = 0;
  r[F.dateTimeConnect] = s.talk > 0 ? s.at : 0;
  r[F.dateTimeDisconnect] = s.at + s.talk;
  r[F.duration] = s.talk;
  r[F.pkid] = `00000000-0000-4000-8000-${String(s.callId).padStart(12, '0')}`;
  r[F.origDeviceName] = s.origDevice;
  r[F.destDeviceName] = s.destDevice;
  r[F.globalCallId_ClusterID] = clusterId;
  if (s.cmc) r[F.clientMatterCode] = s.cmc;
  if (s.fac) r[F.authCodeDescription] = s.fac;
  return write(r);
}

/** A whole CDR file (header, types line, rows; CRLF as CUCM writes). */
export function cdrFile(rows: readonly RowSpec[], clusterId = 'GoldenCluster'): string {
  return [headerLine('cucm12'), typesLine('cucm12'), ...rows.map((r) => cdrRow(r, clusterId))].join('\r\n') + '\r\n';
}
