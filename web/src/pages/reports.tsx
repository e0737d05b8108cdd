import { BarController, BarElement, CategoryScale, Chart, LinearScale, LineController, LineElement, PointElement, Tooltip, ArcElement, DoughnutController, PieController } from 'chart.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, csrf } from '../api';
import { errorText } from '../app';
import { t } from '../i18n';
import { loadHistory, loadSaved, PersonalReports, ReportHistory, SaveDialog, type HistoryEntry, type Saved } from './personal-reports';
import { browserZone, ReportOptionsForm, type Catalogue, type KnownValues, type ReportInfo, type ReportOptions } from './report-options';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, ArcElement, DoughnutController, PieController);

interface Column { key: string; label: string; type: string }
interface Result { report: string; title: string; filters: string[]; columns: Column[]; rows: Array<Record<string, string | number | null>>; totals: Record<string, string | number | null> | null }

/** The report and its options from the page's URL (`#/reports?report=…&options={…}`). */
function fromUrl(params: URLSearchParams | undefined): { id: string; options: ReportOptions } {
  let options: ReportOptions = { period: 'this-month' };
  try {
    const o = JSON.parse(params?.get('options') ?? 'null') as unknown;
    if (o && typeof o === 'object' && !Array.isArray(o)) options = o as ReportOptions;
  } catch {
    // A hand-edited URL: the defaults.
  }
  return { id: params?.get('report') || 'phone-bill', options };
}

function show(c: Column, v: string | number | null | undefined, currency: unknown): string {
  if (v === null || v === undefined) return '';
  if (c.type === 'money' && typeof currency === 'string' && currency !== 'mixed') {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    return (Number(v) / 10 ** digits).toFixed(digits);
  }
  if (c.type === 'datetime') return new Date(Number(v) * 1000).toLocaleString();
  if (c.type === 'bool') return Number(v) === 1 ? '✓' : '✗';
  return String(v);
}

function ReportChart(props: { result: Result; chart: NonNullable<ReportInfo['chart']> }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const { rows } = props.result;
    const chart = new Chart(canvas.current, {
      type: props.chart.type,
      data: { labels: rows.map((r) => String(r[props.chart.x] ?? '')), datasets: [{ label: props.chart.y, data: rows.map((r) => Number(r[props.chart.y] ?? 0)) }] },
      options: { responsive: true, maintainAspectRatio: false, animation: false },
    });
    return () => chart.destroy();
  }, [props.result]);
  return <div class="chart-box"><canvas ref={canvas} role="img" aria-label={props.result.title} /></div>;
}

/**
 * Reports: pick a report and its options, run it over the visible calls (chart, totals), export,
 * save as personal (name, description, group), the personal reports and the history. The report
 * and options live in the URL, so a reload or a shared link reopens them.
 */
export function ReportsPage(props: { params?: URLSearchParams; level: number }) {
  const initial = fromUrl(props.params);
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  const [known, setKnown] = useState<KnownValues | null>(null);
  const [saved, setSaved] = useState<Saved[]>([]);
  const [ran, setRan] = useState<HistoryEntry[]>([]);
  const [id, setId] = useState(initial.id);
  const [opts, setOpts] = useState<ReportOptions>(initial.options);
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const [dialog, setDialog] = useState<{ editing: Saved | null } | null>(null);
  /** The personal report being edited: its options are in the form until saved or cancelled. */
  const [editing, setEditing] = useState<Saved | null>(null);
  const refresh = () => {
    loadSaved().then(setSaved, () => undefined);
    loadHistory().then(setRan, () => undefined);
  };
  useEffect(() => {
    api<Catalogue>('GET', '/api/reports').then(setCatalogue, (e) => setError(errorText(e)));
    // Level 8 and up see every call, so they may be offered every department; below, free text.
    if (props.level >= 8) api<KnownValues>('GET', '/api/reports/values').then(setKnown, () => setKnown(null));
    refresh();
  }, []);
  useEffect(() => {
    const q = new URLSearchParams({ report: id, options: JSON.stringify(opts) });
    history.replaceState(null, '', `#/reports?${q}`);
  }, [id, opts]);
  const withZone = (o: ReportOptions): ReportOptions => ({ ...o, timezone: o.timezone ?? browserZone() });

  async function run(report = id, o: ReportOptions = opts) {
    try {
      setResult(await api<Result>('POST', `/api/reports/${report}/run`, withZone(o)));
      setError('');
      loadHistory().then(setRan, () => undefined);
    } catch (err) {
      setError(errorText(err));
      setResult(null);
    }
  }
  function open(report: string, o: ReportOptions) {
    setId(report);
    setOpts(o);
    void run(report, o);
  }
  async function download(format: 'csv' | 'xlsx' | 'pdf') {
    const res = await fetch(`/api/reports/${id}/run?format=${format}`, {
      method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf() }, body: JSON.stringify(withZone(opts)),
    });
    if (!res.ok) {
      setError(((await res.json().catch(() => ({}))) as { error?: { message?: string } }).error?.message ?? res.statusText);
      return;
    }
    const a = document.createElement('a');
    a.href = URL.createObjectURL(await res.blob());
    a.download = `${id}.${format}`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    loadHistory().then(setRan, () => undefined);
  }
  async function save(s: { name: string; description: string; group: string; renameFrom?: string }) {
    await api('PUT', `/api/saved-reports/${encodeURIComponent(s.name)}`, { report: id, options: opts, description: s.description, group: s.group, ...(s.renameFrom ? { renameFrom: s.renameFrom } : {}) });
    setDialog(null);
    setEditing(null);
    setMessage(t('reports.saved', { name: s.name }));
    setError('');
    refresh();
  }
  async function remove(s: Saved) {
    if (!confirm(t('reports.confirmDelete', { name: s.name }))) return;
    try {
      await api('DELETE', `/api/saved-reports/${encodeURIComponent(s.name)}`);
      setMessage(t('reports.deleted', { name: s.name }));
      refresh();
    } catch (err) {
      setError(errorText(err));
    }
  }
  const info = catalogue?.reports.find((r) => r.id === id);
  const groups = catalogue ? [...new Set(catalogue.reports.map((r) => r.group))] : [];
  return (
    <section aria-labelledby="reports-title">
      <h1 id="reports-title">{t('reports.title')}</h1>
      {message && <p class="ok" role="status">{message}</p>}
      <form onSubmit={(e) => { e.preventDefault(); void run(); }}>
        <div class="toolbar">
          <label><span>{t('reports.report')}</span>
            <select value={id} onChange={(e) => { setId((e.target as HTMLSelectElement).value); setOpts((o) => ({ ...o, fields: undefined })); }} data-testid="report-select">
              {groups.map((g) => (
                <optgroup label={t(`reports.groups.${g}`)}>
                  {catalogue!.reports.filter((r) => r.group === g).map((r) => <option value={r.id}>{r.title}</option>)}
                </optgroup>
              ))}
            </select>
          </label>
          {info && <span class="muted">{info.description}</span>}
        </div>
        {catalogue && <ReportOptionsForm catalogue={catalogue} report={info} value={opts} onChange={setOpts} known={known} error={error} />}
        {error && <p class="error" role="alert" data-testid="report-error">{error}</p>}
        <div class="toolbar">
          <button type="submit" class="primary">{t('reports.run')}</button>
          <button type="button" onClick={() => void download('csv')}>CSV</button>
          <button type="button" onClick={() => void download('xlsx')}>Excel</button>
          <button type="button" onClick={() => void download('pdf')}>PDF</button>
          <button type="button" onClick={() => setDialog({ editing: null })}>{t('reports.saveAs')}</button>
        </div>
        {editing && (
          <div class="toolbar card" role="status" data-testid="editing">
            <span>{t('reports.editingNote', { name: editing.name })}</span>
            <button type="button" class="primary" onClick={() => setDialog({ editing })}>{t('reports.saveChanges')}</button>
            <button type="button" onClick={() => setEditing(null)}>{t('reports.cancel')}</button>
          </div>
        )}
      </form>
      <SaveDialog open={dialog !== null} editing={dialog?.editing ?? null} groups={[...new Set(saved.map((s) => s.group).filter(Boolean))]}
        onSave={save} onClose={() => setDialog(null)} />
      {result && (
        <div data-testid="report-result">
          <h2>{result.title}</h2>
          <ul class="muted">{result.filters.map((f) => <li>{f}</li>)}</ul>
          {info?.chart && result.rows.length > 0 && <ReportChart result={result} chart={info.chart} />}
          <div class="table-wrap">
            <table data-testid="report-table">
              <thead><tr>{result.columns.map((c) => <th scope="col">{c.label}</th>)}</tr></thead>
              <tbody>{result.rows.map((r) => <tr>{result.columns.map((c) => <td>{show(c, r[c.key], r.currency)}</td>)}</tr>)}</tbody>
              {result.totals && (
                <tfoot><tr>{result.columns.map((c, i) => <td>{i === 0 ? t('reports.total') : show(c, result.totals![c.key], result.totals!.currency)}</td>)}</tr></tfoot>
              )}
            </table>
          </div>
          {result.rows.length === 0 && <p class="muted">{t('reports.empty')}</p>}
        </div>
      )}
      <h2>{t('reports.personal')}</h2>
      <PersonalReports saved={saved} reports={catalogue?.reports ?? []} onRun={(s) => open(s.report, s.options)}
        onEdit={(s) => { setId(s.report); setOpts(s.options); setEditing(s); document.getElementById('reports-title')?.scrollIntoView(); }} onDelete={(s) => void remove(s)} />
      <h2>{t('reports.history')}</h2>
      <ReportHistory history={ran} reports={catalogue?.reports ?? []} onOpen={(h) => { setId(h.report); setOpts(h.options); }} />
    </section>
  );
}
