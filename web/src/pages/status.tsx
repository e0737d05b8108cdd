import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { errorText } from '../app';
import { formatTime } from '../format';
import { t } from '../i18n';

interface SiteStatus {
  site: string; files: { received: number; done: number; failed: number; pending: number }; rows: number; stored: number;
  duplicates: number; discarded: Record<string, number>; undefinedExtensions: number; lastFileAt: string | null;
}

interface Counters {
  curri: { total: number; decisions: Array<{ decision: string; why: string; count: number }> };
  scheduler: { enabled: number; nextRunAt: string | null; failing: string[] };
}

export function StatusPage() {
  const [counters, setCounters] = useState<Counters | null>(null);
  const [sites, setSites] = useState<SiteStatus[] | null>(null);
  const [services, setServices] = useState<Record<string, string>>({});
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const load = () => api<{ sites: SiteStatus[]; services: Record<string, string> } & Counters>('GET', '/api/status').then((r) => { setSites(r.sites); setServices(r.services ?? {}); setCounters(r); }, (e) => setError(errorText(e)));
  useEffect(() => { void load(); }, []);
  async function reprocess() {
    try {
      const r = await api<{ examined: number; stored: number; stillDiscarded: number }>('POST', '/api/status/reprocess', {});
      setMessage(t('status.reprocessed', r));
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  }
  return (
    <section aria-labelledby="status-title">
      <h1 id="status-title">{t('status.title')}</h1>
      {error && <p class="error" role="alert">{error}</p>}
      {message && <p class="ok" role="status">{message}</p>}
      {Object.keys(services).length > 0 && (
        <>
          <h2>{t('status.services')}</h2>
          <table data-testid="services">
            <thead><tr><th scope="col">{t('status.service')}</th><th scope="col">{t('status.state')}</th></tr></thead>
            <tbody>{Object.entries(services).map(([name, state]) => <tr><th scope="row">{name}</th><td class={state === 'ok' ? 'ok' : 'error'}>{state}</td></tr>)}</tbody>
          </table>
        </>
      )}
      {counters && (
        <>
          <h2>{t('status.curri')}</h2>
          {counters.curri.total === 0 ? <p class="muted">{t('status.curriNone')}</p> : (
            <table data-testid="curri-counters">
              <thead><tr><th scope="col">{t('status.decision')}</th><th scope="col">{t('status.why')}</th><th scope="col" class="num">{t('status.count')}</th></tr></thead>
              <tbody>{counters.curri.decisions.map((d) => <tr><td>{d.decision}</td><td>{d.why}</td><td class="num">{d.count}</td></tr>)}</tbody>
            </table>
          )}
          <h2>{t('status.scheduler')}</h2>
          <p data-testid="scheduler">
            {t('status.schedules', { count: counters.scheduler.enabled })}
            {counters.scheduler.nextRunAt && ` ${t('status.nextRun', { at: formatTime(counters.scheduler.nextRunAt) })}`}
            {counters.scheduler.failing.length > 0 && <span class="error"> {t('status.failing', { names: counters.scheduler.failing.join(', ') })}</span>}
          </p>
        </>
      )}
      {Object.keys(services).length > 0 && <h2>{t('status.sites')}</h2>}
      <button type="button" onClick={() => void reprocess()}>{t('status.reprocess')}</button>
      {sites && sites.length === 0 && <p>{t('status.none')}</p>}
      {sites && sites.length > 0 && (
        <div class="table-wrap">
          <table data-testid="status">
            <thead><tr>
              <th scope="col">{t('status.site')}</th><th scope="col" class="num">{t('status.files')}</th><th scope="col" class="num">{t('status.pending')}</th>
              <th scope="col" class="num">{t('status.failed')}</th><th scope="col">{t('status.lastFile')}</th><th scope="col" class="num">{t('status.rows')}</th>
              <th scope="col" class="num">{t('status.stored')}</th><th scope="col" class="num">{t('status.duplicates')}</th><th scope="col">{t('status.discarded')}</th>
              <th scope="col" class="num">{t('status.undefinedExtensions')}</th>
            </tr></thead>
            <tbody>
              {sites.map((s) => (
                <tr>
                  <th scope="row">{s.site}</th><td class="num">{s.files.received}</td><td class="num">{s.files.pending}</td><td class="num">{s.files.failed}</td>
                  <td>{s.lastFileAt ? formatTime(s.lastFileAt) : '–'}</td><td class="num">{s.rows}</td><td class="num">{s.stored}</td><td class="num">{s.duplicates}</td>
                  <td>{Object.entries(s.discarded).map(([r, n]) => `${r}: ${n}`).join(', ') || '0'}</td><td class="num">{s.undefinedExtensions}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
