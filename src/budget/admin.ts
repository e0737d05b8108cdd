import type { Db } from '../db/knex.js';
import { addHistory, deleteBudget, listBudgets, listBudgetUsers, listOpenPeriods, updatePeriod, upsertBudget, type PeriodRow } from '../db/queries/budgets.js';
import { UsageError } from '../errors.js';
import { formatMinor } from '../rating/money.js';
import { parseBudgetInput, type Budget, type BudgetScope } from './budget.js';

/**
 * Creating, changing and deleting budgets (CLI, JSON API, SOAP). A budget's target must exist: a
 * user by username, or a department or cost centre that at least one user has. A changed amount
 * applies to the open period at once (carry-over kept).
 */
export async function setBudget(options: { db: Db; input: unknown; defaultTimezone: string; now: number }): Promise<Budget> {
  const { db, now } = options;
  let b;
  try {
    b = parseBudgetInput(options.input);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const users = await listBudgetUsers({ db });
  const members = users.filter((u) => (b.scope === 'user' ? u.username === b.target : b.scope === 'department' ? u.department === b.target : u.costCenter === b.target));
  if (members.length === 0) {
    const what = b.scope === 'user' ? 'user' : b.scope === 'department' ? 'department' : 'cost centre';
    throw new UsageError(`invalid budget:\n  target: no ${what} ${JSON.stringify(b.target)}${b.scope === 'user' ? '' : ' (no user has it)'}`);
  }
  const timezone = b.timezone ?? members.find((m) => m.timezone)?.timezone ?? options.defaultTimezone;
  const budget: Omit<Budget, 'id'> = { ...b, timezone };
  return db.transaction(async (tx) => {
    const before = (await listBudgets({ db: tx })).find((x) => x.scope === b.scope && x.target === b.target);
    const id = await upsertBudget({ db: tx, budget, now });
    const period = (await listOpenPeriods({ db: tx })).find((p) => p.budgetId === id);
    if (before && period && before.amountMinor !== budget.amountMinor) {
      const carried = period.assignedMinor - before.amountMinor;
      await updatePeriod({ db: tx, period: { ...period, assignedMinor: budget.amountMinor + Math.max(0, carried) } });
    }
    await addHistory({
      db: tx, budgetId: id, periodId: period?.id ?? null, at: now, kind: 'budget-set',
      detail: `${before ? 'changed' : 'created'}: ${formatMinor(budget.amountMinor, budget.currency)} ${budget.period}, thresholds ${budget.thresholds.map((t) => `${t.percent}%${t.lock ? ' lock' : ''}`).join(', ')}`,
    });
    return { ...budget, id };
  });
}

export async function removeBudget(options: { db: Db; scope: BudgetScope; target: string }): Promise<void> {
  if (!(await deleteBudget(options))) throw new UsageError(`no ${options.scope} budget for ${JSON.stringify(options.target)}`);
}

/** Every budget with its open period (null before the engine first checked it). */
export async function listBudgetsWithPeriods(options: { db: Db }): Promise<Array<Budget & { current: PeriodRow | null }>> {
  const open = new Map((await listOpenPeriods(options)).map((p) => [p.budgetId, p]));
  return (await listBudgets(options)).map((b) => ({ ...b, current: open.get(b.id) ?? null }));
}

/** A budget as the JSON APIs show it: the open period as from, until, assigned, spend, locked. */
export function presentBudget(b: Budget & { current: PeriodRow | null }) {
  const p = b.current;
  return { ...b, current: p ? { from: p.startsAt, until: p.endsAt, assignedMinor: p.assignedMinor, spendMinor: p.spendMinor, locked: p.locked } : null };
}
