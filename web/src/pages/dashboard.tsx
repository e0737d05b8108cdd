import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, ArcElement, DoughnutController } from 'chart.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Call } from '../api';
import { errorText } from '../app';
import { t } from '../i18n';
import { CallTable } from './call-table';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip, ArcElement, DoughnutController);

interface Placed { id: string; zone: 'main' | 'side'; minimised: boolean }
interface Group { key: string; calls: number; answered: number; value: number; currency: string }
interface WidgetData { id: string; chart: 'bar' | 'line' | 'doughnut' | 'table'; measure?: string; groups?: Group[]; calls?: Call[] }

const COLORS = ['#2f7ed8', '#3a9b5c', '#d9534f', '#8a6fbf', '#e0a030', '#3aa6b9', '#b05f9d', '#7a8a99', '#5c9e3a', '#c96f3b'];

function WidgetChart(props: { data: WidgetData }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const d = props.data;
    if (!canvas.current || !d.groups) return;
    const labels = [...new Set(d.groups.map((g) => g.key))];
    let datasets;
    if (d.measure === 'status') {
      datasets = [
        { label: t('dashboard.answered'), data: labels.map((k) => d.groups!.filter((g) => g.key === k).reduce((a, g) => a + g.answered, 0)), backgroundColor: COLORS[1] },
        { label: t('dashboard.unanswered'), data: labels.map((k) => d.groups!.filter((g) => g.key === k).reduce((a, g) => a + g.calls - g.answered, 0)), backgroundColor: COLORS[2] },
      ];
    } else if (d.measure === 'cost') {
      const currencies = [...new Set(d.groups.map((g) => g.currency))];
      datasets = currencies.map((c, i) => ({
        label: `${t('dashboard.cost')} ${c}`, backgroundColor: d.chart === 'doughnut' ? COLORS : COLORS[i % COLORS.length],
        data: labels.map((k) => (d.groups!.find((g) => g.key === k && g.currency === c)?.value ?? 0) / 100),
      }));
    } else {
      datasets = [{
        label: d.measure === 'duration' ? t('dashboard.duration') : t('dashboard.calls'), borderColor: COLORS[0], backgroundColor: COLORS[0],
        data: labels.map((k) => { const g = d.groups!.find((x) => x.key === k)!; return d.measure === 'duration' ? Math.round(g.value / 60) : g.value; }),
      }];
    }
    Chart.defaults.color = getComputedStyle(document.documentElement).getPropertyValue('--muted').trim() || '#666';
    const chart = new Chart(canvas.current, {
      type: d.chart === 'table' ? 'bar' : d.chart,
      data: { labels, datasets },
      options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { display: datasets.length > 1 || d.chart === 'doughnut', rtl: document.dir === 'rtl' } }, ...(d.chart !== 'doughnut' ? { scales: { x: { reverse: document.dir === 'rtl' } } } : {}) },
    });
    return () => chart.destroy();
  }, [props.data]);
  return <div class="chart-box"><canvas ref={canvas} role="img" aria-label={t(`dashboard.widgets.${props.data.id}`)} /></div>;
}

function Widget(props: { placed: Placed; onChange: (p: Placed | null) => void }) {
  const { placed } = props;
  const [data, setData] = useState<WidgetData | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    if (placed.minimised) return;
    api<WidgetData>('GET', `/api/dashboard/widgets/${placed.id}`).then(setData, (e) => setError(errorText(e)));
  }, [placed.id, placed.minimised]);
  const title = t(`dashboard.widgets.${placed.id}`);
  const empty = data && (data.groups ? data.groups.length === 0 : (data.calls ?? []).length === 0);
  return (
    <article class="card widget" data-widget={placed.id} aria-label={title}>
      <header class="widget-head">
        <h2>{title}</h2>
        <div class="widget-tools">
          <label class="sr-only" for={`zone-${placed.id}`}>{t('dashboard.zone')}</label>
          <select id={`zone-${placed.id}`} value={placed.zone} onChange={(e) => props.onChange({ ...placed, zone: (e.target as HTMLSelectElement).value as Placed['zone'] })}>
            <option value="main">{t('dashboard.zoneMain')}</option>
            <option value="side">{t('dashboard.zoneSide')}</option>
          </select>
          <button type="button" aria-expanded={!placed.minimised} onClick={() => props.onChange({ ...placed, minimised: !placed.minimised })}>
            {placed.minimised ? t('dashboard.restore') : t('dashboard.minimise')}
          </button>
          <button type="button" aria-label={`${t('dashboard.remove')}: ${title}`} onClick={() => props.onChange(null)}>✕</button>
        </div>
      </header>
      {!placed.minimised && (
        <div>
          {error && <p class="error" role="alert">{error}</p>}
          {empty && <p class="muted">{t('dashboard.empty')}</p>}
          {data && !empty && (data.calls ? <CallTable calls={data.calls} /> : <WidgetChart data={data} />)}
        </div>
      )}
    </article>
  );
}

export function DashboardPage() {
  const [layout, setLayout] = useState<Placed[] | null>(null);
  const [catalogue, setCatalogue] = useState<string[]>([]);
  const [adding, setAdding] = useState('');
  const [error, setError] = useState('');
  useEffect(() => {
    api<{ widgets: Placed[] }>('GET', '/api/me/dashboard').then((l) => setLayout(l.widgets), (e) => setError(errorText(e)));
    api<{ widgets: Array<{ id: string }> }>('GET', '/api/dashboard/widgets').then((c) => setCatalogue(c.widgets.map((w) => w.id)), () => undefined);
  }, []);

  async function save(next: Placed[]) {
    setLayout(next);
    try {
      await api('PUT', '/api/me/dashboard', { widgets: next });
    } catch (err) {
      setError(errorText(err));
    }
  }
  const available = catalogue.filter((id) => !layout?.some((w) => w.id === id));
  const zone = (z: Placed['zone']) => (layout ?? []).filter((w) => w.zone === z).map((w) => (
    <Widget key={w.id} placed={w} onChange={(p) => void save(p ? layout!.map((x) => (x.id === w.id ? p : x)) : layout!.filter((x) => x.id !== w.id))} />
  ));
  return (
    <section aria-labelledby="dash-title">
      <h1 id="dash-title">{t('dashboard.title')}</h1>
      {error && <p class="error" role="alert">{error}</p>}
      <form class="toolbar" onSubmit={(e) => { e.preventDefault(); if (adding) void save([...(layout ?? []), { id: adding, zone: 'main', minimised: false }]); setAdding(''); }}>
        <label>
          <span>{t('dashboard.add')}</span>
          <select value={adding} onChange={(e) => setAdding((e.target as HTMLSelectElement).value)} data-testid="add-widget">
            <option value="">–</option>
            {available.map((id) => <option value={id}>{t(`dashboard.widgets.${id}`)}</option>)}
          </select>
        </label>
        <button type="submit" disabled={!adding}>{t('dashboard.addButton')}</button>
      </form>
      <div class="zones">
        <div class="zone zone-main" data-testid="zone-main">{zone('main')}</div>
        <div class="zone zone-side" data-testid="zone-side">{zone('side')}</div>
      </div>
    </section>
  );
}
