import { useState } from 'preact/hooks';
import { api, type User } from '../api';
import { errorText } from '../app';
import { t } from '../i18n';

export function ChangePassword(props: { forced?: boolean; onDone: (u: User) => void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState('');
  async function submit(e: Event) {
    e.preventDefault();
    if (next !== confirm) {
      setError(t('password.mismatch'));
      return;
    }
    try {
      const r = await api<{ user: User }>('POST', '/api/me/password', { currentPassword: current, newPassword: next });
      props.onDone(r.user);
    } catch (err) {
      setError(errorText(err));
    }
  }
  const field = (id: string, label: string, value: string, set: (v: string) => void, auto: string) => (
    <>
      <label for={id}>{label}</label>
      <input id={id} type="password" autocomplete={auto} required value={value} onInput={(e) => set((e.target as HTMLInputElement).value)} />
    </>
  );
  return (
    <form class="card form" onSubmit={submit} aria-labelledby="pw-title">
      <h1 id="pw-title">{t('password.title')}</h1>
      {props.forced && <p>{t('password.required')}</p>}
      {field('pw-current', t('password.current'), current, setCurrent, 'current-password')}
      {field('pw-new', t('password.new'), next, setNext, 'new-password')}
      {field('pw-confirm', t('password.confirm'), confirm, setConfirm, 'new-password')}
      {error && <p class="error" role="alert">{error}</p>}
      <button type="submit" class="primary">{t('password.submit')}</button>
    </form>
  );
}
