import { ArcElement, Chart, DoughnutController, Legend, Tooltip } from 'chart.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Home } from '../api';
import { errorText } from '../app';
import { formatDuration, formatMoney } from '../format';
import { t } from '../i18n';
import { CallTable } from './call-table';

Chart.register(DoughnutController, ArcElement, Legend, Tooltip);

const SIZES = [10, 20, 50, 100, 200];
const REFRESH_MS = 30_000;

export function HomePage() {
  const [limit, setLimit] = useState(Number(localStorage.getItem('tollgate.homeLimit') ?? 20));
  const [home, setHome] = useState<Home | null>(null);
  const [error, setError] = useState('');
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);

  useEffect(() => {
    let stop = false;
    const load = () => api<Home>('GET', `/api/home?limit=${limit}`).then((h) => { if (!stop) { setHome(h); setError(''); } }, (e) => setError(errorText(e)));
    void load();
    // Refreshes by itself while the page is open.
    const timer = setInterval(() => { if (!document.hidden) void load(); }, REFRESH_MS);
    return () => { stop = true; clearInterval(timer); };
  }, [limit]);

  useEffect(() => {
    if (!home || !canvas.current) return;
    const kinds = ['incoming', 'outgoing', 'missed', 'internal'] as const;
    const data = kinds.map((k) => home.calls.filter((c) => c.kind === k).length);
    chart.current?.destroy();
    Chart.defaults.color = getComputedStyle(document.documentElement).getPropertyValue('--muted').trim() || '#666';
    chart.current = new Chart(canvas.current, {
      type: 'doughnut',
      data: { labels: kinds.map((k) => t(`kind.${k}`)), datasets: [{ data, backgroundColor: ['#2f7ed8', '#3a9b5c', '#d9534f', '#8a6fbf'] }] },
      options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: 'bottom', rtl: document.dir === 'rtl' } } },
    });
    return () => { chart.current?.destroy(); chart.current = null; };
  }, [home]);

  const cost = home?.month.cost.map((c) => formatMoney(c.amount, c.currency)).join(' + ') || formatMoney(0, 'EUR').replace(/[^\d.,\s]/g, '').trim();
  return (
    <section aria-labelledby="home-title">
      <h1 id="home-title">{t('home.title')}</h1>
      {error && <p class="error" role="alert">{t('app.error', { message: error })}</p>}
      <h2>{t('home.summary')}</h2>
      <dl class="cards" data-testid="summary">
        <div class="card"><dt>{t('home.totalCost')}</dt><dd data-testid="total-cost">{home ? cost : '…'}</dd></div>
        <div class="card"><dt>{t('home.calls')}</dt><dd data-testid="month-calls">{home?.month.calls ?? '…'}</dd></div>
        <div class="card"><dt>{t('home.avgDuration')}</dt><dd>{home ? formatDuration(home.month.avgDurationS) : '…'}</dd></div>
        <div class="card"><dt>{t('home.avgRing')}</dt><dd>{home ? `${home.month.avgRingS} s` : '…'}</dd></div>
        <div class="card"><dt>{t('home.missedToday')}</dt><dd data-testid="missed-today">{home?.missedToday ?? '…'}</dd></div>
      </dl>
      <div class="row">
        <div class="grow">
          <div class="toolbar">
            <h2>{t('home.lastCalls')}</h2>
            <label>
              <span>{t('home.show')}</span>
              <select value={limit} onChange={(e) => { const n = Number((e.target as HTMLSelectElement).value); localStorage.setItem('tollgate.homeLimit', String(n)); setLimit(n); }}>
                {SIZES.map((n) => <option value={n}>{n}</option>)}
              </select>
            </label>
          </div>
          {home && home.calls.length === 0 ? <p>{t('home.noCalls')}</p> : home && <CallTable calls={home.calls} />}
          {home && <p class="muted" aria-live="polite">{t('home.updated', { time: new Date(home.generatedAt).toLocaleTimeString() })}</p>}
        </div>
        <figure class="card chart">
          <figcaption>{t('home.byType')}</figcaption>
          <div class="chart-box"><canvas ref={canvas} role="img" aria-label={t('home.byType')} /></div>
        </figure>
      </div>
    </section>
  );
}
