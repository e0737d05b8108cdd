import { z } from 'zod';
import { isTimeZone } from '../time/zone.js';
import { localMidnight, periodAt } from '../budget/period.js';
import { DESTINATION_TYPES } from '../rating/destination-types.js';
import { FIELDS, isField, type FieldType } from './fields.js';

/**
 * Options every report takes: period, time zone, traffic type, filters, conditions, maximum rows,
 * fields. Validated with zod; a condition names a known field and operator, its value is bound.
 */

export const OPERATORS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'contains', 'starts', 'ends'] as const;
export type Operator = (typeof OPERATORS)[number];

/** The operators a condition on a field of each type may use (contains, starts and ends: text only). */
export const OPERATORS_BY_TYPE: Record<FieldType, readonly Operator[]> = {
  text: OPERATORS,
  int: ['eq', 'ne', 'lt', 'le', 'gt', 'ge'],
  money: ['eq', 'ne', 'lt', 'le', 'gt', 'ge'],
  datetime: ['eq', 'ne', 'lt', 'le', 'gt', 'ge'],
  bool: ['eq', 'ne'],
};
const OP_TEXT: Record<string, Operator> = { '=': 'eq', '==': 'eq', '!=': 'ne', '<>': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge', '~': 'contains', '^=': 'starts', '$=': 'ends' };

const conditionSchema = z.object({
  field: z.string().refine(isField, { error: (iss) => `unknown field ${JSON.stringify(iss.input)} (fields: ${Object.keys(FIELDS).join(', ')})` }),
  op: z.enum(OPERATORS, { error: `an operator is one of ${OPERATORS.join(', ')}` }),
  value: z.union([z.string(), z.number(), z.boolean()]),
});
export type Condition = z.infer<typeof conditionSchema>;

/** `duration_s>=20`, `remote_number=0612345678`, `carrier~Acme` as a condition. */
export function parseConditionText(text: string): Condition {
  const m = /^\s*([a-z_0-9]+)\s*(==|!=|<>|<=|>=|\^=|\$=|=|<|>|~)\s*(.*)$/.exec(text);
  if (!m) throw new RangeError(`a condition is FIELD OP VALUE with OP one of ${Object.keys(OP_TEXT).join(' ')} (got ${JSON.stringify(text)})`);
  return { field: m[1]!, op: OP_TEXT[m[2]!]!, value: m[3]!.trim() } as Condition;
}

export const PERIOD_NAMES = ['today', 'yesterday', 'this-week', 'last-week', 'this-month', 'last-month'] as const;
const names = (max: number) => z.array(z.string().trim().min(1).max(max)).default([]);

export const reportOptionsSchema = z.object({
  /** A named period, `last-N-days`, or a range (ISO dates or date-times; `to` exclusive). */
  period: z.union([
    z.enum(PERIOD_NAMES),
    z.string().regex(/^last-([1-9]\d{0,3})-days$/, `a period is ${PERIOD_NAMES.join(', ')}, last-N-days or { from, to }`),
    z.object({ from: z.string(), to: z.string() }),
  ]).default('this-month'),
  timezone: z.string().refine(isTimeZone, 'unknown time zone').default('UTC'),
  weekStart: z.int().min(0).max(6).default(0),
  traffic: z.enum(['external', 'internal', 'all']).optional(),
  direction: z.enum(['incoming', 'outgoing']).optional(),
  answered: z.boolean().optional(),
  sites: names(32),
  gateways: names(129),
  extensions: names(64),
  departments: names(100),
  costCenters: names(100),
  users: names(128),
  destinationTypes: z.array(z.enum(DESTINATION_TYPES)).default([]),
  conditions: z.array(conditionSchema).default([]),
  /** How conditions combine. */
  match: z.enum(['all', 'any']).default('all'),
  maxRows: z.int().min(1).max(10_000_000).optional(),
  /** Columns of list reports. */
  fields: z.array(z.string().refine(isField, { error: (iss) => `unknown field ${JSON.stringify(iss.input)}` })).optional(),
  /** Trend reports: bucket size. */
  interval: z.enum(['day', 'week', 'month']).default('day'),
  /** "Traffic by two custom fields": which two. */
  customFields: z.tuple([z.string().regex(/^custom_(10|[1-9])$/), z.string().regex(/^custom_(10|[1-9])$/)]).default(['custom_1', 'custom_2']),
});
export type ReportOptions = z.infer<typeof reportOptionsSchema>;
export type ReportOptionsInput = z.input<typeof reportOptionsSchema>;

/** Validates options; throws a RangeError naming every bad option and value. */
export function parseReportOptions(input: unknown): ReportOptions {
  const r = reportOptionsSchema.safeParse(input);
  if (r.success) return r.data;
  throw new RangeError(`invalid report options:\n${r.error.issues.map((i) => `  ${i.path.join('.') || '(options)'}: ${i.message}`).join('\n')}`);
}

/** The period as [from, to) epoch seconds, resolved at `now` in the options' time zone. */
export function resolvePeriod(o: Pick<ReportOptions, 'period' | 'timezone' | 'weekStart'>, now: number): { from: number; to: number; label: string } {
  const tz = o.timezone;
  const rule = (period: 'daily' | 'weekly' | 'monthly') => ({ period, weekStart: o.weekStart, timezone: tz });
  if (typeof o.period === 'object') {
    const parse = (name: string, v: string) => {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
      const t = m ? localMidnight(tz, Number(m[1]), Number(m[2]), Number(m[3])) : Date.parse(v) / 1000;
      if (!Number.isFinite(t)) throw new RangeError(`period.${name}: not an ISO date or date-time (got ${JSON.stringify(v)})`);
      return Math.floor(t);
    };
    const from = parse('from', o.period.from);
    const to = parse('to', o.period.to);
    if (to <= from) throw new RangeError(`period: the end (${o.period.to}) is not after the start (${o.period.from})`);
    return { from, to, label: `${o.period.from} to ${o.period.to}` };
  }
  const name = o.period;
  if (name === 'today' || name === 'yesterday') {
    const today = periodAt(rule('daily'), now);
    const p = name === 'today' ? today : periodAt(rule('daily'), today.start - 1);
    return { from: p.start, to: p.end, label: name };
  }
  if (name === 'this-week' || name === 'last-week') {
    const w = periodAt(rule('weekly'), now);
    const p = name === 'this-week' ? w : periodAt(rule('weekly'), w.start - 1);
    return { from: p.start, to: p.end, label: name };
  }
  if (name === 'this-month' || name === 'last-month') {
    const m = periodAt(rule('monthly'), now);
    const p = name === 'this-month' ? m : periodAt(rule('monthly'), m.start - 1);
    return { from: p.start, to: p.end, label: name };
  }
  const days = Number(/^last-(\d+)-days$/.exec(name)![1]);
  const today = periodAt(rule('daily'), now);
  let start = today.start;
  for (let i = 1; i < days; i++) start = periodAt(rule('daily'), start - 1).start;
  return { from: start, to: today.end, label: `last ${days} days` };
}
