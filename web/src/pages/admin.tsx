import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { errorText } from '../app';
import { t } from '../i18n';
import { recordPath, RecordEditor, TariffEditor, type Change, type RecordKind } from './admin-edit';

type Kind = RecordKind | 'tariffs';
const KINDS: Kind[] = ['sites', 'gateways', 'tariffs', 'account-codes'];
const COLUMNS: Record<Kind, string[]> = {
  sites: ['code', 'name', 'country', 'timezone', 'currency', 'tariffCode', 'privacyDigits', 'privacyLevel'],
  gateways: ['site', 'name', 'kind', 'label', 'tariff'],
  tariffs: ['code', 'name', 'carrier', 'currency', 'rates'],
  'account-codes': ['site', 'code', 'description', 'cost_center', 'privacy_digits'],
};
const KEY: Record<Kind, string> = { sites: 'sites', gateways: 'gateways', tariffs: 'tariffs', 'account-codes': 'accountCodes' };
type Row = Record<string, unknown>;
const keyOf = (kind: Kind, r: Row): string[] =>
  kind === 'gateways' ? [String(r.site), String(r.name)] : kind === 'account-codes' ? [String(r.site || '*'), String(r.code)] : [String(r.code)];

/**
 * Administration: sites, gateways, tariffs and account codes: listed, loaded from CSV/JSON files,
 * and created, edited and deleted one at a time (admin-edit.tsx). After a change that affects
 * rating the page says so and offers the recalculation.
 */
export function AdminPage() {
  const [kind, setKind] = useState<Kind>('sites');
  const [rows, setRows] = useState<Row[]>([]);
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');
  const [problems, setProblems] = useState<string[]>([]);
  const [editing, setEditing] = useState<{ record: Record<string, string> | null; code?: string | null } | null>(null);
  const [recalc, setRecalc] = useState<{ site: string | null } | null>(null);
  const load = () => api<Record<string, Row[]>>('GET', `/api/admin/${kind}`).then((r) => setRows(r[KEY[kind]] ?? []), (e) => setError(errorText(e)));
  useEffect(() => { setMessage(''); setError(''); setProblems([]); setEditing(null); void load(); }, [kind]);

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

  function done(change: Change | null) {
    setEditing(null);
    if (!change) return;
    setError('');
    setMessage(change.notice);
    setRecalc(change.recalculate);
    void load();
  }

  async function edit(r: Row) {
    setMessage('');
    if (kind === 'tariffs') return setEditing({ record: null, code: String(r.code) });
    if (kind === 'sites') {
      try {
        const { site } = await api<{ site: Record<string, string> }>('GET', recordPath('sites', keyOf(kind, r)));
        setEditing({ record: site });
      } catch (err) {
        setError(errorText(err));
      }
      return;
    }
    setEditing({ record: Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v ?? '')])) });
  }

  async function remove(r: Row) {
    const key = keyOf(kind, r);
    if (!confirm(t('adminEdit.confirmDelete', { name: key.join(' / ') }))) return;
    try {
      done(await api<Change>('DELETE', kind === 'tariffs' ? `/api/admin/tariffs/${encodeURIComponent(key[0]!)}` : recordPath(kind, key)));
    } catch (err) {
      setMessage('');
      setError(errorText(err));
    }
  }

  async function recalculate() {
    try {
      await api('POST', '/api/admin/recalculate', { site: recalc?.site ?? null });
      setRecalc(null);
      setMessage(t('adminEdit.recalcStarted'));
    } catch (err) {
      setError(errorText(err));
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
        {message && (
          <p class="ok" role="status">
            {message}{' '}
            {recalc && <button type="button" onClick={() => void recalculate()}>{recalc.site ? t('adminEdit.recalcSite', { site: recalc.site }) : t('adminEdit.recalcAll')}</button>}
          </p>
        )}
        {error && <p class="error" role="alert">{error}</p>}
        {problems.length > 0 && <ul class="problems">{problems.map((p) => <li>{p}</li>)}</ul>}
        <div class="toolbar">
          <button type="button" class="primary" onClick={() => { setMessage(''); setEditing({ record: null, code: null }); }}>{t(`adminEdit.new.${kind}`)}</button>
          <form class="toolbar" onSubmit={upload}>
            <label><span>{t('admin.importFile')}</span><input name="file" type="file" accept=".csv,.tsv,.json,.txt" required /></label>
            <button type="submit">{t('admin.import')}</button>
          </form>
        </div>
        <div class="row">
          <div class="table-wrap grow">
            <table data-testid={`admin-${kind}`}>
              <thead><tr>{COLUMNS[kind].map((c) => <th scope="col">{c}</th>)}<th scope="col"><span class="sr-only">{t('adminEdit.actions')}</span></th></tr></thead>
              <tbody>
                {rows.map((r) => (
                  <tr>
                    {COLUMNS[kind].map((c) => <td>{String(r[c] ?? '')}</td>)}
                    <td class="buttons">
                      <button type="button" onClick={() => void edit(r)} aria-label={t('adminEdit.editOne', { name: keyOf(kind, r).join(' / ') })}>{t('adminEdit.editShort')}</button>
                      <button type="button" class="danger" onClick={() => void remove(r)} aria-label={t('adminEdit.deleteOne', { name: keyOf(kind, r).join(' / ') })}>{t('app.delete')}</button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {rows.length === 0 && <p class="muted">{t('admin.empty')}</p>}
          </div>
          {editing && kind !== 'tariffs' && <RecordEditor kind={kind} record={editing.record} onDone={done} />}
        </div>
        {editing && kind === 'tariffs' && <TariffEditor code={editing.code ?? null} onDone={done} />}
      </div>
    </section>
  );
}
