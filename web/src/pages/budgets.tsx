import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { errorText } from '../app';
import { formatMoney } from '../format';
import { language, t } from '../i18n';

interface Budget {
  id: number; scope: 'user' | 'department' | 'cost_center'; target: string; period: string; amountMinor: number; currency: string;
  carryOver: boolean; thresholds: Array<{ percent: number; lock: boolean }>;
  current: { from: number; until: number; assignedMinor: number; spendMinor: number; locked: boolean } | null;
}
interface History { at: number; kind: string; detail: string; budgetId: number }

const when = (s: number) => new Intl.DateTimeFormat(language(), { dateStyle: 'short', timeStyle: 'short' }).format(new Date(s * 1000));

/** Budget Control for administrators: budgets with their current period, a form to set one, the history. */
export function BudgetsPage() {
  const [budgets, setBudgets] = useState<Budget[]>([]);
  const [history, setHistory] = useState<History[]>([]);
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const load = async () => {
    try {
      setBudgets(await api<Budget[]>('GET', '/api/budgets'));
      setHistory(await api<History[]>('GET', '/api/budgets/history?limit=100'));
    } catch (err) {
      setError(errorText(err));
    }
  };
  useEffect(() => { void load(); }, []);

  async function save(e: Event) {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    setError('');
    try {
      await api('PUT', '/api/budgets', {
        scope: f.get('scope'), target: f.get('target'), period: f.get('period'), amount: f.get('amount'), currency: f.get('currency'),
        carryOver: f.get('carryOver') === 'on', ...(String(f.get('thresholds') ?? '') !== '' ? { thresholds: f.get('thresholds') } : {}),
      });
      setMessage(t('budgets.saved'));
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  }
  async function remove(b: Budget) {
    try {
      await api('DELETE', `/api/budgets/${b.scope}/${encodeURIComponent(b.target)}`);
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  }

  return (
    <section aria-labelledby="budgets-title">
      <h1 id="budgets-title">{t('budgets.title')}</h1>
      {message && <p class="ok" role="status">{message}</p>}
      {error && <p class="error" role="alert">{error}</p>}
      <form class="toolbar" onSubmit={save} data-testid="budget-form">
        <label><span>{t('budgets.scope')}</span>
          <select name="scope">{['user', 'department', 'cost_center'].map((s) => <option value={s}>{t(`budgets.scopes.${s}`)}</option>)}</select>
        </label>
        <label><span>{t('budgets.target')}</span><input name="target" required /></label>
        <label><span>{t('budgets.period')}</span>
          <select name="period">{['monthly', 'weekly', 'daily'].map((p) => <option value={p}>{t(`budgets.periods.${p}`)}</option>)}</select>
        </label>
        <label><span>{t('budgets.amount')}</span><input name="amount" inputMode="decimal" required /></label>
        <label><span>{t('budgets.currency')}</span><input name="currency" size={4} maxLength={3} required /></label>
        <label><span>{t('budgets.thresholds')}</span><input name="thresholds" placeholder="80:user,push;100:user+manager,lock" /></label>
        <label><input type="checkbox" name="carryOver" /> <span>{t('budgets.carryOver')}</span></label>
        <button type="submit">{t('budgets.save')}</button>
      </form>
      <div class="table-wrap">
        <table data-testid="budgets">
          <thead>
            <tr>
              <th scope="col">{t('budgets.scope')}</th><th scope="col">{t('budgets.target')}</th><th scope="col">{t('budgets.amount')}</th>
              <th scope="col">{t('budgets.spent')}</th><th scope="col">{t('budgets.until')}</th><th scope="col">{t('budgets.state')}</th><th scope="col"><span class="sr-only">{t('budgets.delete')}</span></th>
            </tr>
          </thead>
          <tbody>
            {budgets.map((b) => (
              <tr>
                <td>{t(`budgets.scopes.${b.scope}`)}</td>
                <th scope="row">{b.target}</th>
                <td>{formatMoney(b.amountMinor, b.currency)} {t(`budgets.periods.${b.period}`)}</td>
                <td>{b.current ? formatMoney(b.current.spendMinor, b.currency) : '–'}</td>
                <td>{b.current ? when(b.current.until) : '–'}</td>
                <td>{b.current?.locked ? t('budgets.locked') : t('budgets.ok')}</td>
                <td><button type="button" onClick={() => void remove(b)} aria-label={`${t('budgets.delete')} ${b.target}`}>{t('budgets.delete')}</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {budgets.length === 0 && <p class="muted">{t('budgets.none')}</p>}
      <h2>{t('budgets.history')}</h2>
      <div class="table-wrap">
        <table data-testid="budget-history">
          <thead><tr><th scope="col">{t('budgets.when')}</th><th scope="col">{t('budgets.what')}</th><th scope="col">{t('budgets.detail')}</th></tr></thead>
          <tbody>{history.map((h) => <tr><td>{when(h.at)}</td><td>{t(`budgets.kinds.${h.kind}`)}</td><td>{h.detail}</td></tr>)}</tbody>
        </table>
      </div>
    </section>
  );
}
