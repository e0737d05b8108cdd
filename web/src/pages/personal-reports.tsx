import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import { errorText } from '../app';
import { t } from '../i18n';
import type { ReportInfo, ReportOptions } from './report-options';

export interface Saved { name: string; description: string; group: string; report: string; options: ReportOptions }
export interface HistoryEntry { report: string; options: ReportOptions; format: string; rows: number; ranAt: number }

/**
 * The save dialog of a personal report: name, description and group. When `editing` names a
 * saved report, saving under another name renames it.
 */
export function SaveDialog(props: { open: boolean; editing: Saved | null; groups: string[]; onSave: (s: { name: string; description: string; group: string; renameFrom?: string }) => Promise<void>; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [group, setGroup] = useState('');
  const [error, setError] = useState('');
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) {
      setName(props.editing?.name ?? '');
      setDescription(props.editing?.description ?? '');
      setGroup(props.editing?.group ?? '');
      setError('');
      d.showModal();
    } else if (!props.open && d.open) d.close();
  }, [props.open]);
  return (
    <dialog ref={ref} aria-labelledby="save-title" onClose={props.onClose}>
      <form class="form" method="dialog" onSubmit={async (e) => {
        e.preventDefault();
        try {
          await props.onSave({ name: name.trim(), description, group: group.trim(), ...(props.editing ? { renameFrom: props.editing.name } : {}) });
        } catch (err) {
          setError(errorText(err));
        }
      }}>
        <h2 id="save-title">{props.editing ? t('reports.editPersonal') : t('reports.savePersonal')}</h2>
        <label for="save-name">{t('reports.name')}</label>
        <input id="save-name" required maxLength={100} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <label for="save-description">{t('reports.description')}</label>
        <textarea id="save-description" maxLength={500} rows={3} value={description} onInput={(e) => setDescription((e.target as HTMLTextAreaElement).value)} />
        <label for="save-group">{t('reports.group')}</label>
        <input id="save-group" list="save-groups" maxLength={100} value={group} onInput={(e) => setGroup((e.target as HTMLInputElement).value)} />
        <datalist id="save-groups">{props.groups.map((g) => <option value={g} />)}</datalist>
        {error && <p class="error" role="alert">{error}</p>}
        <div class="buttons">
          <button type="submit" class="primary" disabled={name.trim() === ''}>{t('reports.save')}</button>
          <button type="button" onClick={() => ref.current?.close()}>{t('reports.cancel')}</button>
        </div>
      </form>
    </dialog>
  );
}

/** Personal reports grouped by group, with descriptions: run in one click, edit, delete. */
export function PersonalReports(props: { saved: Saved[]; reports: ReportInfo[]; onRun: (s: Saved) => void; onEdit: (s: Saved) => void; onDelete: (s: Saved) => void }) {
  if (props.saved.length === 0) return <p class="muted">{t('reports.noPersonal')}</p>;
  const groups = [...new Set(props.saved.map((s) => s.group))];
  return (
    <div class="saved-groups" data-testid="personal-reports">
      {groups.map((g) => (
        <section aria-label={g || t('reports.noGroup')}>
          <h3>{g || t('reports.noGroup')}</h3>
          <ul class="plain">
            {props.saved.filter((s) => s.group === g).map((s) => (
              <li>
                <button type="button" class="link" onClick={() => props.onRun(s)}>{s.name}</button>
                <span class="muted">{props.reports.find((r) => r.id === s.report)?.title ?? s.report}{s.description ? ` — ${s.description}` : ''}</span>
                <button type="button" aria-label={t('reports.editNamed', { name: s.name })} onClick={() => props.onEdit(s)}>{t('reports.edit')}</button>
                <button type="button" class="danger" aria-label={t('reports.deleteNamed', { name: s.name })} onClick={() => props.onDelete(s)}>{t('reports.delete')}</button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

/** The caller's report history, newest first; a click reopens the report with its options. */
export function ReportHistory(props: { history: HistoryEntry[]; reports: ReportInfo[]; onOpen: (h: HistoryEntry) => void }) {
  if (props.history.length === 0) return <p class="muted">{t('reports.noHistory')}</p>;
  return (
    <div class="table-wrap">
      <table data-testid="report-history">
        <thead><tr><th scope="col">{t('reports.ranAt')}</th><th scope="col">{t('reports.report')}</th><th scope="col">{t('reports.format')}</th><th scope="col" class="num">{t('reports.rows')}</th></tr></thead>
        <tbody>
          {props.history.map((h) => (
            <tr>
              <td>{new Date(h.ranAt * 1000).toLocaleString()}</td>
              <td><button type="button" class="link" onClick={() => props.onOpen(h)}>{props.reports.find((r) => r.id === h.report)?.title ?? h.report}</button></td>
              <td>{h.format}</td>
              <td class="num">{h.rows}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export const loadSaved = () => api<Saved[]>('GET', '/api/saved-reports');
export const loadHistory = () => api<HistoryEntry[]>('GET', '/api/report-history');
