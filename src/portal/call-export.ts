import type { DbOrTx } from '../db/knex.js';
import { listScopedCalls, type CallFilter, type PortalCall, type Viewer } from '../db/queries/scoped-calls.js';
import type { Column, Row } from '../reports/engine.js';
import type { ReportOutput } from '../reports/output.js';

/**
 * The portal's call export: the viewer's visible calls (through `scopedCalls`, numbers masked by
 * level) read in keyset pages, newest first, as typed rows for the report outputs (CSV, xlsx).
 * One page is in memory at a time, so memory stays flat however many calls there are.
 */

export const EXPORT_PAGE = 5000;

const FIELDS: Array<[keyof PortalCall | 'start', string, Column['type']]> = [
  ['id', 'id', 'int'], ['start', 'start', 'datetime'], ['site', 'site', 'text'], ['kind', 'kind', 'text'], ['extension', 'extension', 'text'],
  ['user', 'user', 'text'], ['department', 'department', 'text'], ['remoteNumber', 'remote number', 'text'], ['dialedNumber', 'dialled number', 'text'],
  ['destinationType', 'destination type', 'text'], ['durationS', 'duration (s)', 'int'], ['ringS', 'ring (s)', 'int'], ['cost', 'cost', 'money'],
  ['currency', 'currency', 'text'], ['nation', 'nation', 'text'], ['area', 'area', 'text'], ['accountName', 'account', 'text'],
];

function toRow(c: PortalCall): Row {
  const row: Row = {};
  for (const [key] of FIELDS) {
    const v = key === 'start' ? Math.floor(Date.parse(c.startAt) / 1000) : c[key];
    row[key] = typeof v === 'boolean' ? Number(v) : (v ?? null);
  }
  return row;
}

async function* pages(options: { db: DbOrTx; viewer: Viewer; filter: CallFilter; pageSize: number }): AsyncGenerator<Row> {
  let before: number | undefined;
  for (;;) {
    const page = await listScopedCalls({ ...options, limit: options.pageSize, ...(before !== undefined ? { before } : {}) });
    for (const c of page) yield toRow(c);
    if (page.length < options.pageSize) return;
    before = page[page.length - 1]!.id;
  }
}

/** The export of the calls a viewer may see that match `filter`; times in `timeZone`. */
export function callExport(options: { db: DbOrTx; viewer: Viewer; filter: CallFilter; timeZone: string; pageSize?: number }): ReportOutput {
  const { filter, timeZone } = options;
  return {
    report: { id: 'calls', title: 'Calls' },
    options: { timezone: timeZone },
    period: { from: filter.from ?? 0, to: filter.to ?? Math.floor(Date.now() / 1000), label: '' },
    columns: FIELDS.map(([key, label, type]) => ({ key, label: key === 'start' ? `${label} (${timeZone})` : label, type })),
    rows: pages({ db: options.db, viewer: options.viewer, filter, pageSize: options.pageSize ?? EXPORT_PAGE }),
    totals: null,
    filterSummary: [],
  };
}
