import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { errorText } from '../app';
import { t } from '../i18n';

type Kind = 'sites' | 'gateways' | 'tariffs' | 'account-codes';
const KINDS: Kind[] = ['sites', 'gateways', 'tariffs', 'account-codes'];
const COLUMNS: Record<Kind, string[]> = {
  sites: ['code', 'name', 'country', 'timezone', 'currency', 'tariffCode', 'privacyDigits', 'privacyLevel'],
  gateways: ['site', 'name', 'kind', 'label', 'tariff'],
  tariffs: ['code', 'name', 'carrier', 'currency'],
  'account-codes': ['site', 'code', 'description', 'costCenter', 'privacyDigits'],
};
const KEY: Record<Kind, string> = { sites: 'sites', gateways: 'gateways', tariffs: 'tariffs', 'account-codes': 'accountCodes' };

/** Administration: sites, gateways, tariffs and account codes, listed and loaded from CSV/JSON files. */
export function AdminPage() {
  const [kind, setKind] = useState<Kind>('sites');
  const [rows, setRows] = useState<Array<Record<string, unknown>>>([]);
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');
  const [problems, setProblems] = useState<string[]>([]);
  const load = () => api<Record<string, Array<Record<string, unknown>>>>('GET', `/api/admin/${kind}`).then((r) => setRows(r[KEY[kind]] ?? []), (e) => setError(errorText(e)));
  useEffect(() => { setMessage(''); setError(''); setProblems([]); void load(); }, [kind]);

  async function upload(e: Event) {
    e.preventDefault();
    const file = ((e.target as HTMLFormElement).elements.namedItem('file') as HTMLInputElement).files?.[0];
    if (!file) return;
    setError('');
    setProblems([]);
    try {
      const r = await api<{ imported: number }>('POST', `/api/admin/${kind}/import`, await file.text(), 'text/csv');
      setMessage(t('admin.imported', { count: r.imported }));
      await load();
    } catch (err) {
      if (err instanceof ApiError && Array.isArray(err.details)) {
        setError(t('admin.rejected'));
        setProblems(err.details as string[]);
      } else setError(errorText(err));
    }
  }

  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">{t('admin.title')}</h1>
      <p><a href="#/gadgets">{t('gadgetAdmin.link')}</a></p>
      <div role="tablist" class="tabs" aria-label={t('admin.title')}>
        {KINDS.map((k) => (
          <button type="button" role="tab" aria-selected={k === kind} onClick={() => setKind(k)}>{t(`admin.${k}`)}</button>
        ))}
      </div>
      <div role="tabpanel">
        {message && <p class="ok" role="status">{message}</p>}
        {error && <p class="error" role="alert">{error}</p>}
        {problems.length > 0 && <ul class="problems">{problems.map((p) => <li>{p}</li>)}</ul>}
        <form class="toolbar" onSubmit={upload}>
          <label><span>{t('admin.importFile')}</span><input name="file" type="file" accept=".csv,.tsv,.json,.txt" required /></label>
          <button type="submit">{t('admin.import')}</button>
        </form>
        <div class="table-wrap">
          <table data-testid={`admin-${kind}`}>
            <thead><tr>{COLUMNS[kind].map((c) => <th scope="col">{c}</th>)}</tr></thead>
            <tbody>{rows.map((r) => <tr>{COLUMNS[kind].map((c) => <td>{String(r[c] ?? '')}</td>)}</tr>)}</tbody>
          </table>
        </div>
        {rows.length === 0 && <p class="muted">{t('admin.empty')}</p>}
      </div>
    </section>
  );
}
