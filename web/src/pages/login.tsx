import { useState } from 'preact/hooks';
import { api, type User } from '../api';
import { errorText } from '../app';
import { t } from '../i18n';

export function LoginPage(props: { onLogin: (u: User) => void | Promise<void> }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const r = await api<{ user: User }>('POST', '/api/sessions', { username, password });
      await props.onLogin(r.user);
    } catch (err) {
      setError(t('login.failed', { message: errorText(err) }));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="card form" onSubmit={submit} aria-labelledby="login-title">
      <h1 id="login-title">{t('login.title')}</h1>
      <label for="login-username">{t('login.username')}</label>
      <input id="login-username" name="username" autocomplete="username" required value={username} onInput={(e) => setUsername((e.target as HTMLInputElement).value)} />
      <label for="login-password">{t('login.password')}</label>
      <input id="login-password" name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
      {error && <p class="error" role="alert">{error}</p>}
      <button type="submit" class="primary" disabled={busy}>{t('login.submit')}</button>
    </form>
  );
}
