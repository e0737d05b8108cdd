import type { FieldKey, MeasureKey } from './fields.js';
import type { ReportOptions } from './options.js';

/** The public reports: one declarative definition each. */

export type ReportGroup = 'call-monitor' | 'incoming' | 'cost' | 'group' | 'trend';

interface Common {
  id: string;
  group: ReportGroup;
  title: string;
  description: string;
  /** Option defaults of this report (the caller's options win). */
  defaults: Partial<Pick<ReportOptions, 'traffic' | 'direction' | 'answered' | 'maxRows'>>;
  chart: { type: 'bar' | 'line' | 'pie'; x: string; y: string } | null;
}

export interface ListReport extends Common {
  kind: 'list';
  fields: FieldKey[];
  /** Newest first (last calls) or oldest first. */
  newestFirst: boolean;
}

export interface GroupedReport extends Common {
  kind: 'grouped';
  /** Group keys: fields, `hour` (of day in the report's zone) or `bucket` (day, week or month), or from the options. */
  groupBy: Array<FieldKey | 'hour' | 'bucket'> | ((o: ReportOptions) => FieldKey[]);
  measures: MeasureKey[];
  /** Sort by a measure (descending) or by the group keys (ascending). */
  sortBy: MeasureKey | 'keys';
}

export type ReportDef = ListReport | GroupedReport;

const LIST_FIELDS: FieldKey[] = ['start', 'direction', 'answered', 'extension', 'user', 'department', 'remote_number', 'destination_type', 'nation', 'area', 'duration_s', 'ring_s', 'cost', 'currency'];
const COST: MeasureKey[] = ['calls', 'duration_s', 'cost'];
const external = { traffic: 'external' } as const;
const outgoing = { traffic: 'external', direction: 'outgoing' } as const;

const costBy = (id: string, field: FieldKey, title: string): GroupedReport => ({
  id: `cost-by-${id}`, group: 'cost', title: `Cost by ${title}`, description: `Outgoing calls, minutes and cost grouped by ${title}.`,
  kind: 'grouped', groupBy: [field], measures: COST, sortBy: 'cost', defaults: outgoing, chart: { type: 'bar', x: field, y: 'cost' },
});

export const REPORTS: readonly ReportDef[] = [
  { id: 'call-list', group: 'call-monitor', title: 'Call list', description: 'Every call of the period.', kind: 'list', fields: LIST_FIELDS, newestFirst: false, defaults: {}, chart: null },
  { id: 'unanswered-calls', group: 'call-monitor', title: 'Unanswered calls', description: 'Calls nobody answered.', kind: 'list', fields: LIST_FIELDS.filter((f) => f !== 'cost'), newestFirst: false, defaults: { answered: false }, chart: null },
  { id: 'last-calls', group: 'call-monitor', title: 'Last calls', description: 'The latest calls, newest first.', kind: 'list', fields: LIST_FIELDS, newestFirst: true, defaults: { maxRows: 50 }, chart: null },
  {
    id: 'incoming-by-extension', group: 'incoming', title: 'Incoming calls by extension', description: 'Incoming calls per extension: answered, missed, ring time.',
    kind: 'grouped', groupBy: ['extension', 'user'], measures: ['calls', 'answered_calls', 'missed_calls', 'duration_s', 'avg_ring_s'], sortBy: 'calls',
    defaults: { traffic: 'external', direction: 'incoming' }, chart: { type: 'bar', x: 'extension', y: 'calls' },
  },
  {
    id: 'incoming-by-hour', group: 'incoming', title: 'Incoming calls by hour', description: 'Incoming calls per hour of the day (in the report time zone).',
    kind: 'grouped', groupBy: ['hour'], measures: ['calls', 'answered_calls', 'missed_calls', 'avg_ring_s'], sortBy: 'keys',
    defaults: { traffic: 'external', direction: 'incoming' }, chart: { type: 'bar', x: 'hour', y: 'calls' },
  },
  {
    id: 'incoming-answered-missed', group: 'incoming', title: 'Answered and missed incoming calls', description: 'Incoming calls answered against missed.',
    kind: 'grouped', groupBy: ['answered'], measures: ['calls', 'avg_ring_s'], sortBy: 'keys', defaults: { traffic: 'external', direction: 'incoming' },
    chart: { type: 'pie', x: 'answered', y: 'calls' },
  },
  {
    id: 'incoming-ring-time', group: 'incoming', title: 'Ring time', description: 'Average and longest ring time per extension.',
    kind: 'grouped', groupBy: ['extension', 'user'], measures: ['calls', 'avg_ring_s', 'max_ring_s'], sortBy: 'avg_ring_s',
    defaults: { traffic: 'external', direction: 'incoming' }, chart: { type: 'bar', x: 'extension', y: 'avg_ring_s' },
  },
  {
    id: 'phone-bill', group: 'cost', title: 'Phone bill', description: 'Per user: outgoing calls, minutes and cost, with totals.',
    kind: 'grouped', groupBy: ['user', 'first_name', 'last_name', 'department', 'extension'], measures: COST, sortBy: 'keys', defaults: outgoing,
    chart: { type: 'bar', x: 'user', y: 'cost' },
  },
  costBy('area', 'area', 'area'),
  costBy('department', 'department', 'department'),
  costBy('extension', 'extension', 'extension'),
  costBy('carrier', 'carrier', 'carrier'),
  costBy('cost-center', 'cost_center', 'cost centre'),
  costBy('gateway', 'gateway', 'gateway'),
  costBy('nation', 'nation', 'nation'),
  costBy('number', 'remote_number', 'number'),
  costBy('destination-type', 'destination_type', 'destination type'),
  {
    id: 'traffic-by-department', group: 'group', title: 'Traffic by department and extension', description: 'Calls, minutes and cost per department and extension.',
    kind: 'grouped', groupBy: ['department', 'extension'], measures: ['calls', 'answered_calls', 'duration_s', 'cost'], sortBy: 'keys', defaults: external,
    chart: { type: 'bar', x: 'department', y: 'duration_s' },
  },
  {
    id: 'traffic-by-custom-fields', group: 'group', title: 'Traffic by two custom fields', description: 'Calls, minutes and cost grouped by two user custom fields.',
    kind: 'grouped', groupBy: (o) => [...o.customFields], measures: ['calls', 'duration_s', 'cost'], sortBy: 'keys', defaults: external, chart: null,
  },
  {
    id: 'trend', group: 'trend', title: 'Trend', description: 'Calls, minutes and cost by day, week or month.',
    kind: 'grouped', groupBy: ['bucket'], measures: ['calls', 'duration_s', 'cost'], sortBy: 'keys', defaults: external, chart: { type: 'line', x: 'bucket', y: 'cost' },
  },
];

export function findReport(id: string): ReportDef | undefined {
  return REPORTS.find((r) => r.id === id);
}
