import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { errorText } from '../app';
import { t } from '../i18n';
import { Chips } from './chips';
import { loadSaved, type Saved } from './personal-reports';
import { browserZone, compact, ReportOptionsForm, timeZones, type Catalogue, type ReportOptions } from './report-options';

/**
 * Scheduled reports and alarms (administrators): the lists with last run, last result and next
 * run; create, edit, enable, disable, run now, delete.
 */

export interface Schedule {
  id: number; name: string; kind: 'report' | 'alarm'; target: string; format: string; recipients: string[]; everyN: number; everyUnit: string;
  startsAt: number; startsAtLocal: string; timezone: string; skipEmpty: boolean; subject: string; body: string; enabled: boolean;
  nextRunAt: number; lastRunAt: number | null; lastStatus: string | null; lastResult: string | null; options: ReportOptions; params: Record<string, unknown>;
}
interface JsonSchema { type?: string; properties?: Record<string, JsonSchema>; items?: JsonSchema; enum?: string[]; default?: unknown; required?: string[] }
interface AlarmType { id: string; title: string; params: JsonSchema }
interface AlarmTypes { units: string[]; alarms: AlarmType[] }

type Draft = Omit<Schedule, 'id' | 'startsAt' | 'nextRunAt' | 'lastRunAt' | 'lastStatus' | 'lastResult'> & { isNew: boolean };

const when = (s: number | null) => (s === null ? '–' : new Date(s * 1000).toLocaleString());
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function tomorrowAt7(): string {
  const d = new Date(Date.now() + 86_400_000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T07:00`;
}

function newDraft(kind: 'report' | 'alarm', target: string, defaults: Record<string, unknown>): Draft {
  return {
    isNew: true, name: '', kind, target, format: kind === 'alarm' ? 'pdf' : 'csv', recipients: [], everyN: 1, everyUnit: 'days', startsAtLocal: tomorrowAt7(),
    timezone: browserZone(), skipEmpty: kind === 'alarm', subject: '[[REPORT]]', body: '[[REPORT]]\n\n[[FILTER]]\n', enabled: true,
    options: { period: kind === 'alarm' ? 'yesterday' : 'last-month' }, params: defaults,
  };
}

/** The parameters of an alarm type, from the JSON schema the server sends (hours, lists, amounts, counts). */
function AlarmParams(props: { type: AlarmType; value: Record<string, unknown>; onChange: (update: (v: Record<string, unknown>) => Record<string, unknown>) => void }) {
  const props_ = props.type.params.properties ?? {};
  const set = (k: string, v: unknown) => props.onChange((cur) => ({ ...cur, [k]: v }));
  if (Object.keys(props_).length === 0) return <p class="muted">{t('schedules.noParams')}</p>;
  return (
    <fieldset class="option" data-testid="alarm-params">
      <legend>{t('schedules.params')}</legend>
      {Object.entries(props_).map(([k, s]) => {
        const label = t(`schedules.param.${k}`);
        const v = props.value[k];
        if (k === 'hours') {
          const h = (v ?? s.default ?? { days: DAYS.slice(0, 5), from: '08:00', to: '18:00' }) as { days: string[]; from: string; to: string };
          return (
            <fieldset class="option">
              <legend>{label}</legend>
              <div class="checks">
                {DAYS.map((d) => (
                  <label class="check"><input type="checkbox" checked={h.days.includes(d)}
                    onChange={(e) => set(k, { ...h, days: (e.target as HTMLInputElement).checked ? DAYS.filter((x) => x === d || h.days.includes(x)) : h.days.filter((x) => x !== d) })} />
                  {t(`schedules.days.${d}`)}</label>
                ))}
              </div>
              <span class="inline">
                <label>{t('reports.from')} <input type="time" value={h.from} onInput={(e) => set(k, { ...h, from: (e.target as HTMLInputElement).value })} /></label>
                <label>{t('reports.to')} <input type="time" value={h.to} onInput={(e) => set(k, { ...h, to: (e.target as HTMLInputElement).value })} /></label>
              </span>
            </fieldset>
          );
        }
        if (s.type === 'array') return <Chips label={label} values={(v as string[] | undefined) ?? []} onChange={(x) => set(k, x)} />;
        if (s.enum) {
          return (
            <label class="option">{label}
              <select value={String(v ?? s.default ?? s.enum[0])} onChange={(e) => set(k, (e.target as HTMLSelectElement).value)}>
                {s.enum.map((o) => <option value={o}>{t(`schedules.by.${o}`)}</option>)}
              </select>
            </label>
          );
        }
        if (s.type === 'integer' || s.type === 'number') {
          return <label class="option">{label}<input type="number" min={1} value={String(v ?? s.default ?? '')} onInput={(e) => set(k, Number((e.target as HTMLInputElement).value))} /></label>;
        }
        return <label class="option">{label}<input value={String(v ?? '')} onInput={(e) => set(k, (e.target as HTMLInputElement).value)} /></label>;
      })}
    </fieldset>
  );
}

function Editor(props: { draft: Draft; catalogue: Catalogue; types: AlarmTypes; saved: Saved[]; onDone: (name: string) => void; onCancel: () => void }) {
  const [d, setD] = useState<Draft>(props.draft);
  const [error, setError] = useState('');
  const set = (patch: Partial<Draft>) => setD((cur) => ({ ...cur, ...patch }));
  const alarm = d.kind === 'alarm';
  const type = props.types.alarms.find((a) => a.id === d.target);
  const report = props.catalogue.reports.find((r) => r.id === d.target);
  async function submit() {
    const { isNew: _n, name, ...rest } = d;
    try {
      await api('PUT', `/api/schedules/${encodeURIComponent(name.trim())}`, {
        kind: rest.kind, target: rest.target, options: compact(rest.options), params: alarm ? rest.params : {}, format: rest.format, recipients: rest.recipients,
        everyN: rest.everyN, everyUnit: rest.everyUnit, startsAt: rest.startsAtLocal, timezone: rest.timezone, skipEmpty: rest.skipEmpty,
        subject: rest.subject, body: rest.body, enabled: rest.enabled,
      });
      props.onDone(name.trim());
    } catch (err) {
      setError(errorText(err));
    }
  }
  const title = alarm ? (d.isNew ? t('schedules.newAlarm') : t('schedules.editAlarm')) : d.isNew ? t('schedules.newSchedule') : t('schedules.editSchedule');
  return (
    <form class="card form schedule-editor" aria-labelledby="schedule-editor-title" data-testid="schedule-editor" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
      <h2 id="schedule-editor-title">{title}</h2>
      <label for="sch-name">{t('schedules.name')}</label>
      <input id="sch-name" required maxLength={100} value={d.name} disabled={!d.isNew} onInput={(e) => set({ name: (e.target as HTMLInputElement).value })} />
      {alarm ? (
        <>
          <label for="sch-alarm">{t('schedules.alarmType')}</label>
          <select id="sch-alarm" value={d.target} onChange={(e) => set({ target: (e.target as HTMLSelectElement).value, params: {} })}>
            {props.types.alarms.map((a) => <option value={a.id}>{t(`schedules.alarms.${a.id}`)}</option>)}
          </select>
          {type && <AlarmParams type={type} value={d.params} onChange={(update) => setD((cur) => ({ ...cur, params: update(cur.params) }))} />}
        </>
      ) : (
        <>
          <label for="sch-report">{t('reports.report')}</label>
          <select id="sch-report" value={d.target} onChange={(e) => set({ target: (e.target as HTMLSelectElement).value })}>
            {props.catalogue.reports.map((r) => <option value={r.id}>{r.title}</option>)}
          </select>
          {props.saved.length > 0 && (
            <>
              <label for="sch-personal">{t('schedules.fromPersonal')}</label>
              <select id="sch-personal" value="" onChange={(e) => {
                const s = props.saved.find((x) => x.name === (e.target as HTMLSelectElement).value);
                if (s) setD((cur) => ({ ...cur, target: s.report, options: s.options, name: cur.name || s.name }));
              }}>
                <option value="">…</option>
                {props.saved.map((s) => <option value={s.name}>{s.name}</option>)}
              </select>
            </>
          )}
        </>
      )}
      <ReportOptionsForm catalogue={props.catalogue} report={alarm ? undefined : report} value={d.options} onChange={(update) => setD((cur) => ({ ...cur, options: update(cur.options) }))} error={error} noTimezone />
      <Chips label={t('schedules.recipients')} values={d.recipients} onChange={(recipients) => set({ recipients })} testId="recipients-input" />
      <label for="sch-format">{t('reports.format')}</label>
      <select id="sch-format" value={d.format} onChange={(e) => set({ format: (e.target as HTMLSelectElement).value })}>
        {props.catalogue.formats.map((f) => <option value={f}>{f.toUpperCase()}</option>)}
      </select>
      <span class="inline">
        <label for="sch-every">{t('schedules.every')}</label>
        <input id="sch-every" type="number" min={1} max={1000} value={d.everyN} onInput={(e) => set({ everyN: Number((e.target as HTMLInputElement).value) })} />
        <select aria-label={t('schedules.unit')} value={d.everyUnit} onChange={(e) => set({ everyUnit: (e.target as HTMLSelectElement).value })}>
          {props.types.units.map((u) => <option value={u}>{t(`schedules.units.${u}`)}</option>)}
        </select>
      </span>
      <label for="sch-start">{t('schedules.startsAt')}</label>
      <input id="sch-start" type="datetime-local" required value={d.startsAtLocal} onInput={(e) => set({ startsAtLocal: (e.target as HTMLInputElement).value })} />
      <label for="sch-tz">{t('reports.timezone')}</label>
      <input id="sch-tz" list="sch-tz-list" value={d.timezone} onInput={(e) => set({ timezone: (e.target as HTMLInputElement).value })} />
      <datalist id="sch-tz-list">{timeZones().map((z) => <option value={z} />)}</datalist>
      {!alarm && <label class="check"><input type="checkbox" checked={d.skipEmpty} onChange={(e) => set({ skipEmpty: (e.target as HTMLInputElement).checked })} />{t('schedules.skipEmpty')}</label>}
      <label for="sch-subject">{t('schedules.subject')}</label>
      <input id="sch-subject" maxLength={200} value={d.subject} onInput={(e) => set({ subject: (e.target as HTMLInputElement).value })} />
      <label for="sch-body">{t('schedules.body')}</label>
      <textarea id="sch-body" rows={4} maxLength={10_000} value={d.body} onInput={(e) => set({ body: (e.target as HTMLTextAreaElement).value })} />
      <p class="muted">{t('schedules.placeholders')}</p>
      <label class="check"><input type="checkbox" checked={d.enabled} onChange={(e) => set({ enabled: (e.target as HTMLInputElement).checked })} />{t('schedules.enabled')}</label>
      {error && <p class="error" role="alert" data-testid="schedule-error">{error}</p>}
      <div class="buttons">
        <button type="submit" class="primary">{t('schedules.save')}</button>
        <button type="button" onClick={props.onCancel}>{t('reports.cancel')}</button>
      </div>
    </form>
  );
}

function ScheduleTable(props: { kind: 'report' | 'alarm'; rows: Schedule[]; catalogue: Catalogue; onEdit: (s: Schedule) => void; onAction: (s: Schedule, action: 'enable' | 'disable' | 'run' | 'delete') => void }) {
  if (props.rows.length === 0) return <p class="muted">{props.kind === 'alarm' ? t('schedules.noAlarms') : t('schedules.none')}</p>;
  const what = (s: Schedule) => (s.kind === 'alarm' ? t(`schedules.alarms.${s.target}`) : props.catalogue.reports.find((r) => r.id === s.target)?.title ?? s.target);
  return (
    <div class="table-wrap">
      <table data-testid={props.kind === 'alarm' ? 'alarm-list' : 'schedule-list'}>
        <thead>
          <tr>
            <th scope="col">{t('schedules.name')}</th><th scope="col">{props.kind === 'alarm' ? t('schedules.alarmType') : t('reports.report')}</th>
            <th scope="col">{t('schedules.every')}</th><th scope="col">{t('schedules.nextRun')}</th><th scope="col">{t('schedules.lastRun')}</th>
            <th scope="col">{t('schedules.lastResult')}</th><th scope="col">{t('schedules.state')}</th><th scope="col"><span class="sr-only">{t('schedules.actions')}</span></th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((s) => (
            <tr data-testid={`schedule-${s.name}`}>
              <th scope="row">{s.name}</th>
              <td>{what(s)}</td>
              <td>{t(`schedules.everyText.${s.everyUnit}`, { count: s.everyN })}</td>
              <td data-testid="next-run">{s.enabled ? when(s.nextRunAt) : '–'}</td>
              <td>{when(s.lastRunAt)}</td>
              <td data-testid="last-result">{s.lastStatus ? `${t(`schedules.status.${s.lastStatus}`)}: ${s.lastResult ?? ''}` : '–'}</td>
              <td>{s.enabled ? t('schedules.on') : t('schedules.off')}</td>
              <td class="buttons">
                <button type="button" aria-label={t('schedules.editNamed', { name: s.name })} onClick={() => props.onEdit(s)}>{t('reports.edit')}</button>
                <button type="button" aria-label={t(s.enabled ? 'schedules.disableNamed' : 'schedules.enableNamed', { name: s.name })} onClick={() => props.onAction(s, s.enabled ? 'disable' : 'enable')}>
                  {s.enabled ? t('schedules.disable') : t('schedules.enable')}
                </button>
                <button type="button" aria-label={t('schedules.runNamed', { name: s.name })} onClick={() => props.onAction(s, 'run')}>{t('schedules.run')}</button>
                <button type="button" class="danger" aria-label={t('reports.deleteNamed', { name: s.name })} onClick={() => props.onAction(s, 'delete')}>{t('reports.delete')}</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function SchedulesPage() {
  const [list, setList] = useState<Schedule[]>([]);
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  const [types, setTypes] = useState<AlarmTypes | null>(null);
  const [saved, setSaved] = useState<Saved[]>([]);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const load = () => api<Schedule[]>('GET', '/api/schedules').then(setList, (e) => setError(errorText(e)));
  useEffect(() => {
    void load();
    api<Catalogue>('GET', '/api/reports').then(setCatalogue, (e) => setError(errorText(e)));
    api<AlarmTypes>('GET', '/api/schedules/alarm-types').then(setTypes, (e) => setError(errorText(e)));
    loadSaved().then(setSaved, () => undefined);
  }, []);
  async function act(s: Schedule, action: 'enable' | 'disable' | 'run' | 'delete') {
    if (action === 'delete' && !confirm(t('schedules.confirmDelete', { name: s.name }))) return;
    try {
      const path = `/api/schedules/${encodeURIComponent(s.name)}`;
      if (action === 'delete') await api('DELETE', path);
      else {
        const r = await api<{ status: string; detail: string } | undefined>('POST', `${path}/${action}`);
        const text = r ? `${s.name}: ${t(`schedules.status.${r.status}`)}: ${r.detail}` : t(`schedules.done.${action}`, { name: s.name });
        // A failed run is recorded with its reason (also in the list): shown as an error.
        setMessage(r?.status === 'failed' ? '' : text);
        setError(r?.status === 'failed' ? text : '');
        await load();
        return;
      }
      setMessage(t('schedules.done.delete', { name: s.name }));
      setError('');
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  }
  const edit = (s: Schedule) => setDraft({ ...s, isNew: false });
  if (!catalogue || !types) return <p class="loading" role="status">{error || t('app.loading')}</p>;
  return (
    <section aria-labelledby="schedules-title">
      <h1 id="schedules-title">{t('schedules.title')}</h1>
      {error && <p class="error" role="alert">{error}</p>}
      {message && <p class="ok" role="status" data-testid="schedule-message">{message}</p>}
      {draft && <Editor key={`${draft.kind}-${draft.name}`} draft={draft} catalogue={catalogue} types={types} saved={saved}
        onDone={(name) => { setMessage(t('schedules.saved', { name })); setDraft(null); void load(); }} onCancel={() => setDraft(null)} />}
      <div class="toolbar">
        <h2>{t('schedules.reports')}</h2>
        <button type="button" onClick={() => setDraft(newDraft('report', 'phone-bill', {}))}>{t('schedules.newSchedule')}</button>
      </div>
      <ScheduleTable kind="report" rows={list.filter((s) => s.kind === 'report')} catalogue={catalogue} onEdit={edit} onAction={(s, a) => void act(s, a)} />
      <div class="toolbar">
        <h2>{t('schedules.alarmsTitle')}</h2>
        <button type="button" onClick={() => setDraft(newDraft('alarm', 'outside-hours', {}))}>{t('schedules.newAlarm')}</button>
      </div>
      <ScheduleTable kind="alarm" rows={list.filter((s) => s.kind === 'alarm')} catalogue={catalogue} onEdit={edit} onAction={(s, a) => void act(s, a)} />
    </section>
  );
}
