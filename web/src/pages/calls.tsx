import { useEffect, useState } from 'preact/hooks';
import { api, type Call } from '../api';
import { errorText } from '../app';
import { t } from '../i18n';
import { CallTable } from './call-table';

export function CallsPage(props: { params: URLSearchParams }) {
  const [number, setNumber] = useState(props.params.get('number') ?? '');
  const [kind, setKind] = useState(props.params.get('kind') ?? '');
  const [from, setFrom] = useState(props.params.get('from') ?? '');
  const [to, setTo] = useState(props.params.get('to') ?? '');
  const [calls, setCalls] = useState<Call[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState('');
  const query = () => new URLSearchParams({ ...(number ? { number } : {}), ...(kind ? { kind } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}) }).toString();
  /** The API's `to` is exclusive: the chosen last day is included by asking up to the next one. */
  const apiQuery = () => {
    const q = new URLSearchParams(query());
    if (to) q.set('to', new Date(Date.parse(`${to}T00:00:00Z`) + 86400_000).toISOString().slice(0, 10));
    return q.toString();
  };

  async function load(before?: number) {
    try {
      const r = await api<{ calls: Call[]; next: number | null }>('GET', `/api/calls?limit=50&${apiQuery()}${before ? `&before=${before}` : ''}`);
      setCalls(before ? [...calls, ...r.calls] : r.calls);
      setNext(r.next);
      setError('');
    } catch (err) {
      setError(errorText(err));
    }
  }
  useEffect(() => {
    setNumber(props.params.get('number') ?? '');
    setKind(props.params.get('kind') ?? '');
    setFrom(props.params.get('from') ?? '');
    setTo(props.params.get('to') ?? '');
  }, [props.params.toString()]);
  useEffect(() => { void load(); }, [props.params.toString()]);

  return (
    <section aria-labelledby="calls-title">
      <h1 id="calls-title">{t('calls.title')}</h1>
      <form class="toolbar" onSubmit={(e) => { e.preventDefault(); location.hash = `#/calls?${query()}`; void load(); }}>
        <label><span>{t('calls.filterNumber')}</span><input dir="ltr" inputMode="tel" value={number} onInput={(e) => setNumber((e.target as HTMLInputElement).value)} /></label>
        <label>
          <span>{t('calls.filterKind')}</span>
          <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
            <option value="">{t('calls.any')}</option>
            {['incoming', 'outgoing', 'missed', 'internal'].map((k) => <option value={k}>{t(`kind.${k}`)}</option>)}
          </select>
        </label>
        <label><span>{t('calls.from')}</span><input type="date" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} /></label>
        <label><span>{t('calls.to')}</span><input type="date" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} /></label>
        <button type="submit">{t('calls.apply')}</button>
        <a class="button" href={`/api/calls/export?${apiQuery()}`} download>{t('calls.export')}</a>
        <a class="button" href={`/api/calls/export?${apiQuery()}${apiQuery() ? '&' : ''}format=xlsx`} download>{t('calls.exportXlsx')}</a>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      <CallTable calls={calls} showUser />
      {next && <button type="button" onClick={() => void load(next)}>{t('calls.more')}</button>}
    </section>
  );
}
