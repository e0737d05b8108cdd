import { z } from 'zod';
import { DESTINATION_TYPES, type DestinationType } from '../rating/destination-types.js';
import { isCurrency, parseMinor } from '../rating/money.js';
import { isTimeZone } from '../time/zone.js';
import { PERIOD_KINDS, type PeriodKind } from './period.js';

/**
 * The budget model and its input schema (CLI, JSON API and SOAP share it). Amounts are integer
 * minor units of the budget's currency.
 */

export const BUDGET_SCOPES = ['user', 'department', 'cost_center'] as const;
export type BudgetScope = (typeof BUDGET_SCOPES)[number];
export const MAIL_TARGETS = ['user', 'manager', 'admins'] as const;
export type MailTarget = (typeof MAIL_TARGETS)[number];
const WEEKDAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** Costs that count by default: outgoing calls to anything but internal numbers. */
export const DEFAULT_COUNT_TYPES: readonly DestinationType[] = DESTINATION_TYPES.filter((t) => t !== 'internal');

export interface Threshold {
  /** Percent of the period's amount (1-1000). */
  percent: number;
  /** Who is e-mailed when the spend reaches it. */
  email: MailTarget[];
  /** Push a notice to the phone(s). */
  push: boolean;
  /** Lock the line(s) (reason `budget`) while the spend is at or above it. */
  lock: boolean;
}

export interface Budget {
  id: number;
  scope: BudgetScope;
  target: string;
  period: PeriodKind;
  weekStart: number;
  timezone: string;
  amountMinor: number;
  currency: string;
  countTypes: DestinationType[];
  carryOver: boolean;
  thresholds: Threshold[];
  enabled: boolean;
}

export const DEFAULT_THRESHOLDS: readonly Threshold[] = [
  { percent: 80, email: ['user'], push: true, lock: false },
  { percent: 100, email: ['user', 'manager'], push: true, lock: true },
];

const thresholdSchema = z.object({
  percent: z.coerce.number({ error: 'a threshold is a percent' }).int('a threshold is a whole percent').min(1, 'a threshold is at least 1%').max(1000, 'a threshold is at most 1000%'),
  email: z.array(z.enum(MAIL_TARGETS, { error: `e-mail goes to ${MAIL_TARGETS.join(', ')}` })).default([]),
  push: z.boolean().default(false),
  lock: z.boolean().default(false),
});

/**
 * Thresholds in text: `80:user,push;100:user+manager,lock` (percent, then e-mail targets joined
 * by +, `push`, `lock`), or an array of objects.
 */
function parseThresholdText(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  return v.split(';').map((part) => part.trim()).filter(Boolean).map((part) => {
    const [percent, actions = ''] = part.split(':');
    const list = actions.split(',').map((a) => a.trim()).filter(Boolean);
    const email = list.filter((a) => a !== 'push' && a !== 'lock').flatMap((a) => a.split('+'));
    return { percent, email, push: list.includes('push'), lock: list.includes('lock') };
  });
}

export const budgetInputSchema = z
  .object({
    scope: z.enum(BUDGET_SCOPES, { error: `scope is ${BUDGET_SCOPES.join(', ')}` }),
    target: z.string().trim().min(1, 'a target (username, department or cost centre) is required').max(128),
    period: z.enum(PERIOD_KINDS, { error: `period is ${PERIOD_KINDS.join(', ')}` }),
    weekStart: z.preprocess(
      (v) => (typeof v === 'string' && (WEEKDAY_NAMES as readonly string[]).includes(v.toLowerCase()) ? WEEKDAY_NAMES.indexOf(v.toLowerCase() as never) : v),
      z.int({ error: 'weekStart is a weekday (mon … sun)' }).min(0, 'weekStart is a weekday (mon … sun)').max(6, 'weekStart is a weekday (mon … sun)'),
    ).default(0),
    /** Default: the time zone of the target's site. */
    timezone: z.string().refine(isTimeZone, 'unknown time zone').optional(),
    /** The amount as a decimal of the currency ("50", "49.90"). */
    amount: z.union([z.string(), z.number()]).transform((v) => String(v).trim()),
    currency: z.string().trim().toUpperCase().refine(isCurrency, 'not an ISO 4217 currency code'),
    countTypes: z.array(z.enum(DESTINATION_TYPES, { error: `a destination type is one of ${DESTINATION_TYPES.join(', ')}` })).min(1).optional(),
    carryOver: z.boolean().default(false),
    thresholds: z.preprocess(parseThresholdText, z.array(thresholdSchema).min(1, 'at least one threshold')).optional(),
    enabled: z.boolean().default(true),
  })
  .superRefine((b, ctx) => {
    if (!isCurrency(b.currency)) return;
    let minor: number;
    try {
      minor = parseMinor(b.amount, b.currency);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['amount'], message: `${(err as Error).message} (got ${JSON.stringify(b.amount)})` });
      return;
    }
    if (minor <= 0) ctx.addIssue({ code: 'custom', path: ['amount'], message: `the amount must be above 0 (got ${JSON.stringify(b.amount)})` });
    const percents = (b.thresholds ?? []).map((t) => t.percent);
    if (new Set(percents).size !== percents.length) ctx.addIssue({ code: 'custom', path: ['thresholds'], message: 'two thresholds with the same percent' });
  });
export type BudgetInput = z.input<typeof budgetInputSchema>;

/** Validates a budget; throws a RangeError naming every bad field and value. */
export function parseBudgetInput(input: unknown): Omit<Budget, 'id' | 'timezone'> & { timezone: string | undefined } {
  const r = budgetInputSchema.safeParse(input);
  if (!r.success) {
    throw new RangeError(`invalid budget:\n${r.error.issues.map((i) => `  ${i.path.join('.') || '(budget)'}: ${i.message}`).join('\n')}`);
  }
  const b = r.data;
  return {
    scope: b.scope, target: b.target, period: b.period, weekStart: b.weekStart, timezone: b.timezone,
    amountMinor: parseMinor(b.amount, b.currency), currency: b.currency, countTypes: [...(b.countTypes ?? DEFAULT_COUNT_TYPES)],
    carryOver: b.carryOver, thresholds: [...(b.thresholds ?? DEFAULT_THRESHOLDS)].sort((x, y) => x.percent - y.percent), enabled: b.enabled,
  };
}
