import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatCompactTimeIn, formatDuration, formatMoneyIn } from '../../web/src/lib/format';
import { gadgetApi, type Call } from '../shared/api';
import { startGadget, type GadgetContext } from '../shared/shell';
import { language, t } from '../shared/i18n';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

type Period = 'today' | 'yesterday' | 'week';
type Kind = '' | Call['kind'];
interface ChartData { period: Period; buckets: Array<{ key: string; calls: number }>; summary: { calls: number; cost: Array<{ currency: string; amount: number }> } }

const KIND_ICON: Record<Call['kind'], string> = { incoming: '↙', outgoing: '↗', missed: '✕', internal: '↔' };

/**
 * The outgoing calls of a period as bars (Chart.js, tree-shaken to the bar chart), with a text
 * summary for screen readers. Not `responsive`: Chart.js would then need ResizeObserver, which old
 * Jabber browsers lack; the chart is redrawn at the tab's width on window resizes instead.
 */
function OutgoingChart(props: { data: ChartData }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const measure = () => setWidth(canvas.current && canvas.current.parentElement ? canvas.current.parentElement.clientWidth : 300);
    measure();
    window.addEventListener('resize', measure);
    return () => window.removeEventListener('resize', measure);
  }, []);
  useEffect(() => {
    if (width === 0) return undefined;
    const style = getComputedStyle(document.documentElement);
    canvas.current!.style.width = `${width}px`;
    canvas.current!.style.height = '180px';
    canvas.current!.width = width;
    canvas.current!.height = 180;
    const chart = new Chart(canvas.current!, {
      type: 'bar',
      data: {
        labels: props.data.buckets.map((b) => (props.data.period === 'week' ? b.key.slice(5) : b.key)),
        datasets: [{ label: t('calls.outgoing'), data: props.data.buckets.map((b) => b.calls), backgroundColor: style.getPropertyValue('--accent').trim() || '#0b5cad' }],
      },
      options: {
        responsive: false, animation: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0, color: style.getPropertyValue('--muted').trim() } }, x: { ticks: { color: style.getPropertyValue('--muted').trim() } } },
      },
    });
    return () => chart.destroy();
  }, [props.data, width]);
  const total = props.data.summary.calls;
  const cost = props.data.summary.cost.map((c) => formatMoneyIn(language(), c.amount, c.currency)).join(', ');
  return (
    <figure class="chart" style="margin:0">
      <div class="chart-box"><canvas ref={canvas} role="img" aria-label={t('calls.chartLabel', { count: total, period: t(`calls.period.${props.data.period}`) })} /></div>
      <figcaption data-testid="chart-summary">{t('calls.summary', { count: total })}{cost ? ` · ${cost}` : ''}</figcaption>
    </figure>
  );
}

function CallAnalytics(props: GadgetContext) {
  const [period, setPeriod] = useState<Period>('today');
  const [kind, setKind] = useState<Kind>('');
  const [chart, setChart] = useState<ChartData | null>(null);
  const [calls, setCalls] = useState<Call[] | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    gadgetApi<ChartData>('GET', `/api/gadget/chart?period=${period}`).then(setChart, (e) => setError(props.fail(e)));
  }, [period]);
  useEffect(() => {
    gadgetApi<{ calls: Call[] }>('GET', `/api/gadget/calls?limit=50${kind ? `&kind=${kind}` : ''}`).then((r) => setCalls(r.calls), (e) => setError(props.fail(e)));
  }, [kind]);

  return (
    <div>
      {error && <p class="error" role="alert">{error}</p>}
      <div class="seg" role="group" aria-label={t('calls.periodLabel')}>
        {(['today', 'yesterday', 'week'] as const).map((p) => <button type="button" aria-pressed={period === p} onClick={() => setPeriod(p)}>{t(`calls.period.${p}`)}</button>)}
      </div>
      {chart && <OutgoingChart data={chart} />}
      <div class="toolbar">
        <h2>{t('calls.list')}</h2>
        <label>
          <span>{t('calls.filter')}</span>
          <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as Kind)}>
            <option value="">{t('calls.all')}</option>
            {(['incoming', 'outgoing', 'missed', 'internal'] as const).map((k) => <option value={k}>{t(`kind.${k}`)}</option>)}
          </select>
        </label>
      </div>
      {calls && calls.length === 0 && <p class="muted">{t('calls.none')}</p>}
      {calls && calls.length > 0 && (
        <div class="table-wrap">
          <table data-testid="calls">
            <thead><tr><th><span class="sr-only">{t('calls.type')}</span></th><th>{t('calls.when')}</th><th>{t('calls.number')}</th><th class="num">{t('calls.duration')}</th><th class="num">{t('calls.cost')}</th></tr></thead>
            <tbody>
              {calls.map((c) => (
                <tr>
                  <td><span class={`kind kind-${c.kind}`} title={t(`kind.${c.kind}`)} aria-label={t(`kind.${c.kind}`)}>{KIND_ICON[c.kind]}</span></td>
                  <td>{formatCompactTimeIn(language(), c.startAt)}</td>
                  <td>{c.remoteNumber}</td>
                  <td class="num">{formatDuration(c.durationS)}</td>
                  <td class="num">{formatMoneyIn(language(), c.cost, c.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p><a href="/#/reports" target="_blank" rel="noopener">{t('calls.reports')}</a></p>
    </div>
  );
}

startGadget('calls.title', (ctx) => <CallAnalytics {...ctx} />);
