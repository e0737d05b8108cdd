import type { Command } from 'commander';
import { listBudgetsWithPeriods, removeBudget, setBudget } from '../budget/admin.js';
import type { BudgetScope } from '../budget/budget.js';
import { createBudgetEngine } from '../budget/engine.js';
import { listBudgets, listHistory } from '../db/queries/budgets.js';
import { UsageError } from '../errors.js';
import { formatMinor } from '../rating/money.js';
import type { Runtime } from '../runtime.js';
import { printTable } from './print.js';

/** `tollgate budget set|list|status|history|delete`. */

interface TargetOptions {
  user?: string;
  department?: string;
  costCenter?: string;
}

function target(o: TargetOptions): { scope: BudgetScope; target: string } {
  const given = [o.user !== undefined ? ['user', o.user] : null, o.department !== undefined ? ['department', o.department] : null, o.costCenter !== undefined ? ['cost_center', o.costCenter] : null]
    .filter((x): x is [BudgetScope, string] => x !== null);
  if (given.length !== 1) throw new UsageError('name exactly one of --user, --department or --cost-center');
  return { scope: given[0]![0], target: given[0]![1] };
}

const iso = (t: number) => new Date(t * 1000).toISOString();
const now = () => Math.floor(Date.now() / 1000);

export function registerBudgetCommands(program: Command, h: { withRuntime<T>(fn: (rt: Runtime) => Promise<T>): Promise<T> }): void {
  const budget = program.command('budget').description('Budget Control: spending budgets with notices and automatic lock');
  const withTarget = (c: Command) => c.option('--user <username>').option('--department <name>').option('--cost-center <code>');

  withTarget(budget.command('set'))
    .description('create or change a budget (the amount applies to the current period at once)')
    .requiredOption('--period <period>', 'daily, weekly or monthly')
    .requiredOption('--amount <amount>', 'amount per period, e.g. 50 or 49.90')
    .requiredOption('--currency <code>', 'ISO 4217 currency, e.g. EUR')
    .option('--week-start <day>', 'first day of a weekly period (mon … sun)', 'mon')
    .option('--timezone <zone>', "IANA zone of the periods (default: the members' site's)")
    .option('--carry-over', 'carry the unspent amount over to the next period')
    .option('--thresholds <list>', 'e.g. "80:user,push;100:user+manager,lock" (e-mail user, manager, admins; push; lock)')
    .option('--count-types <types>', 'destination types whose cost counts, comma separated (default: all but internal)')
    .option('--disabled', 'store the budget switched off')
    .option('--json', 'print JSON')
    .action(async (o: TargetOptions & { period: string; amount: string; currency: string; weekStart: string; timezone?: string; carryOver?: boolean; thresholds?: string; countTypes?: string; disabled?: boolean; json?: boolean }) => {
      const input = {
        ...target(o), period: o.period, amount: o.amount, currency: o.currency, weekStart: o.weekStart, carryOver: o.carryOver === true, enabled: o.disabled !== true,
        ...(o.timezone ? { timezone: o.timezone } : {}), ...(o.thresholds ? { thresholds: o.thresholds } : {}),
        ...(o.countTypes ? { countTypes: o.countTypes.split(',').map((t) => t.trim()) } : {}),
      };
      const b = await h.withRuntime((rt) => setBudget({ db: rt.db, input, defaultTimezone: rt.config.defaultTimezone, now: now() }));
      process.stdout.write(o.json ? JSON.stringify(b) + '\n' : `budget ${b.id} set: ${b.scope} ${b.target}, ${formatMinor(b.amountMinor, b.currency)} ${b.period} (${b.timezone})\n`);
    });

  budget
    .command('list')
    .description('every budget with its current period')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const rows = await h.withRuntime(async (rt) => {
        return (await listBudgetsWithPeriods({ db: rt.db })).map((b) => {
          const p = b.current;
          return {
            id: b.id, scope: b.scope, target: b.target, period: b.period, amount: formatMinor(b.amountMinor, b.currency), enabled: b.enabled,
            carry_over: b.carryOver, thresholds: b.thresholds.map((t) => `${t.percent}%${t.lock ? ' lock' : ''}`).join(' '),
            spend: p ? formatMinor(p.spendMinor, b.currency) : '', until: p ? iso(p.endsAt) : '', locked: p?.locked ?? false,
          };
        });
      });
      if (o.json) process.stdout.write(JSON.stringify(rows) + '\n');
      else printTable(process.stdout, rows);
    });

  budget
    .command('status')
    .description('"My budgets" of a user: budget, spend, remaining, period, until, line state')
    .argument('<username>')
    .option('--json', 'print JSON')
    .action(async (username: string, o: { json?: boolean }) => {
      const list = await h.withRuntime(async (rt) => {
        const engine = createBudgetEngine({ db: rt.db, log: rt.log, adminEmails: rt.config.adminEmails });
        try {
          return await engine.statusOf(username);
        } finally {
          await engine.stop();
        }
      });
      if (o.json) {
        process.stdout.write(JSON.stringify(list) + '\n');
        return;
      }
      if (list.length === 0) process.stdout.write(`no budget covers ${username}\n`);
      for (const s of list) {
        process.stdout.write(`${s.scope} ${s.target}: ${formatMinor(s.spendMinor, s.currency)} of ${formatMinor(s.assignedMinor, s.currency)} (${s.percent}%), ` +
          `${formatMinor(s.remainingMinor, s.currency)} left, ${s.period} until ${iso(s.until)}, line ${s.locked ? 'LOCKED' : 'unlocked'}\n`);
      }
    });

  withTarget(budget.command('history'))
    .description('what Budget Control did: notices sent, locks, period ends, carry-over')
    .option('--limit <n>', 'at most n entries', '100')
    .option('--json', 'print JSON')
    .action(async (o: TargetOptions & { limit: string; json?: boolean }) => {
      const rows = await h.withRuntime(async (rt) => {
        let budgetId: number | undefined;
        if (o.user !== undefined || o.department !== undefined || o.costCenter !== undefined) {
          const t = target(o);
          const b = (await listBudgets({ db: rt.db })).find((x) => x.scope === t.scope && x.target === t.target);
          if (!b) throw new UsageError(`no ${t.scope} budget for ${JSON.stringify(t.target)}`);
          budgetId = b.id;
        }
        return (await listHistory({ db: rt.db, limit: Number(o.limit) || 100, ...(budgetId !== undefined ? { budgetId } : {}) }))
          .map((r) => ({ at: iso(r.at), budget: r.budgetId, kind: r.kind, detail: r.detail }));
      });
      if (o.json) process.stdout.write(JSON.stringify(rows) + '\n');
      else printTable(process.stdout, rows);
    });

  withTarget(budget.command('delete'))
    .description('delete a budget (its history goes with it)')
    .action(async (o: TargetOptions) => {
      const t = target(o);
      await h.withRuntime((rt) => removeBudget({ db: rt.db, ...t }));
      process.stdout.write(`${t.scope} budget for ${t.target} deleted\n`);
    });
}
