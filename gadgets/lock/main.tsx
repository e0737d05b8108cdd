import { useEffect, useState } from 'preact/hooks';
import { gadgetApi } from '../shared/api';
import { t } from '../shared/i18n';
import { startGadget, type GadgetContext } from '../shared/shell';

interface LineStatus { extension: string; locked: boolean; reasons: Array<{ reason: 'user' | 'admin' | 'budget' }> }

function LockIcon(props: { locked: boolean }) {
  return (
    <svg viewBox="0 0 24 24" aria-hidden="true" class={props.locked ? 'locked' : 'unlocked'} fill="none" stroke="currentColor" stroke-width="2">
      <rect x="4" y="11" width="16" height="10" rx="2" fill="currentColor" />
      <path d={props.locked ? 'M8 11V7a4 4 0 0 1 8 0v4' : 'M8 11V7a4 4 0 0 1 7.5-2'} />
    </svg>
  );
}

function PhoneLock(props: GadgetContext) {
  const [line, setLine] = useState<LineStatus | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    gadgetApi<LineStatus>('GET', '/api/gadget/phone').then(setLine, (e) => setError(props.fail(e)));
  }, []);
  async function toggle(action: 'lock' | 'unlock') {
    setBusy(true);
    setError('');
    try {
      setLine(await gadgetApi<LineStatus>('POST', `/api/gadget/phone/${action}`));
    } catch (e) {
      setError(props.fail(e));
    }
    setBusy(false);
  }
  const mine = !!line && line.reasons.some((r) => r.reason === 'user');
  return (
    <div>
      {error && <p class="error" role="alert">{error}</p>}
      {line && (
        <div class="lock">
          <LockIcon locked={line.locked} />
          <p data-testid="line-state" role="status"><strong>{t(line.locked ? 'lock.locked' : 'lock.unlocked', { extension: line.extension })}</strong></p>
          {line.reasons.length > 0 && <ul class="muted">{line.reasons.map((r) => <li>{t(`lock.reason.${r.reason}`)}</li>)}</ul>}
          {mine || !line.locked
            ? <button type="button" class="primary" disabled={busy} onClick={() => void toggle(mine ? 'unlock' : 'lock')}>{t(mine ? 'lock.unlock' : 'lock.lock')}</button>
            : <p class="muted">{t('lock.notYours')}</p>}
        </div>
      )}
    </div>
  );
}

startGadget('lock.title', (ctx) => <PhoneLock {...ctx} />);
