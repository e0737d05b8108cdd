import { BarController, BarElement, CategoryScale, Chart, LinearScale, LineController, LineElement, PointElement, Tooltip, ArcElement, DoughnutController, PieController } from 'chart.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, csrf } from '../api';
import { errorText } from '../app';
import { t } from '../i18n';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, ArcElement, DoughnutController, PieController);

interface ReportInfo { id: string; group: string; title: string; description: string; kind: string; chart: { type: 'bar' | 'line' | 'pie'; x: string; y: string } | null }
interface Column { key: string; label: string; type: string }
interface Result { report: string; title: string; filters: string[]; columns: Column[]; rows: Array<Record<string, string | number | null>>; totals: Record<string, string | number | null> | null }
interface Saved { name: string; report: string; group: string; options: Record<string, unknown> }

const PERIODS = ['today', 'yesterday', 'this-week', 'last-week', 'this-month', 'last-month', 'last-7-days', 'last-30-days'];

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

/** Reports: pick a report and a period, run it over the visible calls, chart, export, save as personal. */
export function ReportsPage() {
  const [reports, setReports] = useState<ReportInfo[]>([]);
  const [saved, setSaved] = useState<Saved[]>([]);
  const [id, setId] = useState('phone-bill');
  const [period, setPeriod] = useState('this-month');
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const [name, setName] = useState('');
  const loadSaved = () => api<Saved[]>('GET', '/api/saved-reports').then(setSaved, () => undefined);
  useEffect(() => {
    api<{ reports: ReportInfo[] }>('GET', '/api/reports').then((r) => setReports(r.reports), (e) => setError(errorText(e)));
    void loadSaved();
  }, []);
  const options = () => ({ period, timezone: Intl.DateTimeFormat().resolvedOptions().timeZone });

  async function run(report = id, opts: Record<string, unknown> = options()) {
    try {
      setResult(await api<Result>('POST', `/api/reports/${report}/run`, opts));
      setError('');
    } catch (err) {
      setError(errorText(err));
    }
  }
  async function download(format: 'csv' | 'xlsx' | 'pdf') {
    const res = await fetch(`/api/reports/${id}/run?format=${format}`, {
      method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf() }, body: JSON.stringify(options()),
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
  }
  async function save() {
    try {
      await api('PUT', `/api/saved-reports/${encodeURIComponent(name)}`, { report: id, options: options() });
      setMessage(t('reports.saved', { name }));
      setName('');
      await loadSaved();
    } catch (err) {
      setError(errorText(err));
    }
  }
  const info = reports.find((r) => r.id === id);
  return (
    <section aria-labelledby="reports-title">
      <h1 id="reports-title">{t('reports.title')}</h1>
      {error && <p class="error" role="alert">{error}</p>}
      {message && <p class="ok" role="status">{message}</p>}
      <form class="toolbar" onSubmit={(e) => { e.preventDefault(); void run(); }}>
        <label><span>{t('reports.report')}</span>
          <select value={id} onChange={(e) => setId((e.target as HTMLSelectElement).value)} data-testid="report-select">
            {reports.map((r) => <option value={r.id}>{r.title}</option>)}
          </select>
        </label>
        <label><span>{t('reports.period')}</span>
          <select value={period} onChange={(e) => setPeriod((e.target as HTMLSelectElement).value)} data-testid="period-select">
            {PERIODS.map((p) => <option value={p}>{t(`reports.periods.${p}`)}</option>)}
          </select>
        </label>
        <button type="submit" class="primary">{t('reports.run')}</button>
        <button type="button" onClick={() => void download('csv')}>CSV</button>
        <button type="button" onClick={() => void download('xlsx')}>Excel</button>
        <button type="button" onClick={() => void download('pdf')}>PDF</button>
      </form>
      <div class="toolbar">
        <label><span>{t('reports.saveAs')}</span><input value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} /></label>
        <button type="button" disabled={name.trim() === ''} onClick={() => void save()}>{t('reports.save')}</button>
      </div>
      {saved.length > 0 && (
        <ul class="saved" aria-label={t('reports.personal')}>
          {saved.map((s) => <li><button type="button" class="link" onClick={() => { setId(s.report); void run(s.report, s.options); }}>{s.name}</button></li>)}
        </ul>
      )}
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
    </section>
  );
}
