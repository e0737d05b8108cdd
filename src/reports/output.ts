import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type ExcelJS from 'exceljs';
import { currencyExponent, formatMinorAmount } from '../rating/money.js';
import type { Column, ReportResult, Row } from './engine.js';

/** What an output writes: a report's result, or any titled stream of typed rows (the portal's call export). */
export type ReportOutput = Pick<ReportResult, 'period' | 'columns' | 'rows' | 'totals' | 'filterSummary'> & {
  report: Pick<ReportResult['report'], 'id' | 'title'>;
  options: { timezone: string };
};

/**
 * Report outputs: CSV (RFC 4180, UTF-8 with BOM for Excel), JSON, Excel (a real xlsx written by
 * exceljs's streaming writer, typed cells, totals row) and PDF (pdfkit: title, filters, table,
 * totals, page numbers). CSV, JSON and xlsx stream: rows are never all held in memory.
 */

export const FORMATS = ['csv', 'json', 'xlsx', 'pdf'] as const;
export type ReportFormat = (typeof FORMATS)[number];

/** Rows in a PDF at most (a longer report belongs in CSV or Excel). */
export const PDF_MAX_ROWS = 20_000;

export const CONTENT_TYPES: Record<ReportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
};

/** A value as text: money as a decimal of its currency, times in the report's zone. */
export function displayValue(c: Column, r: Row, timezone: string): string {
  const v = r[c.key];
  if (v === null || v === undefined) return '';
  if (c.type === 'money') return typeof r.currency === 'string' && r.currency !== 'mixed' ? formatMinorAmount(Number(v), r.currency) : String(v);
  if (c.type === 'datetime') return localTime(Number(v), timezone);
  if (c.type === 'bool') return Number(v) === 1 ? 'yes' : 'no';
  return String(v);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DD HH:MM:SS` in a zone (one formatter per zone: creating one costs ~100 µs). */
export function localTime(t: number, timezone: string): string {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('sv-SE', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    formatters.set(timezone, f);
  }
  return f.format(t * 1000);
}

async function write(out: Writable, chunk: string | Buffer): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

export async function writeReport(result: ReportOutput, format: ReportFormat, out: Writable): Promise<{ rows: number }> {
  if (format === 'csv') return writeCsv(result, out);
  if (format === 'json') return writeJson(result, out);
  if (format === 'xlsx') return writeXlsx(result, out);
  return writePdf(result, out);
}

async function writeCsv(r: ReportOutput, out: Writable): Promise<{ rows: number }> {
  const tz = r.options.timezone;
  const csv = stringify({ bom: true, record_delimiter: 'windows' });
  const piped = (async () => {
    for await (const chunk of csv) await write(out, chunk as Buffer);
  })();
  const push = async (rec: string[]) => {
    if (!csv.write(rec)) await once(csv, 'drain');
  };
  await push(r.columns.map((c) => c.label));
  let n = 0;
  for await (const row of r.rows) {
    await push(r.columns.map((c) => displayValue(c, row, tz)));
    n++;
  }
  if (r.totals) await push(r.columns.map((c, i) => (i === 0 ? 'Total' : r.totals![c.key] !== undefined ? displayValue(c, r.totals!, tz) : '')));
  csv.end();
  await piped;
  return { rows: n };
}

async function writeJson(r: ReportOutput, out: Writable): Promise<{ rows: number }> {
  await write(out, `{"report":${JSON.stringify(r.report.id)},"title":${JSON.stringify(r.report.title)},"filters":${JSON.stringify(r.filterSummary)},` +
    `"period":${JSON.stringify({ from: new Date(r.period.from * 1000).toISOString(), to: new Date(r.period.to * 1000).toISOString() })},` +
    `"columns":${JSON.stringify(r.columns)},"rows":[`);
  let n = 0;
  for await (const row of r.rows) await write(out, (n++ === 0 ? '\n' : ',\n') + JSON.stringify(row));
  await write(out, `\n],"totals":${JSON.stringify(r.totals)}}\n`);
  return { rows: n };
}

/** A cell value for Excel: numbers as numbers (money in major units), local times as dates. */
function excelValue(c: Column, row: Row, timezone: string): ExcelJS.CellValue {
  const v = row[c.key];
  if (v === null || v === undefined) return null;
  if (c.type === 'money') {
    const cur = typeof row.currency === 'string' && row.currency !== 'mixed' ? row.currency : null;
    return cur ? Number(v) / 10 ** currencyExponent(cur) : Number(v);
  }
  if (c.type === 'datetime') {
    // Excel has no time zones: the wall-clock time of the report's zone.
    const s = localTime(Number(v), timezone);
    return new Date(`${s.replace(' ', 'T')}Z`);
  }
  if (c.type === 'bool') return Number(v) === 1;
  return v;
}

async function writeXlsx(r: ReportOutput, out: Writable): Promise<{ rows: number }> {
  const tz = r.options.timezone;
  // exceljs and pdfkit are loaded when used: together they weigh ~60 MB of memory.
  const { default: Excel } = await import('exceljs');
  const wb = new Excel.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  wb.creator = 'tollgate';
  const ws = wb.addWorksheet(r.report.title.slice(0, 31), { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = r.columns.map((c) => ({
    header: c.label, key: c.key, width: Math.max(10, c.label.length + 2),
    style: c.type === 'money' ? { numFmt: '#,##0.00' } : c.type === 'datetime' ? { numFmt: 'yyyy-mm-dd hh:mm:ss' } : c.type === 'int' ? { numFmt: '0' } : {},
  }));
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).commit();
  let n = 0;
  for await (const row of r.rows) {
    ws.addRow(r.columns.map((c) => excelValue(c, row, tz))).commit();
    n++;
  }
  if (r.totals) {
    const t = ws.addRow(r.columns.map((c, i) => (i === 0 ? 'Total' : r.totals![c.key] !== undefined ? excelValue(c, r.totals!, tz) : null)));
    t.font = { bold: true };
    t.commit();
  }
  ws.commit();
  await wb.commit();
  return { rows: n };
}

async function writePdf(r: ReportOutput, out: Writable): Promise<{ rows: number }> {
  const tz = r.options.timezone;
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({ size: 'A4', layout: 'landscape', margin: 36, bufferPages: true, info: { Title: r.report.title, Creator: 'tollgate' } });
  const done = new Promise<void>((resolve, reject) => {
    out.once('finish', resolve);
    out.once('error', reject);
  });
  doc.pipe(out);
  doc.fontSize(16).font('Helvetica-Bold').text(r.report.title);
  doc.moveDown(0.3).fontSize(9).font('Helvetica');
  for (const f of r.filterSummary) doc.text(f);
  doc.moveDown(0.5);
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  const weights = r.columns.map((c) => (c.type === 'text' ? 2 : c.type === 'datetime' ? 2.2 : 1));
  const unit = width / weights.reduce((a, b) => a + b, 0);
  const widths = weights.map((w) => w * unit);
  const line = (cells: string[], bold: boolean) => {
    if (doc.y > doc.page.height - doc.page.margins.bottom - 24) doc.addPage();
    const y = doc.y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(8);
    let x = left;
    let h = 0;
    cells.forEach((cell, i) => {
      const right = r.columns[i]!.type !== 'text' && r.columns[i]!.type !== 'datetime';
      doc.text(cell, x + 2, y, { width: widths[i]! - 4, align: right ? 'right' : 'left', lineBreak: false, ellipsis: true });
      h = Math.max(h, doc.y - y);
      x += widths[i]!;
    });
    doc.x = left;
    doc.y = y + Math.max(h, 10) + 2;
  };
  line(r.columns.map((c) => c.label), true);
  let n = 0;
  for await (const row of r.rows) {
    if (n >= PDF_MAX_ROWS) {
      n++;
      continue;
    }
    line(r.columns.map((c) => displayValue(c, row, tz)), false);
    n++;
  }
  if (n > PDF_MAX_ROWS) line([`${n - PDF_MAX_ROWS} more rows not shown: use CSV or Excel for the whole report`], true);
  if (r.totals) line(r.columns.map((c, i) => (i === 0 ? 'Total' : r.totals![c.key] !== undefined ? displayValue(c, r.totals!, tz) : '')), true);
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    doc.font('Helvetica').fontSize(8).text(`Page ${i + 1} of ${range.count}`, left, doc.page.height - doc.page.margins.bottom + 10, { width, align: 'right', lineBreak: false });
  }
  doc.end();
  await done;
  return { rows: n };
}
