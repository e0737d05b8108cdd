import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { LayoutName } from '../billing/cdr-layouts.js';
import type { CallContext } from './cdr-calls.js';
import { F, headerLine, serializer, typesLine, type CdrRecord } from './cdr-record.js';
import * as calls from './cdr-scenarios.js';
import { DEFAULT_MIX, type CallMix } from './cdr-scenarios.js';
import type { DialPlan } from './dial-plan.js';
import { createRng, type Rng } from './rng.js';

export type { CallMix } from './cdr-scenarios.js';
export { DEFAULT_MIX } from './cdr-scenarios.js';
export type { DialPlan, PlanExtension } from './dial-plan.js';
export { usDialPlan } from './dial-plan.js';

/**
 * A deterministic generator of CUCM CDR files: the same options (seed included) give the same
 * bytes. Records look like a real cluster's (cucm-cdr.md §2, §4, §5): GUID pkids, increasing
 * global call ids, UTC epoch times, little-endian IP integers, SEP phones, trunks and MGCP
 * endpoints, and the multi-record shapes of transfers, forwards, conferences and recordings.
 */

export interface CdrGeneratorOptions {
  layout: LayoutName;
  /** Write the two header lines (names, types) first. */
  header: boolean;
  /** Double-quote VARCHAR/UNIQUEIDENTIFIER values (12.x files) or leave them bare (the 10.5 data set). */
  quoted: boolean;
  clusterId: string;
  /** Calls start in [startEpoch, startEpoch + spanSeconds) and, where they fit, end inside it too. */
  startEpoch: number;
  spanSeconds: number;
  /** Number of data records (lines after the header). */
  rows: number;
  seed: number;
  plan: DialPlan;
  /** Call kind weights; missing ones take DEFAULT_MIX. */
  mix?: Partial<CallMix>;
  /** Share of outgoing calls with a client matter code (default 0.05). */
  cmcRate?: number;
  /** Share of outgoing calls with a forced authorization code (default 0.02; four times that abroad). */
  facRate?: number;
  /** globalCallID_callId before the first call (default: from the seed); consecutive files can continue a sequence. */
  firstCallId?: number;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `yyyymmddhhmm` in UTC, as in CUCM file names. */
function stamp(date: Date | number): string {
  const d = typeof date === 'number' ? new Date(date * 1000) : date;
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}`;
}

/**
 * A CUCM CDR file name, `cdr_<clusterId>_<node>_<yyyymmddhhmm UTC>_<seq>`. `date` is a Date or
 * epoch seconds; a numeric node is written with two digits (`01`).
 */
export function cdrFileName(clusterId: string, node: number | string, date: Date | number, seq: number): string {
  return `cdr_${clusterId}_${typeof node === 'number' ? pad(node) : node}_${stamp(date)}_${seq}`;
}

/** The CMR (diagnostic record) file name for the same interval: `cmr_<clusterId>_<node>_<stamp>_<seq>`. */
export function cmrFileName(clusterId: string, node: number | string, date: Date | number, seq: number): string {
  return 'cmr' + cdrFileName(clusterId, node, date, seq).slice(3);
}

type Kind = keyof CallMix;
type Scenario = (ctx: CallContext, t0: number, maxLen: number) => CdrRecord[];
const SCENARIOS: Readonly<Record<Kind, Scenario>> = {
  outgoing: (c, t, m) => calls.outgoing(c, t, m),
  incoming: (c, t, m) => calls.incoming(c, t, m),
  internal: (c, t, m) => calls.internal(c, t, m),
  unanswered: calls.unanswered,
  transfer: calls.transfer,
  forward: calls.forward,
  conference: calls.conference,
  recording: calls.recorded,
};

function chooser(rng: Rng, mix: CallMix): () => Scenario {
  const entries = (Object.keys(SCENARIOS) as Kind[]).map((k) => [k, Math.max(0, mix[k])] as const).filter(([, w]) => w > 0);
  const total = entries.reduce((s, [, w]) => s + w, 0);
  if (total <= 0) throw new Error('the call mix has no positive weight');
  return () => {
    let x = rng.next() * total;
    for (const [k, w] of entries) {
      x -= w;
      if (x < 0) return SCENARIOS[k];
    }
    return SCENARIOS[entries[entries.length - 1]![0]];
  };
}

/**
 * The lines of one CDR file, without line ends: the two header lines when `header`, then exactly
 * `rows` records with as many fields as the layout. Lazy: a million rows never sit in memory.
 */
export function* cdrLines(opts: CdrGeneratorOptions): Generator<string, void, undefined> {
  const { plan, rows, startEpoch: start, spanSeconds: span } = opts;
  if (plan.extensions.length < 2) throw new Error('the dial plan needs at least two extensions');
  if (plan.trunks.length < 1) throw new Error('the dial plan needs at least one trunk or gateway');
  if (!(span > 0)) throw new Error('spanSeconds must be positive');
  const rng = createRng(opts.seed);
  const seeded = 1000 + rng.int(8_000_000);
  let callId = opts.firstCallId !== undefined ? opts.firstCallId % 0xffffff : seeded;
  let legId = 16_000_000 + rng.int(30_000_000);
  const ctx: CallContext = {
    rng, plan, clusterId: opts.clusterId, node: 1, cmcRate: opts.cmcRate ?? 0.05, facRate: opts.facRate ?? 0.02,
    nextCallId: () => (callId = callId >= 0xffffff ? 1 : callId + 1),
    nextLeg: () => (legId += 1 + rng.int(2)),
  };
  const pick = chooser(rng, { ...DEFAULT_MIX, ...opts.mix });
  const write = serializer(opts.layout, opts.quoted);
  if (opts.header) {
    yield headerLine(opts.layout);
    yield typesLine(opts.layout);
  }
  const end = start + span;
  const maxLen = Math.max(30, Math.min(span, 5400));
  let emitted = 0;
  while (emitted < rows) {
    // Calls are spread evenly over the span, in order, with some jitter.
    const t0 = Math.min(end - 1, start + Math.floor((emitted + rng.next()) * (span / rows)));
    ctx.node = rng.chance(0.5) ? 1 : 2;
    if (rng.chance(0.2)) callId += rng.range(1, 3); // calls that wrote no CDR here (other nodes, zero duration)
    const records = pick()(ctx, t0, maxLen);
    fitInto(records, start, end);
    for (const r of records) {
      if (emitted >= rows) break;
      yield write(r);
      emitted++;
    }
  }
}

/** Moves a call earlier when it would end after the file's interval (not before its start). */
function fitInto(records: CdrRecord[], start: number, end: number): void {
  let last = 0;
  let first = Infinity;
  for (const r of records) {
    last = Math.max(last, r[F.dateTimeDisconnect] as number);
    first = Math.min(first, r[F.dateTimeOrigination] as number);
  }
  const shift = Math.min(last - end, first - start);
  if (shift <= 0) return;
  for (const r of records) {
    r[F.dateTimeOrigination] = (r[F.dateTimeOrigination] as number) - shift;
    r[F.dateTimeDisconnect] = (r[F.dateTimeDisconnect] as number) - shift;
    if ((r[F.dateTimeConnect] as number) > 0) r[F.dateTimeConnect] = (r[F.dateTimeConnect] as number) - shift;
  }
}

/**
 * Writes a generated CDR file (LF line ends), honouring the write stream's back-pressure.
 * Resolves with the number of records and bytes written.
 */
export async function generateCdrFile(path: string, opts: CdrGeneratorOptions): Promise<{ rows: number; bytes: number }> {
  const out = createWriteStream(path);
  let buf = '';
  try {
    for (const line of cdrLines(opts)) {
      buf += line + '\n';
      if (buf.length >= 256 * 1024) {
        const ok = out.write(buf);
        buf = '';
        if (!ok) await once(out, 'drain');
      }
    }
    out.end(buf);
    await finished(out);
  } catch (err) {
    out.destroy();
    throw err;
  }
  return { rows: opts.rows, bytes: out.bytesWritten };
}

const CMR_INT = (names: string): Array<[string, string]> => names.split(' ').map((n) => [n, 'INTEGER']);
const VIDEO = (suffix: string): Array<[string, string]> => [
  [`videoContentType${suffix}`, 'VARCHAR(10)'],
  ...CMR_INT(['videoDuration', 'numberVideoPacketsSent', 'numberVideoOctetsSent', 'numberVideoPacketsReceived',
    'numberVideoOctetsReceived', 'numberVideoPacketsLost', 'videoAverageJitter', 'videoRoundTripTime', 'videoOneWayDelay']
    .map((n) => n + suffix).join(' ')),
  [`videoReceptionMetrics${suffix}`, 'VARCHAR(600)'], [`videoTransmissionMetrics${suffix}`, 'VARCHAR(600)'],
];

/** The 48 CMR columns with their types (cucm-cdr.md §2.5). */
export const CMR_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ...CMR_INT('cdrRecordType globalCallID_callManagerId globalCallID_callId nodeId'), ['directoryNum', 'VARCHAR(50)'],
  ...CMR_INT('callIdentifier dateTimeStamp numberPacketsSent numberOctetsSent numberPacketsReceived numberOctetsReceived numberPacketsLost jitter latency'),
  ['pkid', 'UNIQUEIDENTIFIER'], ['directoryNumPartition', 'VARCHAR(50)'], ['globalCallId_ClusterID', 'VARCHAR(50)'],
  ['deviceName', 'VARCHAR(129)'], ['varVQMetrics', 'VARCHAR(600)'], ['duration', 'INTEGER'],
  ...VIDEO(''), ...VIDEO('_channel2'),
  ['localSessionID', 'VARCHAR(128)'], ['remoteSessionID', 'VARCHAR(128)'], ['headsetSN', 'VARCHAR(129)'], ['headsetMetrics', 'VARCHAR(1024)'],
];

/**
 * A small CMR file (header lines and `rows` quality records, one per phone leg) for tests: the
 * miner must store such a file as CMR and not bill it. Video columns are empty, as in real files.
 */
export function* cmrLines(opts: { clusterId: string; startEpoch: number; rows: number; seed: number; plan: DialPlan }): Generator<string, void, undefined> {
  const rng = createRng(opts.seed);
  yield CMR_COLUMNS.map(([n]) => `"${n}"`).join(',');
  yield CMR_COLUMNS.map(([, t]) => t).join(',');
  let callId = 1000 + rng.int(8_000_000);
  for (let i = 0; i < opts.rows; i++) {
    const ext = rng.pick(opts.plan.extensions);
    const duration = rng.range(5, 600);
    const packets = duration * 50;
    const jitter = rng.range(0, 8);
    const metrics = `CCR=0.0000;ICR=0.0000;ICRmx=0.0000;CS=0;SCS=0;Ver=0.90;VoRxCodec=G.711 u-law;CID=4;VoPktSizeMs=20;VoPktLost=0;VoPktDis=0;VoOneWayDelayMs=${rng.range(1, 40)};maxJitter=${jitter}`;
    const values: Record<string, string | number> = {
      cdrRecordType: 2, globalCallID_callManagerId: 1, globalCallID_callId: (callId += rng.range(1, 4)), nodeId: 1,
      directoryNum: ext.line, callIdentifier: 16_000_000 + rng.int(30_000_000), dateTimeStamp: opts.startEpoch + i * 60 + duration,
      numberPacketsSent: packets, numberOctetsSent: packets * 160, numberPacketsReceived: packets - rng.int(5),
      numberOctetsReceived: (packets - 5) * 160, numberPacketsLost: rng.int(3), jitter, latency: rng.range(0, 3), pkid: rng.guid(),
      directoryNumPartition: ext.partition, globalCallId_ClusterID: opts.clusterId, deviceName: ext.device, varVQMetrics: metrics,
      duration, localSessionID: `${rng.hex(8)}00105000a000${ext.device.slice(3).toLowerCase()}`,
    };
    yield CMR_COLUMNS.map(([n, t]) => {
      const v = values[n];
      if (t === 'INTEGER') return v === undefined ? '' : String(v);
      return `"${v ?? ''}"`;
    }).join(',');
  }
}
