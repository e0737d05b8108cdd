import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type User } from '../api';
import { errorText } from '../app';
import { t } from '../i18n';
import { LinePanel } from './line-panel';

type Draft = Record<string, string | boolean | number>;

const TEXT_FIELDS: Array<[string, string]> = [
  ['first_name', 'users.firstName'], ['last_name', 'users.lastName'], ['email', 'users.email'], ['department', 'users.department'],
  ['cost_center', 'users.costCenter'], ['office_location', 'users.office'], ['site', 'users.site'], ['partition', 'users.partition'],
  ['extension', 'users.extension'], ['fax_extension', 'users.fax'], ['voicemail_extension', 'users.voicemail'], ['devices', 'users.devices'],
  ['extra_departments', 'users.extraDepartments'],
];
const FLAGS: Array<[string, string]> = [['extension_billing', 'users.extensionBilling'], ['fax_billing', 'users.faxBilling'], ['voicemail_billing', 'users.voicemailBilling'], ['disabled', 'users.disabled']];

function draftOf(u: User | null): Draft {
  if (!u) return { username: '', level: 2, scope: 'department', extension_billing: true, fax_billing: true, voicemail_billing: true, disabled: false, password: '', devices: '' };
  const d: Draft = { ...(u as unknown as Draft), site: u.site ?? '', devices: u.devices.join(' ') };
  u.custom.forEach((v, i) => { d[`custom_${i + 1}`] = v; });
  return d;
}

function bodyOf(d: Draft, isNew: boolean): Record<string, unknown> {
  const b: Record<string, unknown> = {};
  for (const [k] of TEXT_FIELDS) if (d[k] !== undefined) b[k] = String(d[k]);
  for (const [k] of FLAGS) b[k] = Boolean(d[k]);
  for (let i = 1; i <= 10; i++) if (d[`custom_${i}`] !== undefined) b[`custom_${i}`] = String(d[`custom_${i}`]);
  b.devices = String(d.devices ?? '').split(/\s+/).filter(Boolean);
  b.level = Number(d.level);
  b.scope = d.scope;
  if (!b.site) delete b.site;
  if (isNew) {
    b.username = d.username;
    if (d.password) b.password = d.password;
  }
  return b;
}

export function UsersPage(props: { self: User }) {
  const [q, setQ] = useState('');
  const [department, setDepartment] = useState('');
  const [level, setLevel] = useState('');
  const [costCenter, setCostCenter] = useState('');
  const [site, setSite] = useState('');
  const [source, setSource] = useState('');
  const [list, setList] = useState<{ total: number; users: User[] }>({ total: 0, users: [] });
  const [editing, setEditing] = useState<{ user: User | null; draft: Draft } | null>(null);
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');
  const [problems, setProblems] = useState<Array<{ line: number; column: string; message: string }>>([]);
  const [partial, setPartial] = useState(false);

  const load = () => {
    const params = new URLSearchParams({ limit: '200', ...(q ? { q } : {}), ...(department ? { department } : {}), ...(level ? { level } : {}),
      ...(costCenter ? { cost_center: costCenter } : {}), ...(site ? { site } : {}), ...(source ? { source } : {}) });
    return api<{ total: number; users: User[] }>('GET', `/api/users?${params}`).then(setList, (e) => setError(errorText(e)));
  };
  useEffect(() => { void load(); }, [q, department, level, costCenter, site, source]);

  async function save(e: Event) {
    e.preventDefault();
    if (!editing) return;
    try {
      const isNew = editing.user === null;
      const saved = await api<User>(isNew ? 'POST' : 'PATCH', isNew ? '/api/users' : `/api/users/${editing.user!.id}`, bodyOf(editing.draft, isNew));
      setMessage(t('users.saved'));
      setError('');
      setEditing({ user: saved, draft: draftOf(saved) });
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  }

  async function remove(u: User) {
    if (!confirm(t('users.confirmDelete', { name: u.username }))) return;
    try {
      await api('DELETE', `/api/users/${u.id}`);
      setEditing(null);
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  }

  async function reset(u: User) {
    try {
      const r = await api<{ password?: string }>('POST', `/api/users/${u.id}/password`, {});
      setMessage(t('users.newPassword', { password: r.password ?? '' }));
    } catch (err) {
      setError(errorText(err));
    }
  }

  async function importFile(e: Event) {
    e.preventDefault();
    const input = (e.target as HTMLFormElement).elements.namedItem('file') as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    setProblems([]);
    setError('');
    try {
      const r = await api<{ imported: number; created: number; updated: number; problems: typeof problems }>('POST', `/api/users/import?partial=${partial}`, await file.text(), 'text/csv');
      setMessage(t('users.imported', r));
      setProblems(r.problems);
      await load();
    } catch (err) {
      if (err instanceof ApiError && Array.isArray(err.details)) {
        setError(t('users.importRejected'));
        setProblems(err.details as typeof problems);
      } else setError(errorText(err));
    }
  }

  async function sync() {
    try {
      const r = await api<Record<string, number>>('POST', '/api/users/sync', {});
      setMessage(t('users.synced', r));
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  }

  const set = (k: string, v: string | boolean) => editing && setEditing({ ...editing, draft: { ...editing.draft, [k]: v } });
  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">{t('users.title')}</h1>
      <div class="toolbar">
        <label><span>{t('users.search')}</span><input type="search" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} /></label>
        <label><span>{t('users.filterDepartment')}</span><input value={department} onChange={(e) => setDepartment((e.target as HTMLInputElement).value)} /></label>
        <label><span>{t('users.filterCostCenter')}</span><input value={costCenter} onChange={(e) => setCostCenter((e.target as HTMLInputElement).value)} /></label>
        <label><span>{t('users.filterSite')}</span><input value={site} size={8} onChange={(e) => setSite((e.target as HTMLInputElement).value)} /></label>
        <label>
          <span>{t('users.filterSource')}</span>
          <select value={source} onChange={(e) => setSource((e.target as HTMLSelectElement).value)}>
            <option value="">{t('users.anySource')}</option>
            <option value="local">{t('users.sourceLocal')}</option>
            <option value="ldap">{t('users.sourceLdap')}</option>
          </select>
        </label>
        <label>
          <span>{t('users.filterLevel')}</span>
          <select value={level} onChange={(e) => setLevel((e.target as HTMLSelectElement).value)}>
            <option value="">{t('users.anyLevel')}</option>
            {[0, 2, 6, 8, 10].map((l) => <option value={l}>{t(`levels.${l}`)}</option>)}
          </select>
        </label>
        <button type="button" onClick={() => setEditing({ user: null, draft: draftOf(null) })}>{t('users.new')}</button>
        <span class="muted">{t('users.total', { count: list.total })}</span>
      </div>
      {message && <p class="ok" role="status">{message}</p>}
      {error && <p class="error" role="alert">{error}</p>}
      {problems.length > 0 && (
        <ul class="problems" data-testid="import-problems">
          {problems.map((p) => <li>{t('users.line', { line: p.line })}{p.column ? ` – ${p.column}` : ''}: {p.message}</li>)}
        </ul>
      )}
      <div class="row">
        <div class="grow table-wrap">
          <table data-testid="users">
            <thead><tr>
              <th scope="col">{t('users.username')}</th><th scope="col">{t('users.name')}</th><th scope="col">{t('users.department')}</th>
              <th scope="col">{t('users.extension')}</th><th scope="col">{t('users.level')}</th><th scope="col">{t('users.source')}</th>
            </tr></thead>
            <tbody>
              {list.users.map((u) => (
                <tr>
                  <td><button type="button" class="link" onClick={() => setEditing({ user: u, draft: draftOf(u) })}>{u.username}</button></td>
                  <td>{[u.first_name, u.last_name].filter(Boolean).join(' ')}</td><td>{u.department}</td><td dir="ltr">{u.extension}</td>
                  <td>{u.level}</td><td>{u.auth_source}{u.disabled ? ` (${t('users.disabled')})` : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {editing && (
          <form class="card form editor" onSubmit={save} aria-labelledby="edit-title">
            <h2 id="edit-title">{editing.user ? t('users.edit', { name: editing.user.username }) : t('users.new')}</h2>
            {!editing.user && (
              <>
                <label for="u-username">{t('users.username')}</label>
                <input id="u-username" required value={String(editing.draft.username ?? '')} onInput={(e) => set('username', (e.target as HTMLInputElement).value)} />
                <label for="u-password">{t('users.initialPassword')}</label>
                <input id="u-password" type="password" autocomplete="new-password" value={String(editing.draft.password ?? '')} onInput={(e) => set('password', (e.target as HTMLInputElement).value)} />
              </>
            )}
            {TEXT_FIELDS.map(([k, label]) => (
              <>
                <label for={`u-${k}`}>{t(label)}</label>
                <input id={`u-${k}`} value={String(editing.draft[k] ?? '')} onInput={(e) => set(k, (e.target as HTMLInputElement).value)} />
              </>
            ))}
            <label for="u-level">{t('users.level')}</label>
            <select id="u-level" value={String(editing.draft.level)} onChange={(e) => set('level', (e.target as HTMLSelectElement).value)}>
              {[0, 2, 6, 8, 10].map((l) => <option value={l}>{t(`levels.${l}`)}</option>)}
            </select>
            <label for="u-scope">{t('users.scope')}</label>
            <select id="u-scope" value={String(editing.draft.scope)} onChange={(e) => set('scope', (e.target as HTMLSelectElement).value)}>
              {['department', 'cost_center', 'office_location'].map((s) => <option value={s}>{t(`scope.${s}`)}</option>)}
            </select>
            {FLAGS.map(([k, label]) => (
              <label class="check"><input type="checkbox" checked={Boolean(editing.draft[k])} onChange={(e) => set(k, (e.target as HTMLInputElement).checked)} /> {t(label)}</label>
            ))}
            <details>
              <summary>{t('users.custom', { n: '1–10' })}</summary>
              {Array.from({ length: 10 }, (_, i) => (
                <>
                  <label for={`u-custom-${i + 1}`}>{t('users.custom', { n: i + 1 })}</label>
                  <input id={`u-custom-${i + 1}`} value={String(editing.draft[`custom_${i + 1}`] ?? '')} onInput={(e) => set(`custom_${i + 1}`, (e.target as HTMLInputElement).value)} />
                </>
              ))}
            </details>
            {editing.user && editing.user.extension && <LinePanel userId={editing.user.id} />}
            <div class="buttons">
              <button type="submit" class="primary">{t('app.save')}</button>
              <button type="button" onClick={() => setEditing(null)}>{t('app.close')}</button>
              {editing.user && editing.user.id !== props.self.id && <button type="button" onClick={() => void reset(editing.user!)}>{t('users.resetPassword')}</button>}
              {editing.user && editing.user.id !== props.self.id && <button type="button" class="danger" onClick={() => void remove(editing.user!)}>{t('app.delete')}</button>}
            </div>
          </form>
        )}
      </div>
      <div class="row">
        <form class="card form" onSubmit={importFile} aria-labelledby="import-title">
          <h2 id="import-title">{t('users.import')}</h2>
          <label for="import-file">{t('users.importFile')}</label>
          <input id="import-file" name="file" type="file" accept=".csv,.tsv,.txt,text/csv,text/tab-separated-values" required />
          <label class="check"><input type="checkbox" checked={partial} onChange={(e) => setPartial((e.target as HTMLInputElement).checked)} /> {t('users.importPartial')}</label>
          <button type="submit">{t('users.importRun')}</button>
        </form>
        <div class="card">
          <h2>{t('users.export')}</h2>
          <ul class="plain">
            <li><a href="/api/users/export?format=csv" download>{t('users.exportComma')}</a></li>
            <li><a href="/api/users/export?format=csv&delimiter=semicolon" download>{t('users.exportSemicolon')}</a></li>
            <li><a href="/api/users/export?format=tsv" download>{t('users.exportTsv')}</a></li>
          </ul>
          <button type="button" onClick={() => void sync()}>{t('users.sync')}</button>
        </div>
      </div>
    </section>
  );
}
