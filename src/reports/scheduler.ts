import { PassThrough } from 'node:stream';
import type { Logger } from 'pino';
import { z } from 'zod';
import { localTime } from '../budget/period.js';
import { isTimeZone, localParts } from '../time/zone.js';
import type { Db } from '../db/knex.js';
import { enqueueMail } from '../db/queries/mail-outbox.js';
import { UsageError } from '../errors.js';
import { isAlarmType, parseAlarmParams, runAlarm } from './alarms.js';
import { findReport } from './catalogue.js';
import { runReport, type ReportResult } from './engine.js';
import { parseReportOptions, resolvePeriod } from './options.js';
import { CONTENT_TYPES, FORMATS, writeReport, type ReportFormat } from './output.js';

/**
 * Scheduled reports and alarms: every N minutes, hours, days, weeks or months from a start date
 * and time in a time zone (days, weeks and months keep the local time of day across DST).
 *
 * Catch-up rule: at each tick (and at start-up) a schedule whose next run is due runs once, for
 * its latest due time; runs missed while tollgate was down are not repeated one by one (each run
 * covers its own report period), and the next run is the first due time after now. A run is
 * recorded with its mail in one transaction, unique per schedule and due time, so a restart or a
 * second tollgate process never sends the same run twice, and a crash before that transaction
 * leaves the run to be done again.
 */

export const UNITS = ['minutes', 'hours', 'days', 'weeks', 'months'] as const;
export type Unit = (typeof UNITS)[number];
/** Largest attachment mailed (larger reports fail with the reason). */
export const MAX_ATTACHMENT_BYTES = 15 * 1024 * 1024;

export interface Recurrence {
  everyN: number;
  everyUnit: Unit;
  startsAt: number;
  timezone: string;
}

/** The k-th occurrence (k ≥ 0) of a recurrence. */
export function occurrence(r: Recurrence, k: number): number {
  if (r.everyUnit === 'minutes') return r.startsAt + k * r.everyN * 60;
  if (r.everyUnit === 'hours') return r.startsAt + k * r.everyN * 3600;
  const s = localParts(r.timezone, r.startsAt);
  if (r.everyUnit === 'days' || r.everyUnit === 'weeks') return localTime(r.timezone, s.y, s.m, s.d + k * r.everyN * (r.everyUnit === 'weeks' ? 7 : 1), s.hh, s.mm);
  // Months: the same day of the month, or the last day of a shorter month.
  const month = s.m - 1 + k * r.everyN;
  const y = s.y + Math.floor(month / 12);
  const m = (((month % 12) + 12) % 12) + 1;
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return localTime(r.timezone, y, m, Math.min(s.d, last), s.hh, s.mm);
}

/** The latest occurrence at or before `t` (null before the start), and the first one after `t`. */
export function occurrencesAround(r: Recurrence, t: number): { due: number | null; next: number } {
  if (t < r.startsAt) return { due: null, next: r.startsAt };
  const approx = { minutes: 60, hours: 3600, days: 86_400, weeks: 604_800, months: 2_629_746 }[r.everyUnit] * r.everyN;
  let k = Math.max(0, Math.floor((t - r.startsAt) / approx) - 2);
  while (occurrence(r, k + 1) <= t) k++;
  while (k > 0 && occurrence(r, k) > t) k--;
  return { due: occurrence(r, k), next: occurrence(r, k + 1) };
}

export const scheduleInputSchema = z.object({
  name: z.string().trim().min(1).max(100),
  kind: z.enum(['report', 'alarm']).default('report'),
  /** A report id, or an alarm type. */
  target: z.string().trim().min(1),
  options: z.record(z.string(), z.unknown()).default({}),
  /** Alarm parameters. */
  params: z.record(z.string(), z.unknown()).default({}),
  format: z.enum(FORMATS).default('csv'),
  recipients: z.array(z.string().regex(/^[^@\s]+@[^@\s]+$/, 'not an e-mail address')).min(1, 'at least one recipient'),
  everyN: z.int().min(1).max(1000),
  everyUnit: z.enum(UNITS),
  /** First run: ISO local date-time `2026-12-01T07:00` in `timezone`. */
  startsAt: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'a start is a local date and time, YYYY-MM-DDTHH:MM'),
  timezone: z.string(),
  skipEmpty: z.boolean().default(false),
  subject: z.string().max(200).default('[[REPORT]]'),
  body: z.string().max(10_000).default('[[REPORT]]\n\n[[FILTER]]\n'),
  enabled: z.boolean().default(true),
  owner: z.string().default(''),
});
export type ScheduleInput = z.input<typeof scheduleInputSchema>;

/** Creates or replaces (by name) a schedule. A start in the past is refused. */
export async function saveSchedule(options: { db: Db; input: unknown; now: number }): Promise<number> {
  const { db, now } = options;
  const r = scheduleInputSchema.safeParse(options.input);
  if (!r.success) throw new UsageError(`invalid schedule:\n${r.error.issues.map((i) => `  ${i.path.join('.') || '(schedule)'}: ${i.message}`).join('\n')}`);
  const s = r.data;
  if (!isTimeZone(s.timezone)) {
    throw new UsageError(`invalid schedule:\n  timezone: unknown time zone (got ${JSON.stringify(s.timezone)})`);
  }
  if (s.kind === 'report' && !findReport(s.target)) throw new UsageError(`invalid schedule:\n  target: no report ${JSON.stringify(s.target)}`);
  if (s.kind === 'alarm') parseAlarmParams(s.target, s.params);
  try {
    resolvePeriod(parseReportOptions({ ...s.options, timezone: s.options.timezone ?? s.timezone }), now);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const [date, time] = s.startsAt.split('T') as [string, string];
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm] = time.split(':').map(Number) as [number, number];
  const startsAt = localTime(s.timezone, y, m, d, hh, mm);
  const existing = await db('schedules').where({ name: s.name }).first('id', 'starts_at');
  if (startsAt < now - 60 && (!existing || Number(existing.starts_at) !== startsAt)) {
    throw new UsageError(`invalid schedule:\n  startsAt: ${s.startsAt} (${s.timezone}) is in the past`);
  }
  const values = {
    kind: s.kind, target: s.target, options: JSON.stringify({ options: s.options, params: s.params }), format: s.format,
    recipients: JSON.stringify(s.recipients), every_n: s.everyN, every_unit: s.everyUnit, starts_at: startsAt, timezone: s.timezone,
    skip_empty: s.kind === 'alarm' ? true : s.skipEmpty, subject: s.subject, body: s.body, enabled: s.enabled, owner: s.owner, updated_at: now,
    next_run_at: occurrencesAround({ everyN: s.everyN, everyUnit: s.everyUnit, startsAt, timezone: s.timezone }, now - 1).next,
  };
  if (existing) {
    await db('schedules').where({ id: existing.id }).update(values);
    return Number(existing.id);
  }
  const [row] = await db('schedules').insert({ ...values, name: s.name, created_at: now }).returning('id');
  return Number(typeof row === 'object' ? row.id : row);
}

export interface ScheduleRow {
  id: number;
  name: string;
  kind: 'report' | 'alarm';
  target: string;
  format: ReportFormat;
  recipients: string[];
  everyN: number;
  everyUnit: Unit;
  startsAt: number;
  timezone: string;
  skipEmpty: boolean;
  subject: string;
  body: string;
  enabled: boolean;
  nextRunAt: number;
  lastRunAt: number | null;
  lastStatus: string | null;
  lastResult: string | null;
  options: Record<string, unknown>;
  params: Record<string, unknown>;
}

function toSchedule(r: Record<string, unknown>): ScheduleRow {
  const o = JSON.parse(String(r.options)) as { options: Record<string, unknown>; params: Record<string, unknown> };
  return {
    id: Number(r.id), name: String(r.name), kind: r.kind as ScheduleRow['kind'], target: String(r.target), format: r.format as ReportFormat,
    recipients: JSON.parse(String(r.recipients)) as string[], everyN: Number(r.every_n), everyUnit: r.every_unit as Unit, startsAt: Number(r.starts_at),
    timezone: String(r.timezone), skipEmpty: Boolean(r.skip_empty), subject: String(r.subject), body: String(r.body), enabled: Boolean(r.enabled),
    nextRunAt: Number(r.next_run_at), lastRunAt: r.last_run_at === null ? null : Number(r.last_run_at), lastStatus: r.last_status === null ? null : String(r.last_status),
    lastResult: r.last_result === null ? null : String(r.last_result), options: o.options, params: o.params,
  };
}

export async function listSchedules(options: { db: Db }): Promise<ScheduleRow[]> {
  return (await options.db('schedules').orderBy('name')).map(toSchedule);
}

/** A schedule's start as the local `YYYY-MM-DDTHH:MM` of its time zone (what `saveSchedule` takes). */
export function localStart(s: Pick<ScheduleRow, 'startsAt' | 'timezone'>): string {
  const p = localParts(s.timezone, s.startsAt);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.y}-${two(p.m)}-${two(p.d)}T${two(p.hh)}:${two(p.mm)}`;
}

/** No such schedule (the HTTP APIs answer 404). */
export class ScheduleNotFound extends UsageError {
  override name = 'ScheduleNotFound';
}

async function findSchedule(db: Db, name: string): Promise<ScheduleRow> {
  const s = (await listSchedules({ db })).find((x) => x.name === name);
  if (!s) throw new ScheduleNotFound(`no schedule ${JSON.stringify(name)}`);
  return s;
}

export async function setScheduleEnabled(options: { db: Db; name: string; enabled: boolean; now: number }): Promise<void> {
  const s = await findSchedule(options.db, options.name);
  const next = occurrencesAround(s, options.now).next;
  await options.db('schedules').where({ id: s.id }).update({ enabled: options.enabled, next_run_at: next, updated_at: options.now });
}

export async function deleteSchedule(options: { db: Db; name: string }): Promise<void> {
  if ((await options.db('schedules').where({ name: options.name }).delete()) === 0) throw new ScheduleNotFound(`no schedule ${JSON.stringify(options.name)}`);
}

/**
 * Runs a schedule now ("run now"), enabled or not, for the due time `now`: recorded and mailed like
 * a scheduled run (a second run in the same second is the same run and is not repeated); the next
 * scheduled run stays the first due time after now.
 */
export async function runScheduleNow(options: { db: Db; name: string; now: number }): Promise<{ status: string; detail: string }> {
  const s = await findSchedule(options.db, options.name);
  return runOnce(options.db, s, options.now, options.now);
}

function fill(template: string, r: ReportResult): string {
  return template.replaceAll('[[REPORT]]', r.report.title).replaceAll('[[FILTER]]', r.filterSummary.join('\n')).replaceAll('[[PERIOD]]', r.filterSummary[0] ?? '');
}

/** Runs one schedule for one due time: the report, then its run record and mail in one transaction. */
async function runOnce(db: Db, s: ScheduleRow, due: number, now: number): Promise<{ status: 'ok' | 'empty' | 'failed' | 'done-before'; detail: string }> {
  let status: 'ok' | 'empty' | 'failed';
  let detail: string;
  let rows = 0;
  let mail: { subject: string; body: string; attachment: { filename: string; contentType: string; base64: string } } | null = null;
  try {
    const options = { ...s.options, timezone: s.options.timezone ?? s.timezone };
    const result = s.kind === 'alarm'
      ? await runAlarm({ db, type: s.target, params: s.params, options, now: due })
      : await runReport({ db, report: s.target, options, now: due });
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    let size = 0;
    out.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_ATTACHMENT_BYTES) chunks.push(c);
    });
    rows = (await writeReport(result, s.format, out)).rows;
    out.end();
    if (size > MAX_ATTACHMENT_BYTES) throw new Error(`the ${s.format} output is ${size} bytes, above the ${MAX_ATTACHMENT_BYTES}-byte mail limit: narrow the report or use CSV`);
    if (rows === 0 && s.skipEmpty) {
      status = 'empty';
      detail = 'no rows: nothing sent';
    } else {
      status = 'ok';
      detail = `${rows} rows sent to ${s.recipients.join(', ')}`;
      const stamp = new Date(due * 1000).toISOString().slice(0, 16).replace(/[:T]/g, '-');
      mail = {
        subject: fill(s.subject, result), body: fill(s.body, result),
        attachment: { filename: `${s.target}-${stamp}.${s.format}`, contentType: CONTENT_TYPES[s.format], base64: Buffer.concat(chunks).toString('base64') },
      };
    }
  } catch (err) {
    status = 'failed';
    detail = (err as Error).message;
  }
  const next = occurrencesAround(s, now).next;
  try {
    await db.transaction(async (tx) => {
      await tx('schedule_runs').insert({ schedule_id: s.id, due_at: due, ran_at: now, status, rows, detail });
      if (mail) await enqueueMail({ db: tx, recipients: s.recipients, subject: mail.subject, body: mail.body, attachments: [mail.attachment], now });
      await tx('schedules').where({ id: s.id }).update({ next_run_at: next, last_run_at: now, last_status: status, last_result: detail.slice(0, 2000) });
    });
  } catch (err) {
    // Unique (schedule, due time): another process recorded this run first. Move on.
    const recorded = await db('schedule_runs').where({ schedule_id: s.id, due_at: due }).first('id');
    if (!recorded) throw err;
    await db('schedules').where({ id: s.id }).where('next_run_at', '<=', due).update({ next_run_at: next });
    return { status: 'done-before', detail: 'this run was recorded before' };
  }
  return { status, detail };
}

export function createScheduler(o: { db: Db; log: Logger; now?: () => number }) {
  const { db, log } = o;
  const now = o.now ?? (() => Math.floor(Date.now() / 1000));
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | null = null;

  /** Runs every due schedule once; returns how many ran. */
  async function tickOnce(): Promise<number> {
    const t = now();
    let ran = 0;
    for (const s of (await listSchedules({ db })).filter((x) => x.enabled && x.nextRunAt <= t)) {
      const { due } = occurrencesAround(s, t);
      if (due === null) continue;
      const r = await runOnce(db, s, due, t);
      if (r.status !== 'done-before') ran++;
      if (r.status === 'failed') log.warn({ schedule: s.name, error: r.detail }, 'scheduled run failed');
      else log.info({ schedule: s.name, status: r.status }, r.detail);
    }
    return ran;
  }

  function tick(): Promise<number> {
    running ??= tickOnce().finally(() => (running = null));
    return running;
  }

  return {
    tick,
    start(intervalMs = 30_000): void {
      void tick().catch((err: Error) => log.error({ err }, 'scheduler tick failed'));
      timer = setInterval(() => void tick().catch((err: Error) => log.error({ err }, 'scheduler tick failed')), intervalMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
export { isAlarmType };
