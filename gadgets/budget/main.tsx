import { useEffect, useState } from 'preact/hooks';
import { formatCompactTimeIn, formatMoneyIn } from '../../web/src/lib/format';
import { gadgetApi, type Call } from '../shared/api';
import { language, t } from '../shared/i18n';
import { startGadget, type GadgetContext } from '../shared/shell';

interface BudgetStatus {
  budgetId: number; period: 'daily' | 'weekly' | 'monthly'; currency: string; assignedMinor: number; spendMinor: number; remainingMinor: number;
  percent: number; until: number; locked: boolean; lockAtPercent: number | null;
}

/** "100% of a 50 EUR budget: your phone will be locked": the state of one budget in a line. */
function statusLine(b: BudgetStatus): string {
  const base = t('budget.status', { percent: b.percent, amount: formatMoneyIn(language(), b.assignedMinor, b.currency), period: t(`budget.period.${b.period}`) });
  if (b.locked) return `${base}: ${t('budget.isLocked')}`;
  if (b.lockAtPercent !== null && b.percent >= b.lockAtPercent) return `${base}: ${t('budget.willLock')}`;
  if (b.lockAtPercent !== null) return `${base} (${t('budget.locksAt', { percent: b.lockAtPercent })})`;
  return base;
}

function Budget(props: { b: BudgetStatus }) {
  const { b } = props;
  const money = (m: number) => formatMoneyIn(language(), m, b.currency);
  const width = Math.min(100, b.percent);
  return (
    <section class="card" data-testid="budget" style="margin-block-end:.75rem">
      <dl class="cards" style="margin:0">
        <div><dt>{t('budget.spent')}</dt><dd>{money(b.spendMinor)}</dd></div>
        <div><dt>{t('budget.available')}</dt><dd>{money(b.remainingMinor)}</dd></div>
      </dl>
      <div class={`bar${b.percent >= 100 ? ' over' : b.percent >= 80 ? ' warn' : ''}`} role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={width} aria-label={t('budget.progress')}>
        <span style={`width:${width}%`} />
      </div>
      <p data-testid="budget-status" class={b.locked ? 'error' : ''}>{statusLine(b)}</p>
      <p class="muted">{t('budget.until', { date: formatCompactTimeIn(language(), new Date(b.until * 1000).toISOString()) })}</p>
    </section>
  );
}

function BudgetControl(props: GadgetContext) {
  const [budgets, setBudgets] = useState<BudgetStatus[] | null>(null);
  const [calls, setCalls] = useState<Call[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    gadgetApi<BudgetStatus[]>('GET', '/api/gadget/budgets').then(setBudgets, (e) => setError(props.fail(e)));
    gadgetApi<{ calls: Call[] }>('GET', '/api/gadget/calls?costOnly=true&limit=10').then((r) => setCalls(r.calls), (e) => setError(props.fail(e)));
  }, []);
  return (
    <div>
      {error && <p class="error" role="alert">{error}</p>}
      {budgets && budgets.length === 0 && <p class="muted">{t('budget.none')}</p>}
      {budgets && budgets.map((b) => <Budget b={b} />)}
      <h2>{t('budget.recent')}</h2>
      {calls && calls.length === 0 && <p class="muted">{t('calls.none')}</p>}
      {calls && calls.length > 0 && (
        <table data-testid="cost-calls">
          <tbody>
            {calls.map((c) => (
              <tr><td>{formatCompactTimeIn(language(), c.startAt)}</td><td>{c.remoteNumber}</td><td class="num">{formatMoneyIn(language(), c.cost, c.currency)}</td></tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

startGadget('budget.title', (ctx) => <BudgetControl {...ctx} />);
