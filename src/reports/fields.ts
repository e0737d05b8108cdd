import type { DbKind } from '../config.js';

/**
 * The fields reports can show, group by and filter on: each maps to one column expression of
 * `calls c` joined to `users u` and `sites s`. Reports never take a column name from input:
 * every name is looked up here, and every value is a bound parameter.
 */

export type FieldType = 'text' | 'int' | 'money' | 'datetime' | 'bool';

export interface FieldDef {
  label: string;
  type: FieldType;
  /** Column expression (no user input inside). */
  sql: (dialect: DbKind) => string;
}

const col = (c: string) => () => c;

export const FIELDS = {
  start: { label: 'Start', type: 'datetime', sql: col('c.start_at') },
  site: { label: 'Site', type: 'text', sql: col('s.code') },
  direction: { label: 'Direction', type: 'text', sql: col('c.direction') },
  answered: { label: 'Answered', type: 'bool', sql: (d) => (d === 'postgres' ? 'CASE WHEN c.answered THEN 1 ELSE 0 END' : 'c.answered') },
  extension: { label: 'Extension', type: 'text', sql: col('c.extension') },
  partition: { label: 'Partition', type: 'text', sql: col('c.partition') },
  user: { label: 'User', type: 'text', sql: col('u.username') },
  first_name: { label: 'First name', type: 'text', sql: col('u.first_name') },
  last_name: { label: 'Last name', type: 'text', sql: col('u.last_name') },
  department: { label: 'Department', type: 'text', sql: col('u.department') },
  cost_center: { label: 'Cost centre', type: 'text', sql: col('c.cost_center') },
  office: { label: 'Office', type: 'text', sql: col('u.office_location') },
  remote_number: { label: 'Number', type: 'text', sql: col('c.remote_number') },
  dialed_number: { label: 'Dialled number', type: 'text', sql: col('c.dialed_number') },
  gateway: { label: 'Gateway', type: 'text', sql: col('c.gateway') },
  destination_type: { label: 'Destination type', type: 'text', sql: col('c.destination_type') },
  nation: { label: 'Nation', type: 'text', sql: col('c.nation') },
  area: { label: 'Area', type: 'text', sql: col('c.area') },
  carrier: { label: 'Carrier', type: 'text', sql: col('c.carrier') },
  account: { label: 'Account code', type: 'text', sql: col('c.account_name') },
  duration_s: { label: 'Duration (s)', type: 'int', sql: col('c.duration_s') },
  ring_s: { label: 'Ring (s)', type: 'int', sql: col('c.ring_s') },
  cost: { label: 'Cost', type: 'money', sql: col('c.cost') },
  currency: { label: 'Currency', type: 'text', sql: col('c.currency') },
  ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`custom_${i + 1}`, { label: `Custom ${i + 1}`, type: 'text', sql: col(`u.custom_${i + 1}`) }])),
} satisfies Record<string, FieldDef> as Record<string, FieldDef>;

export type FieldKey = string;

export function isField(key: string): boolean {
  return Object.hasOwn(FIELDS, key);
}

/** Measures of grouped reports. */
export const MEASURES = {
  calls: { label: 'Calls', type: 'int', sql: () => 'COUNT(*)' },
  answered_calls: { label: 'Answered', type: 'int', sql: (d: DbKind) => `SUM(${answeredCase(d)})` },
  missed_calls: { label: 'Missed', type: 'int', sql: (d: DbKind) => `SUM(1 - ${answeredCase(d)})` },
  duration_s: { label: 'Duration (s)', type: 'int', sql: () => 'SUM(c.duration_s)' },
  avg_duration_s: { label: 'Average duration (s)', type: 'int', sql: (d: DbKind) => `${roundAvg(d, `CASE WHEN ${answeredExpr(d)} THEN c.duration_s END`)}` },
  avg_ring_s: { label: 'Average ring (s)', type: 'int', sql: (d: DbKind) => roundAvg(d, 'c.ring_s') },
  max_ring_s: { label: 'Longest ring (s)', type: 'int', sql: () => 'MAX(c.ring_s)' },
  cost: { label: 'Cost', type: 'money', sql: () => 'SUM(c.cost)' },
} satisfies Record<string, FieldDef & { sql: (d: DbKind) => string }>;
export type MeasureKey = keyof typeof MEASURES;

export function answeredExpr(d: DbKind): string {
  return d === 'postgres' ? 'c.answered' : 'c.answered = 1';
}

function answeredCase(d: DbKind): string {
  return `CASE WHEN ${answeredExpr(d)} THEN 1 ELSE 0 END`;
}

/** AVG rounded to whole seconds, the same on every engine. */
function roundAvg(d: DbKind, expr: string): string {
  return d === 'mssql' ? `ROUND(AVG(CAST(${expr} AS FLOAT)), 0)` : `ROUND(AVG(${expr}))`;
}
