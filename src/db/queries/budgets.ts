import type { Budget, BudgetScope } from '../../budget/budget.js';
import type { DestinationType } from '../../rating/destination-types.js';
import type { DbOrTx } from '../knex.js';

/** Budgets, their periods and history. */

interface DbBudgetRow {
  id: number; scope: BudgetScope; target: string; period: Budget['period']; week_start: number; timezone: string;
  amount_minor: number | string; currency: string; count_types: string; carry_over: boolean | number; thresholds: string;
  enabled: boolean | number;
}

const toBudget = (r: DbBudgetRow): Budget => ({
  id: Number(r.id), scope: r.scope, target: r.target, period: r.period, weekStart: Number(r.week_start), timezone: r.timezone,
  amountMinor: Number(r.amount_minor), currency: r.currency, countTypes: JSON.parse(r.count_types) as DestinationType[],
  carryOver: Boolean(r.carry_over), thresholds: JSON.parse(r.thresholds) as Budget['thresholds'], enabled: Boolean(r.enabled),
});

/** Creates the budget of a scope and target, or replaces its settings. Returns its id. */
export async function upsertBudget(options: { db: DbOrTx; budget: Omit<Budget, 'id'>; now: number }): Promise<number> {
  const { db, budget: b, now } = options;
  const values = {
    period: b.period, week_start: b.weekStart, timezone: b.timezone, amount_minor: b.amountMinor, currency: b.currency,
    count_types: JSON.stringify(b.countTypes), carry_over: b.carryOver, thresholds: JSON.stringify(b.thresholds), enabled: b.enabled, updated_at: now,
  };
  const existing = await db('budgets').where({ scope: b.scope, target: b.target }).first('id');
  if (existing) {
    await db('budgets').where({ id: existing.id }).update(values);
    return Number(existing.id);
  }
  const [row] = await db('budgets').insert({ ...values, scope: b.scope, target: b.target, created_at: now }).returning('id');
  return Number(typeof row === 'object' ? row.id : row);
}

export async function listBudgets(options: { db: DbOrTx }): Promise<Budget[]> {
  return ((await options.db<DbBudgetRow>('budgets').orderBy('id')) as DbBudgetRow[]).map(toBudget);
}

export async function deleteBudget(options: { db: DbOrTx; scope: BudgetScope; target: string }): Promise<boolean> {
  return (await options.db('budgets').where({ scope: options.scope, target: options.target }).delete()) > 0;
}

export interface PeriodRow {
  id: number;
  budgetId: number;
  startsAt: number;
  endsAt: number;
  assignedMinor: number;
  spendMinor: number;
  firedPercent: number;
  locked: boolean;
  closedAt: number | null;
}

const toPeriod = (r: Record<string, unknown>): PeriodRow => ({
  id: Number(r.id), budgetId: Number(r.budget_id), startsAt: Number(r.starts_at), endsAt: Number(r.ends_at),
  assignedMinor: Number(r.assigned_minor), spendMinor: Number(r.spend_minor), firedPercent: Number(r.fired_percent),
  locked: Boolean(r.locked), closedAt: r.closed_at === null ? null : Number(r.closed_at),
});

/** The open (not yet closed) periods of every budget. */
export async function listOpenPeriods(options: { db: DbOrTx }): Promise<PeriodRow[]> {
  return (await options.db('budget_periods').whereNull('closed_at').orderBy('id')).map(toPeriod);
}

/** A budget's periods, newest first. */
export async function listPeriods(options: { db: DbOrTx; budgetId: number; limit: number }): Promise<PeriodRow[]> {
  return (await options.db('budget_periods').where({ budget_id: options.budgetId }).orderBy('starts_at', 'desc').limit(options.limit)).map(toPeriod);
}

export async function insertPeriod(options: { db: DbOrTx; budgetId: number; startsAt: number; endsAt: number; assignedMinor: number }): Promise<PeriodRow> {
  const { db, budgetId, startsAt, endsAt, assignedMinor } = options;
  const [row] = await db('budget_periods')
    .insert({ budget_id: budgetId, starts_at: startsAt, ends_at: endsAt, assigned_minor: assignedMinor, spend_minor: 0, fired_percent: 0, locked: false })
    .returning('id');
  return { id: Number(typeof row === 'object' ? row.id : row), budgetId, startsAt, endsAt, assignedMinor, spendMinor: 0, firedPercent: 0, locked: false, closedAt: null };
}

export async function updatePeriod(options: { db: DbOrTx; period: PeriodRow }): Promise<void> {
  const p = options.period;
  await options.db('budget_periods').where({ id: p.id }).update({
    spend_minor: p.spendMinor, fired_percent: p.firedPercent, locked: p.locked, closed_at: p.closedAt, assigned_minor: p.assignedMinor,
  });
}

export type HistoryKind = 'threshold' | 'notify' | 'lock' | 'unlock' | 'period-end' | 'carry-over' | 'mail-failed' | 'budget-set';

export async function addHistory(options: { db: DbOrTx; budgetId: number; periodId: number | null; at: number; kind: HistoryKind; detail: string }): Promise<void> {
  const { db, budgetId, periodId, at, kind, detail } = options;
  await db('budget_history').insert({ budget_id: budgetId, period_id: periodId, at, kind, detail });
}

export interface HistoryRow {
  at: number;
  kind: HistoryKind;
  detail: string;
  budgetId: number;
}

export async function listHistory(options: { db: DbOrTx; budgetId?: number; limit: number }): Promise<HistoryRow[]> {
  const q = options.db('budget_history').orderBy([{ column: 'at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(options.limit);
  if (options.budgetId !== undefined) q.where({ budget_id: options.budgetId });
  return (await q).map((r: Record<string, unknown>) => ({ at: Number(r.at), kind: r.kind as HistoryKind, detail: String(r.detail), budgetId: Number(r.budget_id) }));
}

/** What the budget engine needs of a user. */
export interface BudgetUser {
  id: number;
  username: string;
  email: string;
  manager: string;
  department: string;
  costCenter: string;
  partition: string;
  extension: string;
  siteId: number | null;
  timezone: string | null;
  /** The user's LDAP DN ('' for local users): AD sync writes a manager as a DN. */
  ldapDn: string;
}

/** Every named (not anonymous) user, with the time zone of the user's site. */
export async function listBudgetUsers(options: { db: DbOrTx }): Promise<BudgetUser[]> {
  const rows = await options.db('users as u').leftJoin('sites as s', 's.id', 'u.site_id').select(
    'u.id', 'u.username', 'u.email', 'u.manager', 'u.department', 'u.cost_center', 'u.partition', 'u.extension', 'u.site_id', 's.timezone', 'u.ldap_dn',
  );
  return rows.map((r: Record<string, unknown>) => ({
    id: Number(r.id), username: String(r.username), email: String(r.email ?? ''), manager: String(r.manager ?? ''),
    department: String(r.department ?? ''), costCenter: String(r.cost_center ?? ''), partition: String(r.partition ?? ''),
    extension: String(r.extension ?? ''), siteId: r.site_id === null ? null : Number(r.site_id), timezone: r.timezone ? String(r.timezone) : null,
    ldapDn: String(r.ldap_dn ?? ''),
  }));
}

/**
 * Spend of some users over [from, to): the cost of their outgoing calls of the given destination
 * types in one currency (calls in other currencies or not rated do not count).
 */
export async function sumSpend(options: {
  db: DbOrTx; userIds: readonly number[]; from: number; to: number; currency: string; types: readonly string[];
}): Promise<number> {
  const { db, userIds, from, to, currency, types } = options;
  if (userIds.length === 0) return 0;
  let total = 0;
  // In chunks: SQL Server and SQLite cap the number of parameters of one statement.
  for (let i = 0; i < userIds.length; i += 500) {
    const row = await db('calls')
      .whereIn('user_id', userIds.slice(i, i + 500))
      .where('start_at', '>=', from).where('start_at', '<', to)
      .where({ direction: 'outgoing', currency })
      .whereIn('destination_type', [...types])
      .sum({ total: 'cost' }).first();
    total += Number(row?.total ?? 0);
  }
  return total;
}
