import type { Logger } from 'pino';
import { phoneExecute, phoneText } from '../../phone-xml/index.js';
import type { CurriRequest } from '../../curri/index.js';
import type { Db } from '../db/knex.js';
import {
  deleteLineLock, findLineLock, insertLineLock, insertLockEvent, listLineHistory, listLineLocks, listLockEventsAfter, maxLockEventId,
  type LineKey,
} from '../db/queries/line-locks.js';
import type { DbLineLockRow, DbLockEventRow, LockChannel, LockReason } from '../db/tables.js';
import { callPolicy, decideCall, type CallPolicy, type CallVerdict } from './decide-call.js';
import { loadLockDirectory, type DeviceEntry, type LockDirectory } from './directory.js';
import { LOCK_REASONS, LockSet, lineId } from './lock-set.js';
import type { PhonePusher } from './push.js';

export interface PhoneLockOptions {
  db: Db;
  log: Logger;
  allowNumbers: readonly string[];
  allowInternal: boolean;
  emergencyNumbers?: readonly string[];
  pollMs: number;
  directoryRefreshMs: number;
  /** Pushes to phones on admin and budget changes; none when push credentials are not configured. */
  pusher?: PhonePusher;
  /** Base URL of the phone service as phones reach it, for pushed pages. */
  phoneServiceUrl?: string;
  now?: () => number;
}

export interface LockChange {
  line: LineKey;
  reason: LockReason;
  /** true: set the reason; false: clear it. */
  locked: boolean;
  who: string;
  channel: LockChannel;
}

export interface LineStatus extends LineKey {
  locked: boolean;
  reasons: Array<{ reason: LockReason; since: number; who: string; channel: LockChannel }>;
}

export interface HistoryEntry extends LineKey {
  id: number;
  at: number;
  reason: LockReason;
  locked: boolean;
  who: string;
  channel: LockChannel;
}

/**
 * Phone Lock: the lock state of lines and its history. Keeps the locked lines in memory for CURRI
 * decisions; every change it makes is applied to memory as it commits, and changes made by other
 * processes sharing the database (the CLI) are read from the `lock_events` feed every `pollMs`.
 */
export class PhoneLock {
  readonly locks = new LockSet();
  private dir: LockDirectory;
  private policy: CallPolicy;
  private floor = 0;
  /** Ids above `floor` already applied; a missing id is a transaction not yet committed (PostgreSQL). */
  private readonly seen = new Set<number>();
  private gapSince: number | undefined;
  /** Events this process made (and pushed itself). */
  private readonly own = new Set<number>();
  private timers: NodeJS.Timeout[] = [];
  private mutex: Promise<unknown> = Promise.resolve();
  private polling = false;
  private readonly now: () => number;

  constructor(private readonly o: PhoneLockOptions) {
    this.now = o.now ?? (() => Date.now());
    this.policy = callPolicy(o.allowNumbers, o.allowInternal);
    this.dir = { devices: new Map(), devicesByLine: new Map(), byUsername: new Map(), byExtension: new Map(), siteAllowInternal: new Map(), emergency: new Set(), emergencyMaxLength: 0, accessCodes: [] };
  }

  get directory(): LockDirectory {
    return this.dir;
  }

  /** Loads the directory and every lock, then starts polling. */
  async start(): Promise<void> {
    await this.refreshDirectory();
    await this.exclusive(async () => {
      this.floor = await maxLockEventId({ db: this.o.db });
      for (const [, l] of groupByLine(await listLineLocks({ db: this.o.db }))) this.locks.replace(l.line, l.reasons);
    });
    this.o.log.info({ locked: this.locks.size, devices: this.dir.devices.size }, 'phone lock started');
    this.timers.push(setInterval(() => void this.poll(), this.o.pollMs));
    this.timers.push(setInterval(() => void this.refreshDirectory().catch((err) => this.o.log.warn({ err }, 'directory refresh failed')), this.o.directoryRefreshMs));
    for (const t of this.timers) t.unref();
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.exclusive(async () => undefined);
    await this.o.pusher?.idle();
  }

  /** Resolves when no push is queued or in flight. */
  async pushesDone(): Promise<void> {
    await this.o.pusher?.idle();
  }

  async refreshDirectory(): Promise<void> {
    this.dir = await loadLockDirectory(this.o.db, this.o.emergencyNumbers);
  }

  /** The CURRI decision, from memory. */
  decide(req: CurriRequest): CallVerdict {
    return decideCall(req, this.locks, this.dir, this.policy);
  }

  /** The device as the directory knows it (device names are matched case-insensitively). */
  device(name: string): DeviceEntry | undefined {
    return this.dir.devices.get(name.toUpperCase());
  }

  /**
   * Sets or clears one reason on a line, records the change in the history and applies it to the
   * in-memory lock set before returning, so the next CURRI decision sees it. Returns whether
   * anything changed and the reasons that hold afterwards. Admin and budget changes are pushed
   * to the line's phones (in the background: a failed push never undoes the lock).
   */
  async setLock(change: LockChange): Promise<{ changed: boolean; reasons: LockReason[] }> {
    const { line, reason, locked, who, channel } = change;
    return this.exclusive(async () => {
      const at = Math.floor(this.now() / 1000);
      const result = await this.o.db.transaction(async (tx) => {
        const existing = await findLineLock({ db: tx, line, reason });
        if (Boolean(existing) === locked) return { eventId: undefined, rows: await listLineLocks({ db: tx, lines: [line] }) };
        if (locked) await insertLineLock({ db: tx, row: { partition: line.partition, extension: line.extension, reason, since: at, who: who.slice(0, 128), channel } });
        else await deleteLineLock({ db: tx, line, reason });
        const eventId = await insertLockEvent({ db: tx, at, line, reason, locked, who, channel });
        return { eventId, rows: await listLineLocks({ db: tx, lines: [line] }) };
      });
      const reasons = result.rows.map((r) => r.reason);
      this.locks.replace(line, reasons);
      if (result.eventId !== undefined) {
        this.own.add(result.eventId);
        this.o.log.info({ partition: line.partition, extension: line.extension, reason, locked, who, channel }, locked ? 'line locked' : 'line unlocked');
        this.pushChange({ partition: line.partition, extension: line.extension, reason, locked });
      }
      return { changed: result.eventId !== undefined, reasons: LOCK_REASONS.filter((r) => reasons.includes(r)) };
    });
  }

  /** The reasons that hold on a line, read from the database. */
  async status(line: LineKey): Promise<LineStatus> {
    const rows = await listLineLocks({ db: this.o.db, lines: [line] });
    return lineStatus(line, rows);
  }

  async history(line: LineKey, limit = 100): Promise<HistoryEntry[]> {
    return (await listLineHistory({ db: this.o.db, line, limit })).map(toHistory);
  }

  /** Reads lock changes other processes made; also run by the timer every `pollMs`. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      await this.exclusive(() => this.pollOnce());
    } catch (err) {
      this.o.log.warn({ err }, 'lock feed poll failed');
    } finally {
      this.polling = false;
    }
  }

  private async pollOnce(): Promise<void> {
    const events = await listLockEventsAfter({ db: this.o.db, afterId: this.floor, limit: 1000 });
    const touched = new Map<string, LineKey>();
    for (const e of events) {
      const id = Number(e.id);
      if (this.seen.has(id)) continue;
      this.seen.add(id);
      touched.set(lineId(e), { partition: e.partition, extension: e.extension });
      if (this.own.delete(id)) continue;
      this.pushChange({ partition: e.partition, extension: e.extension, reason: e.reason, locked: Boolean(e.locked) });
    }
    this.advanceFloor();
    if (touched.size === 0) return;
    // The state comes from line_locks, not from replaying events: correct whatever order
    // concurrent transactions committed in.
    const lines = [...touched.values()];
    const byLine = groupByLine(await listLineLocks({ db: this.o.db, lines }));
    for (const line of lines) this.locks.replace(line, byLine.get(lineId(line))?.reasons ?? []);
  }

  /** Moves the floor over contiguous seen ids; skips a gap left open for 2 s (a rolled-back id). */
  private advanceFloor(): void {
    while (this.seen.delete(this.floor + 1)) this.floor++;
    if (this.seen.size === 0) {
      this.gapSince = undefined;
      return;
    }
    const now = this.now();
    this.gapSince ??= now;
    if (now - this.gapSince > 2000) {
      this.floor = Math.min(...this.seen) - 1;
      this.gapSince = undefined;
      while (this.seen.delete(this.floor + 1)) this.floor++;
    }
  }

  /** Pushes a text notice (e.g. a budget threshold) to the phones of a line; best effort, never throws. */
  pushNotice(line: LineKey, title: string, text: string): void {
    const pusher = this.o.pusher;
    if (!pusher) return;
    for (const d of this.dir.devicesByLine.get(lineId(line)) ?? []) {
      if (d.address) pusher.push({ device: d.name, address: d.address }, phoneText({ title, text }));
    }
  }

  private pushChange(e: { partition: string; extension: string; reason: LockReason; locked: boolean }): void {
    const pusher = this.o.pusher;
    if (!pusher || (e.reason !== 'admin' && e.reason !== 'budget')) return;
    const devices = this.dir.devicesByLine.get(lineId(e)) ?? [];
    const still = this.locks.reasons(e);
    const text = e.locked
      ? `Line ${e.extension} was locked (${e.reason === 'admin' ? 'administrator' : 'budget'}). Outside calls are blocked; emergency calls still work.`
      : still.length > 0
        ? `The ${e.reason === 'admin' ? 'administrator' : 'budget'} lock on line ${e.extension} was removed; the line is still locked (${still.join(', ')}).`
        : `Line ${e.extension} was unlocked.`;
    for (const d of devices) {
      if (!d.address) continue;
      const xml = this.o.phoneServiceUrl
        ? phoneExecute([{ url: `${this.o.phoneServiceUrl.replace(/\/?$/, '/')}status?device=${encodeURIComponent(d.name)}`, priority: 1 }])
        : phoneText({ title: 'Phone Lock', text });
      pusher.push({ device: d.name, address: d.address }, xml);
    }
  }

  /** Runs `fn` alone: lock changes and feed polls never interleave their read and apply steps. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.mutex.then(fn, fn);
    this.mutex = run.catch(() => undefined);
    return run;
  }
}

function groupByLine(rows: DbLineLockRow[]): Map<string, { line: LineKey; reasons: LockReason[] }> {
  const out = new Map<string, { line: LineKey; reasons: LockReason[] }>();
  for (const r of rows) {
    const id = lineId(r);
    let entry = out.get(id);
    if (!entry) out.set(id, (entry = { line: { partition: r.partition, extension: r.extension }, reasons: [] }));
    entry.reasons.push(r.reason);
  }
  return out;
}

export function lineStatus(line: LineKey, rows: DbLineLockRow[]): LineStatus {
  const reasons = rows
    .filter((r) => r.partition === line.partition && r.extension === line.extension)
    .sort((a, b) => LOCK_REASONS.indexOf(a.reason) - LOCK_REASONS.indexOf(b.reason))
    .map((r) => ({ reason: r.reason, since: Number(r.since), who: r.who, channel: r.channel }));
  return { partition: line.partition, extension: line.extension, locked: reasons.length > 0, reasons };
}

function toHistory(e: DbLockEventRow): HistoryEntry {
  return { id: Number(e.id), at: Number(e.at), partition: e.partition, extension: e.extension, reason: e.reason, locked: Boolean(e.locked), who: e.who, channel: e.channel };
}
