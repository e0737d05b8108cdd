import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { errorText } from '../app';
import { t } from '../i18n';

/**
 * Administration forms: one site, gateway or account code (the columns of the import files), and a
 * tariff as the rows of the tariff CSV format. The server validates with the importer's own rules;
 * each problem it names ("timezone: unknown time zone (got …)", "rows[3].per_minute: …") is shown
 * next to its field.
 */

export type RecordKind = 'sites' | 'gateways' | 'account-codes';
type Values = Record<string, string>;

const CHOICES: Record<string, string[]> = {
  driver: ['cucm', 'cucm-partition'], match: ['', 'exact', 'glob'], kind: ['trunk', 'gateway'],
  import_internal: ['true', 'false'], auto_acquire: ['false', 'true'], replace_with_description: ['false', 'true'], lock_allow_internal: ['', 'true', 'false'],
};
export const FIELDS: Record<RecordKind, string[]> = {
  sites: ['code', 'name', 'country', 'area_code', 'timezone', 'currency', 'driver', 'import_internal', 'auto_acquire', 'cluster_ids', 'access_codes',
    'tariff', 'internal_tariff', 'privacy_digits', 'privacy_level', 'lock_allow_internal'],
  gateways: ['site', 'name', 'match', 'kind', 'label', 'tariff'],
  'account-codes': ['code', 'site', 'description', 'privacy_digits', 'cost_center', 'replace_with_description'],
};
/** Columns that name the record: fixed once it exists. */
const KEYS: Record<RecordKind, string[]> = { sites: ['code'], gateways: ['site', 'name'], 'account-codes': ['site', 'code'] };

export interface Change {
  notice: string;
  recalculate: { site: string | null } | null;
}

/** Field → messages, from an API error's details ("column: message"). */
function fieldProblems(err: unknown, prefix = /^([a-z_]+): /): { fields: Record<string, string[]>; all: string[] } {
  const all = err instanceof ApiError && Array.isArray(err.details) ? (err.details as string[]) : [errorText(err)];
  const fields: Record<string, string[]> = {};
  for (const p of all) {
    const m = prefix.exec(p);
    if (m) (fields[m.slice(1).join('.')] ??= []).push(p);
  }
  return { fields, all };
}

/** The path of a record: /api/admin/gateways/HQ/SIP%2A. */
export function recordPath(kind: RecordKind, key: string[]): string {
  return `/api/admin/${kind}/${key.map(encodeURIComponent).join('/')}`;
}

export function RecordEditor(props: { kind: RecordKind; record: Values | null; onDone: (change: Change | null) => void }) {
  const { kind, record } = props;
  const [values, setValues] = useState<Values>(record ?? {});
  const [problems, setProblems] = useState<{ fields: Record<string, string[]>; all: string[] }>({ fields: {}, all: [] });
  useEffect(() => { setValues(record ?? {}); setProblems({ fields: {}, all: [] }); }, [record, kind]);
  const keyOf = (r: Values) => KEYS[kind].map((k) => r[k] || (k === 'site' && kind === 'account-codes' ? '*' : ''));

  async function save(e: Event) {
    e.preventDefault();
    try {
      const change = record
        ? await api<Change>('PUT', recordPath(kind, keyOf(record)), values)
        : await api<Change>('POST', `/api/admin/${kind}`, values);
      props.onDone(change);
    } catch (err) {
      setProblems(fieldProblems(err));
    }
  }

  const id = (f: string) => `rec-${f}`;
  return (
    <form class="card form editor" onSubmit={save} aria-labelledby="rec-title" data-testid="record-editor">
      <h2 id="rec-title">{record ? t('adminEdit.edit', { name: keyOf(record).join(' / ') }) : t(`adminEdit.new.${kind}`)}</h2>
      {problems.all.length > 0 && (
        <div role="alert" class="problems"><p>{t('adminEdit.invalid')}</p><ul>{problems.all.map((p) => <li>{p}</li>)}</ul></div>
      )}
      {FIELDS[kind].map((f) => {
        const fixed = record !== null && KEYS[kind].includes(f);
        const bad = problems.fields[f];
        const common = {
          id: id(f), name: f, disabled: fixed, 'aria-invalid': bad ? true : undefined, 'aria-describedby': bad ? `${id(f)}-err` : undefined,
        };
        return (
          <>
            <label for={id(f)}>{t(`adminEdit.field.${f}`)} <code class="muted">{f}</code></label>
            {CHOICES[f] ? (
              <select {...common} value={values[f] ?? CHOICES[f]![0]} onChange={(e) => setValues({ ...values, [f]: (e.target as HTMLSelectElement).value })}>
                {CHOICES[f]!.map((c) => <option value={c}>{c === '' ? t('adminEdit.default') : c}</option>)}
              </select>
            ) : (
              <input {...common} value={values[f] ?? ''} onInput={(e) => setValues({ ...values, [f]: (e.target as HTMLInputElement).value })} />
            )}
            {bad && <span class="error" id={`${id(f)}-err`}>{bad.join('; ')}</span>}
          </>
        );
      })}
      <div class="buttons">
        <button type="submit" class="primary">{t('app.save')}</button>
        <button type="button" onClick={() => props.onDone(null)}>{t('app.close')}</button>
      </div>
    </form>
  );
}

const TARIFF_COLUMNS = ['kind', 'name', 'carrier', 'currency', 'sample', 'prefix', 'type', 'band', 'setup', 'per_minute', 'first', 'next', 'min_charge', 'days', 'from', 'to', 'date'];

/** A tariff as editable rows: the header row, bands, holidays and rates (one rate row per destination, plus band prices). */
export function TariffEditor(props: { code: string | null; onDone: (change: Change | null) => void }) {
  const [code, setCode] = useState(props.code ?? '');
  const [rows, setRows] = useState<Values[]>([]);
  const [problems, setProblems] = useState<{ fields: Record<string, string[]>; all: string[] }>({ fields: {}, all: [] });
  useEffect(() => {
    setProblems({ fields: {}, all: [] });
    if (props.code) {
      api<{ rows: Values[] }>('GET', `/api/admin/tariffs/${encodeURIComponent(props.code)}`).then((r) => setRows(r.rows), (e) => setProblems(fieldProblems(e)));
    } else setRows([{ kind: 'tariff', currency: 'EUR' }, { kind: 'rate', type: 'national', first: '1', next: '1' }]);
  }, [props.code]);
  const set = (i: number, col: string, v: string) => setRows(rows.map((r, j) => (j === i ? { ...r, [col]: v } : r)));

  async function save(e: Event) {
    e.preventDefault();
    try {
      const change = props.code
        ? await api<Change>('PUT', `/api/admin/tariffs/${encodeURIComponent(props.code)}`, { rows })
        : await api<Change>('POST', '/api/admin/tariffs', { code, rows });
      props.onDone(change);
    } catch (err) {
      setProblems(fieldProblems(err, /^rows\[(\d+)\]\.([a-z_]+): /));
    }
  }

  return (
    <form class="card form" onSubmit={save} aria-labelledby="tariff-title" data-testid="tariff-editor">
      <h2 id="tariff-title">{props.code ? t('adminEdit.edit', { name: props.code }) : t('adminEdit.new.tariffs')}</h2>
      {!props.code && (
        <>
          <label for="tariff-code">{t('adminEdit.field.code')}</label>
          <input id="tariff-code" required value={code} onInput={(e) => setCode((e.target as HTMLInputElement).value)} />
        </>
      )}
      <p class="muted">{t('adminEdit.tariffHelp')}</p>
      {problems.all.length > 0 && (
        <div role="alert" class="problems"><p>{t('adminEdit.invalid')}</p><ul>{problems.all.map((p) => <li>{p}</li>)}</ul></div>
      )}
      <div class="table-wrap">
        <table class="grid-edit">
          <thead><tr><th scope="col">#</th>{TARIFF_COLUMNS.map((c) => <th scope="col">{c}</th>)}<th scope="col"><span class="sr-only">{t('app.delete')}</span></th></tr></thead>
          <tbody>
            {rows.map((r, i) => (
              <tr data-testid={`tariff-row-${i}`}>
                <td>{i + 1}</td>
                {TARIFF_COLUMNS.map((c) => {
                  const bad = problems.fields[`${i}.${c}`];
                  return (
                    <td>
                      <input size={c === 'name' || c === 'carrier' ? 14 : 7} value={r[c] ?? ''} aria-label={t('adminEdit.cell', { column: c, row: i + 1 })}
                        aria-invalid={bad ? true : undefined} title={bad?.join('; ')} data-testid={`tariff-${i}-${c}`}
                        onInput={(e) => set(i, c, (e.target as HTMLInputElement).value)} />
                    </td>
                  );
                })}
                <td><button type="button" onClick={() => setRows(rows.filter((_, j) => j !== i))} aria-label={t('adminEdit.removeRow', { row: i + 1 })}>×</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="buttons">
        <button type="button" onClick={() => setRows([...rows, { kind: 'rate', first: '1', next: '1' }])}>{t('adminEdit.addRate')}</button>
        <button type="submit" class="primary">{t('app.save')}</button>
        <button type="button" onClick={() => props.onDone(null)}>{t('app.close')}</button>
      </div>
    </form>
  );
}
