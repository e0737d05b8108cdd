import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { errorText } from '../app';
import { t } from '../i18n';

interface LineStatus { extension: string; locked: boolean; reasons: Array<{ reason: string; who: string }> }

/** Phone Lock on a user's page (administrators): lock state, the admin lock, and a PIN reset. */
export function LinePanel(props: { userId: number }) {
  const [line, setLine] = useState<LineStatus | null>(null);
  const [pin, setPin] = useState('');
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  useEffect(() => {
    setLine(null);
    api<LineStatus>('GET', `/api/users/${props.userId}/line`).then(setLine, (e) => setError(errorText(e)));
  }, [props.userId]);
  const admin = line?.reasons.some((r) => r.reason === 'admin') ?? false;
  async function toggle(on: boolean) {
    try {
      setLine(await api<LineStatus>('POST', `/api/users/${props.userId}/line/${on ? 'lock' : 'unlock'}`, {}));
      setError('');
    } catch (err) {
      setError(errorText(err));
    }
  }
  async function savePin() {
    try {
      await api('PUT', `/api/users/${props.userId}/pin`, { pin });
      setPin('');
      setMessage(t('line.pinSaved'));
      setError('');
    } catch (err) {
      setError(errorText(err));
    }
  }
  return (
    <fieldset class="line-panel" data-testid="line-panel">
      <legend>{t('line.title')}</legend>
      {error && <p class="error" role="alert">{error}</p>}
      {message && <p class="ok" role="status">{message}</p>}
      {line && (
        <>
          <p data-testid="line-status">{line.locked ? t('line.locked', { reasons: line.reasons.map((r) => r.reason).join(', ') }) : t('line.unlocked')}</p>
          <label class="check">
            <input type="checkbox" checked={admin} onChange={(e) => void toggle((e.target as HTMLInputElement).checked)} /> {t('line.adminLock')}
          </label>
        </>
      )}
      <label for={`pin-${props.userId}`}>{t('line.pin')}</label>
      <input id={`pin-${props.userId}`} type="password" inputMode="numeric" autocomplete="off" value={pin} onInput={(e) => setPin((e.target as HTMLInputElement).value)} />
      <button type="button" onClick={() => void savePin()} disabled={pin === ''}>{t('line.setPin')}</button>
    </fieldset>
  );
}
