import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { errorText } from '../app';
import { t } from '../i18n';

interface GadgetAdmin {
  tokenDays: number; limits: { min: number; max: number }; webexSignIn: boolean; baseUrl: string; jabberConfigXml: string;
  gadgets: Array<{ name: string; title: string; url: string; webexStartPageUrl: string }>;
  webex: { whereItWorks: string; validDomains: string[]; sidebarBehavior: string; note: string };
}

/** Administration of the Jabber/Webex gadgets: token lifetime, revocation, and the client configuration to copy. */
export function GadgetsPage() {
  const [base, setBase] = useState(location.origin);
  const [data, setData] = useState<GadgetAdmin | null>(null);
  const [days, setDays] = useState('');
  const [username, setUsername] = useState('');
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');

  const load = (b: string) => api<GadgetAdmin>('GET', `/api/admin/gadgets?base=${encodeURIComponent(b)}`).then((r) => {
    setData(r);
    setDays(String(r.tokenDays));
    setError('');
  }, (e) => setError(errorText(e)));
  useEffect(() => { void load(base); }, []);

  async function run(fn: () => Promise<string>) {
    setMessage('');
    setError('');
    try {
      setMessage(await fn());
    } catch (e) {
      setError(errorText(e));
    }
  }
  const saveDays = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await api('PUT', '/api/admin/gadgets', { tokenDays: Number(days) });
      return t('gadgetAdmin.saved');
    });
  };
  const revoke = (e: Event) => {
    e.preventDefault();
    void run(async () => t('gadgetAdmin.revoked', { count: (await api<{ revoked: number }>('POST', '/api/admin/gadgets/revoke', { username })).revoked, username }));
  };

  return (
    <section aria-labelledby="gadgets-title">
      <h1 id="gadgets-title">{t('gadgetAdmin.title')}</h1>
      {message && <p class="ok" role="status">{message}</p>}
      {error && <p class="error" role="alert">{error}</p>}
      <div class="row">
        <form class="card form" onSubmit={saveDays}>
          <h2>{t('gadgetAdmin.lifetime')}</h2>
          <label for="g-days">{t('gadgetAdmin.days', { min: data?.limits.min ?? 1, max: data?.limits.max ?? 365 })}</label>
          <input id="g-days" type="number" min={data?.limits.min} max={data?.limits.max} value={days} onInput={(e) => setDays((e.target as HTMLInputElement).value)} required />
          <button class="primary" type="submit">{t('app.save')}</button>
        </form>
        <form class="card form" onSubmit={revoke}>
          <h2>{t('gadgetAdmin.revoke')}</h2>
          <label for="g-revoke">{t('gadgetAdmin.username')}</label>
          <input id="g-revoke" value={username} onInput={(e) => setUsername((e.target as HTMLInputElement).value)} required />
          <button class="primary" type="submit">{t('gadgetAdmin.revokeButton')}</button>
        </form>
      </div>
      <h2>{t('gadgetAdmin.clients')}</h2>
      <form class="toolbar" onSubmit={(e) => { e.preventDefault(); void load(base); }}>
        <label><span>{t('gadgetAdmin.baseUrl')}</span><input value={base} size={40} onInput={(e) => setBase((e.target as HTMLInputElement).value)} /></label>
        <button type="submit">{t('gadgetAdmin.show')}</button>
      </form>
      {data && (
        <div>
          <h3>{t('gadgetAdmin.jabber')}</h3>
          <p class="muted">{t('gadgetAdmin.jabberHelp')}</p>
          <pre class="card" data-testid="jabber-config">{data.jabberConfigXml}</pre>
          <h3>{t('gadgetAdmin.webex')}</h3>
          <p class={data.webexSignIn ? 'ok' : 'error'}>{t(data.webexSignIn ? 'gadgetAdmin.webexOn' : 'gadgetAdmin.webexOff')}</p>
          <div class="table-wrap">
            <table data-testid="webex-values">
              <tbody>
                <tr><th>{t('gadgetAdmin.whereItWorks')}</th><td>{data.webex.whereItWorks}</td></tr>
                <tr><th>{t('gadgetAdmin.validDomains')}</th><td>{data.webex.validDomains.join(', ')}</td></tr>
                <tr><th>{t('gadgetAdmin.sidebarBehavior')}</th><td>{data.webex.sidebarBehavior}</td></tr>
                {data.gadgets.map((g) => <tr><th>{t('gadgetAdmin.startPage', { title: g.title })}</th><td><code>{g.webexStartPageUrl}</code></td></tr>)}
              </tbody>
            </table>
          </div>
          <p class="muted">{data.webex.note}</p>
        </div>
      )}
    </section>
  );
}
