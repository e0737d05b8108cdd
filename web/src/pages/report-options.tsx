import { t } from '../i18n';
import { Chips } from './chips';
import './reports.css';

/** The report catalogue as GET /api/reports answers it. */
export interface ReportInfo {
  id: string; group: string; title: string; description: string; kind: 'list' | 'grouped';
  chart: { type: 'bar' | 'line' | 'pie'; x: string; y: string } | null; fields?: string[];
}
export interface FieldInfo { key: string; label: string; type: 'text' | 'int' | 'money' | 'datetime' | 'bool'; operators: string[] }
export interface Catalogue { reports: ReportInfo[]; fields: FieldInfo[]; periods: string[]; destinationTypes: string[]; formats: string[] }
/** Departments, cost centres and gateways (level 8 and up; below, free text). */
export interface KnownValues { departments: string[]; costCenters: string[]; gateways: string[] }

export interface Condition { field: string; op: string; value: string }
/** The options as the API takes them (src/reports/options.ts); unset ones are left out. */
export interface ReportOptions {
  period?: string | { from: string; to: string };
  timezone?: string;
  traffic?: 'external' | 'internal' | 'all';
  direction?: 'incoming' | 'outgoing';
  answered?: boolean;
  gateways?: string[]; extensions?: string[]; departments?: string[]; costCenters?: string[];
  destinationTypes?: string[];
  conditions?: Condition[];
  match?: 'all' | 'any';
  maxRows?: number;
  fields?: string[];
  interval?: 'day' | 'week' | 'month';
  customFields?: [string, string];
}

export const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;
/** The browser's list of IANA time zones, offered by the time zone inputs. */
export function timeZones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    return [];
  }
}

/** Without the keys whose value is unset (empty list, blank), so URLs and saved reports stay short. */
export function compact(o: ReportOptions): ReportOptions {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0))) as ReportOptions;
}

/**
 * The server's message split by option: `conditions.0.field: unknown field…`, `condition on
 * duration_s: …`, `period: the end…` each go next to their part of the form.
 */
export function errorsByOption(message: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of message.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const m = /^(?:body\.)?([a-zA-Z]+)[\w.]*: /.exec(line) ?? (/^condition on /.test(line) ? [line, 'conditions'] : null);
    if (m) (out[m[1]!] ??= []).push(line);
  }
  return out;
}

function Problems(props: { lines: string[] | undefined; id: string }) {
  if (!props.lines?.length) return null;
  return <p class="error field-error" id={props.id} role="alert">{props.lines.join(' ')}</p>;
}

type PeriodKind = string;

function periodKind(p: ReportOptions['period']): PeriodKind {
  if (typeof p === 'object') return 'range';
  if (p && /^last-\d+-days$/.test(p)) return 'last-n-days';
  return p ?? 'this-month';
}

/**
 * Every option of a report (src/reports/options.ts): period, time zone, traffic, call type,
 * gateways, extensions, departments, cost centres, destination types, conditions joined by AND or
 * OR (fields and operators from the catalogue), maximum rows, and the columns of list reports.
 */
export function ReportOptionsForm(props: {
  catalogue: Catalogue; report: ReportInfo | undefined; value: ReportOptions;
  /** Takes an update of the current options (two changes in one event must not overwrite each other). */
  onChange: (update: (o: ReportOptions) => ReportOptions) => void;
  known?: KnownValues | null; error?: string;
  /** Leave out the time zone (a schedule has its own, which the options default to). */
  noTimezone?: boolean;
}) {
  const { catalogue, report, value: o } = props;
  const set = (patch: Partial<ReportOptions> | ((cur: ReportOptions) => Partial<ReportOptions>)) =>
    props.onChange((cur) => compact({ ...cur, ...(typeof patch === 'function' ? patch(cur) : patch) }));
  const errors = errorsByOption(props.error ?? '');
  const fieldOf = (key: string) => catalogue.fields.find((f) => f.key === key);
  const kind = periodKind(o.period);
  const lastN = typeof o.period === 'string' && /^last-(\d+)-days$/.exec(o.period)?.[1];
  const range = typeof o.period === 'object' ? o.period : null;
  const conditions = o.conditions ?? [];
  const setCondition = (i: number, c: Partial<Condition>) => set((cur) => ({ conditions: (cur.conditions ?? []).map((x, j) => (j === i ? { ...x, ...c } : x)) }));
  const columns = o.fields ?? report?.fields ?? [];
  const move = (i: number, d: number) => {
    const next = [...columns];
    [next[i], next[i + d]] = [next[i + d]!, next[i]!];
    set({ fields: next });
  };
  const callType = o.direction ? `${o.direction}${o.answered === undefined ? '' : o.answered ? '-answered' : '-unanswered'}` : o.answered === undefined ? '' : o.answered ? 'answered' : 'unanswered';
  const setCallType = (v: string) => {
    const [dir, ans] = v.split('-') as [string, string | undefined];
    const direction = dir === 'incoming' || dir === 'outgoing' ? dir : undefined;
    const a = direction ? ans : dir;
    set({ direction, answered: a === 'answered' ? true : a === 'unanswered' ? false : undefined });
  };
  return (
    <fieldset class="report-options" data-testid="report-options">
      <legend>{t('reports.options')}</legend>
      <div class="option-grid">
        <div class="option">
          <label for="opt-period">{t('reports.period')}</label>
          <select id="opt-period" data-testid="period-select" value={kind} aria-invalid={errors.period ? 'true' : undefined} aria-describedby={errors.period ? 'err-period' : undefined}
            onChange={(e) => {
              const k = (e.target as HTMLSelectElement).value;
              const today = new Date().toISOString().slice(0, 10);
              set({ period: k === 'range' ? { from: today, to: today } : k === 'last-n-days' ? 'last-7-days' : k });
            }}>
            {catalogue.periods.map((p) => <option value={p}>{t(`reports.periods.${p}`)}</option>)}
            <option value="last-n-days">{t('reports.periods.lastN')}</option>
            <option value="range">{t('reports.periods.range')}</option>
          </select>
          {kind === 'last-n-days' && (
            <label class="inline">{t('reports.days')}
              <input type="number" min={1} max={9999} value={lastN || '7'} data-testid="period-days" onInput={(e) => set({ period: `last-${Number((e.target as HTMLInputElement).value) || 1}-days` })} />
            </label>
          )}
          {range && (
            <span class="inline">
              <label>{t('reports.from')} <input type="date" value={range.from} data-testid="period-from" onInput={(e) => set({ period: { ...range, from: (e.target as HTMLInputElement).value } })} /></label>
              <label>{t('reports.to')} <input type="date" value={range.to} data-testid="period-to" onInput={(e) => set({ period: { ...range, to: (e.target as HTMLInputElement).value } })} /></label>
            </span>
          )}
          <Problems lines={errors.period} id="err-period" />
        </div>
        {!props.noTimezone && <div class="option">
          <label for="opt-tz">{t('reports.timezone')}</label>
          <input id="opt-tz" list="opt-tz-list" value={o.timezone ?? ''} placeholder={browserZone()} onChange={(e) => set({ timezone: (e.target as HTMLInputElement).value.trim() || undefined })} />
          <datalist id="opt-tz-list">{timeZones().map((z) => <option value={z} />)}</datalist>
          <Problems lines={errors.timezone} id="err-timezone" />
        </div>}
        <div class="option">
          <label for="opt-traffic">{t('reports.traffic')}</label>
          <select id="opt-traffic" value={o.traffic ?? ''} onChange={(e) => set({ traffic: ((e.target as HTMLSelectElement).value || undefined) as ReportOptions['traffic'] })}>
            <option value="">{t('reports.reportDefault')}</option>
            {(['external', 'internal', 'all'] as const).map((v) => <option value={v}>{t(`reports.trafficTypes.${v}`)}</option>)}
          </select>
        </div>
        <div class="option">
          <label for="opt-calltype">{t('reports.callType')}</label>
          <select id="opt-calltype" data-testid="call-type" value={callType} onChange={(e) => setCallType((e.target as HTMLSelectElement).value)}>
            <option value="">{t('reports.reportDefault')}</option>
            {['incoming', 'outgoing', 'answered', 'unanswered', 'incoming-answered', 'incoming-unanswered', 'outgoing-answered', 'outgoing-unanswered'].map((v) => <option value={v}>{t(`reports.callTypes.${v}`)}</option>)}
          </select>
        </div>
        <div class="option">
          <label for="opt-max">{t('reports.maxRows')}</label>
          <input id="opt-max" type="number" min={1} value={o.maxRows ?? ''} aria-invalid={errors.maxRows ? 'true' : undefined}
            onInput={(e) => { const v = (e.target as HTMLInputElement).value; set({ maxRows: v === '' ? undefined : Number(v) }); }} />
          <Problems lines={errors.maxRows} id="err-maxRows" />
        </div>
        {report?.id === 'trend' && (
          <div class="option">
            <label for="opt-interval">{t('reports.interval')}</label>
            <select id="opt-interval" value={o.interval ?? 'day'} onChange={(e) => set({ interval: (e.target as HTMLSelectElement).value as ReportOptions['interval'] })}>
              {(['day', 'week', 'month'] as const).map((v) => <option value={v}>{t(`reports.intervals.${v}`)}</option>)}
            </select>
          </div>
        )}
        {report?.id === 'traffic-by-custom-fields' && (
          <div class="option">
            <span id="opt-custom">{t('reports.customFields')}</span>
            {[0, 1].map((i) => (
              <select aria-labelledby="opt-custom" value={(o.customFields ?? ['custom_1', 'custom_2'])[i]}
                onChange={(e) => { const c = [...(o.customFields ?? ['custom_1', 'custom_2'])] as [string, string]; c[i] = (e.target as HTMLSelectElement).value; set({ customFields: c }); }}>
                {Array.from({ length: 10 }, (_, k) => `custom_${k + 1}`).map((c) => <option value={c}>{fieldOf(c)?.label ?? c}</option>)}
              </select>
            ))}
          </div>
        )}
      </div>
      <div class="option-grid">
        <Chips label={t('reports.gateways')} values={o.gateways ?? []} onChange={(v) => set({ gateways: v })} suggestions={props.known?.gateways} />
        <Chips label={t('reports.extensions')} values={o.extensions ?? []} onChange={(v) => set({ extensions: v })} testId="extensions-input" />
        <Chips label={t('reports.departments')} values={o.departments ?? []} onChange={(v) => set({ departments: v })} suggestions={props.known?.departments} />
        <Chips label={t('reports.costCenters')} values={o.costCenters ?? []} onChange={(v) => set({ costCenters: v })} suggestions={props.known?.costCenters} />
      </div>
      <fieldset class="option">
        <legend>{t('reports.destinationTypes')}</legend>
        <div class="checks">
          {catalogue.destinationTypes.map((d) => (
            <label class="check"><input type="checkbox" checked={(o.destinationTypes ?? []).includes(d)}
              onChange={(e) => { const on = (e.target as HTMLInputElement).checked; set((cur) => ({ destinationTypes: on ? [...(cur.destinationTypes ?? []), d] : (cur.destinationTypes ?? []).filter((x) => x !== d) })); }} />
            {t(`reports.destinations.${d}`)}</label>
          ))}
        </div>
        <Problems lines={errors.destinationTypes} id="err-destinationTypes" />
      </fieldset>
      <fieldset class="option conditions" aria-describedby={errors.conditions ? 'err-conditions' : undefined}>
        <legend>{t('reports.conditions')}</legend>
        {conditions.length > 1 && (
          <div class="checks" role="radiogroup" aria-label={t('reports.match')}>
            <label class="check"><input type="radio" name="match" checked={(o.match ?? 'all') === 'all'} onChange={() => set({ match: 'all' })} />{t('reports.matchAll')}</label>
            <label class="check"><input type="radio" name="match" checked={o.match === 'any'} onChange={() => set({ match: 'any' })} />{t('reports.matchAny')}</label>
          </div>
        )}
        <ol class="plain">
          {conditions.map((c, i) => {
            const ops = fieldOf(c.field)?.operators ?? [];
            return (
              <li class="condition" data-testid={`condition-${i}`}>
                {i > 0 && <span class="joiner">{o.match === 'any' ? t('reports.or') : t('reports.and')}</span>}
                <select aria-label={t('reports.conditionField', { n: i + 1 })} value={c.field}
                  onChange={(e) => { const f = fieldOf((e.target as HTMLSelectElement).value); setCondition(i, { field: f!.key, op: f!.operators.includes(c.op) ? c.op : f!.operators[0]! }); }}>
                  {catalogue.fields.map((f) => <option value={f.key}>{f.label}</option>)}
                </select>
                <select aria-label={t('reports.conditionOp', { n: i + 1 })} value={c.op} onChange={(e) => setCondition(i, { op: (e.target as HTMLSelectElement).value })}>
                  {ops.map((op) => <option value={op}>{t(`reports.operators.${op}`)}</option>)}
                </select>
                {fieldOf(c.field)?.type === 'bool' ? (
                  <select aria-label={t('reports.conditionValue', { n: i + 1 })} value={c.value} onChange={(e) => setCondition(i, { value: (e.target as HTMLSelectElement).value })}>
                    <option value="">…</option>
                    <option value="true">{t('reports.yes')}</option>
                    <option value="false">{t('reports.no')}</option>
                  </select>
                ) : (
                  <input aria-label={t('reports.conditionValue', { n: i + 1 })} value={c.value} placeholder={fieldOf(c.field)?.type === 'datetime' ? 'YYYY-MM-DDTHH:MM' : undefined}
                    onInput={(e) => setCondition(i, { value: (e.target as HTMLInputElement).value })} />
                )}
                <button type="button" aria-label={t('reports.removeCondition', { n: i + 1 })} onClick={() => set((cur) => ({ conditions: (cur.conditions ?? []).filter((_, j) => j !== i) }))}>×</button>
              </li>
            );
          })}
        </ol>
        <button type="button" onClick={() => set((cur) => ({ conditions: [...(cur.conditions ?? []), { field: 'remote_number', op: 'eq', value: '' }] }))}>{t('reports.addCondition')}</button>
        <Problems lines={errors.conditions} id="err-conditions" />
      </fieldset>
      {report?.kind === 'list' && (
        <fieldset class="option">
          <legend>{t('reports.columns')}</legend>
          <ol class="plain columns" data-testid="columns">
            {columns.map((k, i) => (
              <li>
                <span>{fieldOf(k)?.label ?? k}</span>
                <button type="button" disabled={i === 0} aria-label={t('reports.moveUp', { name: fieldOf(k)?.label ?? k })} onClick={() => move(i, -1)}>↑</button>
                <button type="button" disabled={i === columns.length - 1} aria-label={t('reports.moveDown', { name: fieldOf(k)?.label ?? k })} onClick={() => move(i, 1)}>↓</button>
                <button type="button" disabled={columns.length === 1} aria-label={t('reports.removeColumn', { name: fieldOf(k)?.label ?? k })} onClick={() => set({ fields: columns.filter((x) => x !== k) })}>×</button>
              </li>
            ))}
          </ol>
          <label class="inline">{t('reports.addColumn')}
            <select value="" onChange={(e) => { const v = (e.target as HTMLSelectElement).value; if (v) set({ fields: [...columns, v] }); }}>
              <option value="">…</option>
              {catalogue.fields.filter((f) => !columns.includes(f.key)).map((f) => <option value={f.key}>{f.label}</option>)}
            </select>
          </label>
          {o.fields && <button type="button" class="link" onClick={() => set({ fields: undefined })}>{t('reports.defaultColumns')}</button>}
          <Problems lines={errors.fields} id="err-fields" />
        </fieldset>
      )}
    </fieldset>
  );
}
