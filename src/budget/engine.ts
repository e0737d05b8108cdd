import type { Logger } from 'pino';
import type { Db } from '../db/knex.js';
import {
  addHistory, insertPeriod, listBudgets, listBudgetUsers, listOpenPeriods, sumSpend, updatePeriod,
  type BudgetUser, type PeriodRow,
} from '../db/queries/budgets.js';
import { enqueueMail } from '../db/queries/mail-outbox.js';
import { formatMinor } from '../rating/money.js';
import type { Budget, MailTarget } from './budget.js';
import { nextPeriod, periodAt, type Period } from './period.js';

/**
 * The budget watcher. Event-driven: after each committed batch of calls the miner names the users
 * whose calls were stored, and their budgets are re-summed and checked at once (one indexed sum
 * per budget). A periodic reconciliation re-sums every budget from the database, closes ended
 * periods (also those that ended while tollgate was down), applies carry-over, and heals the
 * line locks after a restart, a reprocess or a recalculation.
 *
 * Exactly once: a threshold's mails and history are written in the same transaction as the
 * period's `fired_percent`, so a restart or a recalculation never repeats them. Locks follow the
 * spend: a line is budget-locked while any budget covering it is at or above a lock threshold.
 * All work runs one task at a time.
 */

export interface Line {
  partition: string;
  extension: string;
}

/** How Budget Control reaches Phone Lock. */
export interface BudgetLocker {
  /** Sets or clears the `budget` reason of a line's lock. */
  setBudgetLock(line: Line, on: boolean, note: string): Promise<void>;
  /** Pushes a notice to the line's phones (best effort). */
  pushNotice?(line: Line, title: string, text: string): void;
}

export interface BudgetEngineOptions {
  db: Db;
  log: Logger;
  locker?: BudgetLocker;
  /** Recipients of `admins` mails. */
  adminEmails: readonly string[];
  now?: () => number;
}

/** "My budgets": one budget as a user sees it. */
export interface BudgetStatus {
  budgetId: number;
  scope: Budget['scope'];
  target: string;
  period: Budget['period'];
  currency: string;
  assignedMinor: number;
  spendMinor: number;
  remainingMinor: number;
  percent: number;
  from: number;
  until: number;
  locked: boolean;
  /** The lowest threshold that locks the line, in percent (null: this budget never locks). */
  lockAtPercent: number | null;
}

const lineKey = (l: Line) => `${l.partition}\u0000${l.extension}`;

export function createBudgetEngine(o: BudgetEngineOptions) {
  const { db, log } = o;
  const now = o.now ?? (() => Math.floor(Date.now() / 1000));
  let chain: Promise<unknown> = Promise.resolve();
  let users: BudgetUser[] = [];
  let budgets: Budget[] = [];
  let userIds = new Set<number>();
  /** Members of each budget, and the budgets of each user: built once per refresh. */
  let members = new Map<number, BudgetUser[]>();
  let budgetsOfUser = new Map<number, Budget[]>();
  const open = new Map<number, PeriodRow>();
  /** Budget lock state last applied to each line. */
  const applied = new Map<string, boolean>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  /** Runs tasks one at a time; a failed task is logged and does not stop the next. */
  function enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = chain.then(task);
    chain = run.catch((err: Error) => log.error({ err }, 'budget task failed'));
    return run;
  }

  async function refresh(): Promise<void> {
    users = await listBudgetUsers({ db });
    budgets = (await listBudgets({ db })).filter((b) => b.enabled);
    userIds = new Set(users.map((u) => u.id));
    const byKey = new Map<string, BudgetUser[]>();
    const add = (k: string, u: BudgetUser) => {
      const list = byKey.get(k);
      if (list) list.push(u);
      else byKey.set(k, [u]);
    };
    for (const u of users) {
      add(`user\u0000${u.username}`, u);
      if (u.department !== '') add(`department\u0000${u.department}`, u);
      if (u.costCenter !== '') add(`cost_center\u0000${u.costCenter}`, u);
    }
    members = new Map(budgets.map((b) => [b.id, byKey.get(`${b.scope}\u0000${b.target}`) ?? []]));
    budgetsOfUser = new Map();
    for (const b of budgets) {
      for (const m of members.get(b.id)!) {
        const list = budgetsOfUser.get(m.id);
        if (list) list.push(b);
        else budgetsOfUser.set(m.id, [b]);
      }
    }
    open.clear();
    for (const p of await listOpenPeriods({ db })) open.set(p.budgetId, p);
  }

  function membersOf(b: Budget): BudgetUser[] {
    return members.get(b.id) ?? [];
  }

  const linesOf = (members: readonly BudgetUser[]): Line[] =>
    members.filter((u) => u.extension !== '').map((u) => ({ partition: u.partition, extension: u.extension }));

  const rule = (b: Budget) => ({ period: b.period, weekStart: b.weekStart, timezone: b.timezone });
  const day = (t: number, tz: string) => new Date(t * 1000).toLocaleDateString('en-GB', { timeZone: tz, day: 'numeric', month: 'short', year: 'numeric' });

  function describe(b: Budget, p: Period & { assignedMinor: number }): string {
    const what = b.scope === 'user' ? 'your' : `the ${b.scope === 'department' ? 'department' : 'cost centre'} ${b.target}`;
    return `${what} ${b.period} phone budget of ${formatMinor(p.assignedMinor, b.currency)} (${day(p.start, b.timezone)} to ${day(p.end - 1, b.timezone)})`;
  }

  function recipients(members: readonly BudgetUser[], targets: readonly MailTarget[]): string[] {
    const to = new Set<string>();
    for (const t of targets) {
      if (t === 'user') for (const m of members) if (m.email) to.add(m.email);
      if (t === 'manager') {
        for (const m of members) {
          // A username (users file), or a DN (AD sync copies AD's `manager` attribute).
          const key = m.manager.toLowerCase();
          const mgr = key === '' ? undefined : users.find((u) => u.username === m.manager || (u.ldapDn !== '' && u.ldapDn.toLowerCase() === key));
          if (mgr?.email) to.add(mgr.email);
        }
      }
      if (t === 'admins') for (const a of o.adminEmails) to.add(a);
    }
    return [...to];
  }

  /** The open period of a budget, closing any that ended (catch-up after downtime). */
  async function currentPeriod(b: Budget, t: number): Promise<PeriodRow> {
    let p = open.get(b.id);
    if (!p) {
      const cur = periodAt(rule(b), t);
      p = await insertPeriod({ db, budgetId: b.id, startsAt: cur.start, endsAt: cur.end, assignedMinor: b.amountMinor });
      open.set(b.id, p);
      return p;
    }
    while (p.endsAt <= t) p = await closePeriod(b, p, t);
    return p;
  }

  async function closePeriod(b: Budget, p: PeriodRow, t: number): Promise<PeriodRow> {
    const members = membersOf(b);
    const spend = await sumSpend({ db, userIds: members.map((m) => m.id), from: p.startsAt, to: p.endsAt, currency: b.currency, types: b.countTypes });
    const carry = b.carryOver ? Math.max(0, p.assignedMinor - spend) : 0;
    const next = nextPeriod(rule(b), { start: p.startsAt, end: p.endsAt });
    const latest = next.end > t;
    const row = await db.transaction(async (tx) => {
      await updatePeriod({ db: tx, period: { ...p, spendMinor: spend, locked: false, closedAt: t } });
      await addHistory({
        db: tx, budgetId: b.id, periodId: p.id, at: t, kind: 'period-end',
        detail: `period ${day(p.startsAt, b.timezone)} to ${day(p.endsAt - 1, b.timezone)} ended: spent ${formatMinor(spend, b.currency)} of ${formatMinor(p.assignedMinor, b.currency)}`,
      });
      if (p.locked) await addHistory({ db: tx, budgetId: b.id, periodId: p.id, at: t, kind: 'unlock', detail: 'budget lock lifted: new period' });
      if (carry > 0) {
        await addHistory({ db: tx, budgetId: b.id, periodId: p.id, at: t, kind: 'carry-over', detail: `${formatMinor(carry, b.currency)} carried over to the next period` });
      }
      const fresh = await insertPeriod({ db: tx, budgetId: b.id, startsAt: next.start, endsAt: next.end, assignedMinor: b.amountMinor + carry });
      const to = recipients(members, ['user']);
      if (latest && to.length > 0) {
        // One notice for the period a user is now in; periods that ended while tollgate was down are only recorded.
        await enqueueMail({
          db: tx, recipients: to, budgetId: b.id, now: t,
          subject: `Your phone budget is renewed: ${formatMinor(fresh.assignedMinor, b.currency)}`,
          body: `Hello,\n\nA new period of ${describe(b, { ...next, assignedMinor: fresh.assignedMinor })} has started.\n` +
            `Last period you spent ${formatMinor(spend, b.currency)} of ${formatMinor(p.assignedMinor, b.currency)}.` +
            `${carry > 0 ? `\n${formatMinor(carry, b.currency)} was carried over.` : ''}${p.locked ? '\nYour line is unlocked again.' : ''}\n\ntollgate Budget Control\n`,
        });
        await addHistory({ db: tx, budgetId: b.id, periodId: fresh.id, at: t, kind: 'notify', detail: `new period notice e-mailed to ${to.join(', ')}` });
      }
      return fresh;
    });
    open.set(b.id, row);
    log.info({ budgetId: b.id, spend, carry }, 'budget period closed');
    return row;
  }

  /** Re-sums a budget's period and acts on thresholds and the lock threshold. */
  async function check(b: Budget, t: number): Promise<void> {
    const p = await currentPeriod(b, t);
    const members = membersOf(b);
    const spend = await sumSpend({ db, userIds: members.map((m) => m.id), from: p.startsAt, to: p.endsAt, currency: b.currency, types: b.countTypes });
    const percent = p.assignedMinor > 0 ? (spend * 100) / p.assignedMinor : spend > 0 ? Infinity : 0;
    const due = b.thresholds.filter((th) => th.percent > p.firedPercent && th.percent <= percent);
    const lockAt = b.thresholds.filter((th) => th.lock).map((th) => th.percent);
    const locked = lockAt.length > 0 && percent >= Math.min(...lockAt);
    if (spend === p.spendMinor && due.length === 0 && locked === p.locked) return;
    const next: PeriodRow = { ...p, spendMinor: spend, locked, firedPercent: Math.max(p.firedPercent, ...due.map((d) => d.percent)) };
    const pushes: Array<{ title: string; text: string }> = [];
    await db.transaction(async (tx) => {
      await updatePeriod({ db: tx, period: next });
      for (const th of due) {
        const summary = `${Math.floor(percent)}% of ${describe(b, { start: p.startsAt, end: p.endsAt, assignedMinor: p.assignedMinor })} used: ` +
          `${formatMinor(spend, b.currency)} spent, ${formatMinor(Math.max(0, p.assignedMinor - spend), b.currency)} left`;
        await addHistory({ db: tx, budgetId: b.id, periodId: p.id, at: t, kind: 'threshold', detail: `${th.percent}% threshold reached (${summary})` });
        const to = recipients(members, th.email);
        if (to.length > 0) {
          await enqueueMail({
            db: tx, recipients: to, budgetId: b.id, now: t,
            subject: `Phone budget: ${th.percent}% reached`,
            body: `Hello,\n\n${summary}.${th.lock ? '\nThe phone line is now locked for outside calls until the next period (emergency numbers still work).' : ''}\n\ntollgate Budget Control\n`,
          });
          await addHistory({ db: tx, budgetId: b.id, periodId: p.id, at: t, kind: 'notify', detail: `${th.percent}% notice e-mailed to ${to.join(', ')}` });
        }
        if (th.push) pushes.push({ title: 'Phone budget', text: `${th.percent}% of your budget used${th.lock ? ': line locked' : ''}` });
      }
      if (locked !== p.locked) {
        await addHistory({
          db: tx, budgetId: b.id, periodId: p.id, at: t, kind: locked ? 'lock' : 'unlock',
          detail: locked ? `line(s) ${linesOf(members).map((l) => l.extension).join(', ') || '(none)'} locked: ${formatMinor(spend, b.currency)} spent`
            : `budget lock lifted: the spend fell to ${formatMinor(spend, b.currency)}`,
        });
      }
    });
    open.set(b.id, next);
    if (o.locker?.pushNotice) for (const push of pushes) for (const line of linesOf(members)) o.locker.pushNotice(line, push.title, push.text);
  }

  /**
   * Brings member lines' budget locks in line with the periods (only changes are sent): every line,
   * or the lines of some budgets (each line still weighs every budget covering it).
   */
  async function applyLocks(only?: ReadonlySet<Budget>): Promise<void> {
    if (!o.locker) return;
    const want = new Map<string, { line: Line; on: boolean }>();
    const scope = only ? [...only].flatMap((b) => membersOf(b)) : users;
    for (const u of scope) {
      if (u.extension === '') continue;
      const line = { partition: u.partition, extension: u.extension };
      const on = (budgetsOfUser.get(u.id) ?? []).some((b) => open.get(b.id)?.locked === true);
      const k = lineKey(line);
      if (budgetsOfUser.has(u.id) || applied.get(k) === true) want.set(k, { line, on: on || want.get(k)?.on === true });
    }
    // A line locked earlier that no budget covers any more (budget deleted, user moved) is released.
    if (!only) {
      for (const [k, on] of applied) {
        if (!on || want.has(k)) continue;
        const [partition = '', extension = ''] = k.split('\u0000');
        want.set(k, { line: { partition, extension }, on: false });
      }
    }
    for (const [k, { line, on }] of want) {
      if (applied.get(k) === on) continue;
      try {
        await o.locker.setBudgetLock(line, on, on ? 'budget spent' : 'budget available');
        applied.set(k, on);
      } catch (err) {
        log.error({ err, extension: line.extension }, 'could not change a budget lock (retried at the next check)');
      }
    }
  }

  /** After calls are stored: the budgets of these users, at once. */
  function onCallsStored(stored: ReadonlySet<number>): Promise<void> {
    return enqueue(async () => {
      if (stored.size === 0 || stopped) return;
      if ([...stored].some((id) => !userIds.has(id))) await refresh();
      const t = now();
      const touched = new Set<Budget>();
      for (const id of stored) for (const b of budgetsOfUser.get(id) ?? []) touched.add(b);
      for (const b of touched) await check(b, t);
      if (touched.size > 0) await applyLocks(touched);
    });
  }

  /** Everything from the database: periods, spend, thresholds, locks. */
  function reconcile(): Promise<void> {
    return enqueue(async () => {
      await refresh();
      const t = now();
      for (const b of budgets) await check(b, t);
      await applyLocks();
    });
  }

  /** "My budgets": every budget covering a user (by username). */
  function statusOf(username: string): Promise<BudgetStatus[]> {
    return enqueue(async () => {
      await refresh();
      const u = users.find((x) => x.username === username);
      if (!u) return [];
      const t = now();
      const out: BudgetStatus[] = [];
      for (const b of budgetsOfUser.get(u.id) ?? []) {
        await check(b, t);
        const p = open.get(b.id)!;
        out.push({
          budgetId: b.id, scope: b.scope, target: b.target, period: b.period, currency: b.currency, assignedMinor: p.assignedMinor,
          spendMinor: p.spendMinor, remainingMinor: Math.max(0, p.assignedMinor - p.spendMinor),
          percent: p.assignedMinor > 0 ? Math.floor((p.spendMinor * 100) / p.assignedMinor) : 0, from: p.startsAt, until: p.endsAt, locked: p.locked,
          lockAtPercent: b.thresholds.filter((x) => x.lock).reduce<number | null>((m, x) => (m === null || x.percent < m ? x.percent : m), null),
        });
      }
      return out;
    });
  }

  return {
    onCallsStored,
    reconcile,
    statusOf,
    /** Reconciles now (catch-up) and then every `intervalMs`. */
    async start(intervalMs: number): Promise<void> {
      await reconcile();
      timer = setInterval(() => void reconcile().catch(() => undefined), intervalMs);
      timer.unref();
    },
    /** Stops the timer and waits for the task in flight. */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearInterval(timer);
      await chain.catch(() => undefined);
    },
  };
}

export type BudgetEngine = ReturnType<typeof createBudgetEngine>;
