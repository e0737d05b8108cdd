import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { errorText } from '../app';
import { formatMoney } from '../format';
import { language, t } from '../i18n';

interface LineStatus {
  extension: string;
  partition: string;
  locked: boolean;
  reasons: Array<{ reason: 'user' | 'admin' | 'budget'; since: number; who: string; channel: string }>;
}

interface Budget {
  budgetId: number; scope: string; target: string; period: string; currency: string;
  assignedMinor: number; spendMinor: number; remainingMinor: number; percent: number; from: number; until: number; locked: boolean;
}

const day = (t: number) => new Intl.DateTimeFormat(language(), { dateStyle: 'medium' }).format(new Date(t * 1000));

/** My Phone (lock and unlock the own line) and My budgets. */
export function MePage() {
  const [line, setLine] = useState<LineStatus | null>(null);
  const [budgets, setBudgets] = useState<Budget[] | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api<LineStatus>('GET', '/api/me/phone').then(setLine, (e) => setError(errorText(e)));
    api<Budget[]>('GET', '/api/me/budgets').then(setBudgets, () => setBudgets([]));
  }, []);
  async function toggle(action: 'lock' | 'unlock') {
    setBusy(true);
    try {
      setLine(await api<LineStatus>('POST', `/api/me/phone/${action}`, {}));
      setError('');
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }
  const mine = line?.reasons.some((r) => r.reason === 'user') ?? false;
  return (
    <section aria-labelledby="me-title">
      <h1 id="me-title">{t('me.title')}</h1>
      {error && <p class="error" role="alert">{error}</p>}
      <h2>{t('me.phone')}</h2>
      {line && (
        <div data-testid="my-phone">
          <p>
            <span aria-hidden="true">{line.locked ? '🔒' : '🔓'} </span>
            <strong data-testid="line-state">{t(line.locked ? 'me.locked' : 'me.unlocked', { extension: line.extension })}</strong>
          </p>
          {line.reasons.length > 0 && (
            <ul>{line.reasons.map((r) => <li>{t(`me.reason.${r.reason}`)}</li>)}</ul>
          )}
          {mine
            ? <button type="button" disabled={busy} onClick={() => void toggle('unlock')} data-testid="unlock">{t('me.unlock')}</button>
            : <button type="button" disabled={busy} onClick={() => void toggle('lock')} data-testid="lock">{t('me.lock')}</button>}
        </div>
      )}
      <h2>{t('me.budgets')}</h2>
      {budgets && budgets.length === 0 && <p>{t('me.noBudgets')}</p>}
      {budgets && budgets.length > 0 && (
        <table data-testid="my-budgets">
          <thead>
            <tr>
              <th scope="col">{t('me.budget')}</th><th scope="col">{t('me.spent')}</th><th scope="col">{t('me.remaining')}</th>
              <th scope="col">{t('me.until')}</th><th scope="col">{t('me.state')}</th>
            </tr>
          </thead>
          <tbody>
            {budgets.map((b) => (
              <tr>
                <th scope="row">{formatMoney(b.assignedMinor, b.currency)} {t(`me.period.${b.period}`)}{b.scope !== 'user' ? ` (${b.target})` : ''}</th>
                <td>
                  {formatMoney(b.spendMinor, b.currency)}
                  <progress max={100} value={Math.min(100, b.percent)} aria-label={`${b.percent}%`} /> {b.percent}%
                </td>
                <td>{formatMoney(b.remainingMinor, b.currency)}</td>
                <td>{day(b.until - 1)}</td>
                <td>{b.locked ? t('me.budgetLocked') : t('me.budgetOk')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
