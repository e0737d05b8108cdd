import type { ComponentChildren } from 'preact';
import { options, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { gadgetApi, GadgetApiError, storedToken, storeToken, type GadgetSession, type GadgetUser } from './api';
import { applyTheme, inWebex, jabberLocale, prefilledUser, startWebex } from './host';
import { initI18n, language, pickLanguage, setLanguage, t } from './i18n';
import '../../web/src/style.css';
import './style.css';

export interface GadgetContext {
  user: GadgetUser;
  /** Hand any failed request here: a 401 goes back to the sign-in screen with its message. */
  fail(err: unknown): string;
}

type Phase = { kind: 'starting' } | { kind: 'signin'; message: string } | { kind: 'ready'; user: GadgetUser };

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Sign-in screen: the user name Jabber put in the URL, the portal password (local or LDAP). */
function SignIn(props: { message: string; onSignedIn(s: GadgetSession): void }) {
  const [username, setUsername] = useState(prefilledUser());
  const [password, setPassword] = useState('');
  const [error, setError] = useState(props.message);
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    try {
      props.onSignedIn(await gadgetApi<GadgetSession>('POST', '/api/gadget/sessions', { username, password }));
    } catch (err) {
      setError(t('signin.failed', { message: messageOf(err) }));
      setBusy(false);
    }
  }
  return (
    <form class="signin" onSubmit={(e) => void submit(e)} data-testid="signin">
      <h1>{t('signin.title')}</h1>
      {error && <p class="error" role="alert">{error}</p>}
      <label for="g-user">{t('signin.username')}</label>
      <input id="g-user" autoComplete="username" value={username} onInput={(e) => setUsername((e.target as HTMLInputElement).value)} required />
      <label for="g-pass">{t('signin.password')}</label>
      <input id="g-pass" type="password" autoComplete="current-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} required autoFocus={username !== ''} />
      <button class="primary" type="submit" disabled={busy}>{t('signin.submit')}</button>
    </form>
  );
}

function Shell(props: { titleKey: string; children: (ctx: GadgetContext) => ComponentChildren }) {
  const [phase, setPhase] = useState<Phase>({ kind: 'starting' });
  const [, setLang] = useState(language());

  async function ready(user: GadgetUser) {
    if (user.language) {
      await setLanguage(pickLanguage([user.language]));
      setLang(language());
    }
    setPhase({ kind: 'ready', user });
  }
  const signedIn = (s: GadgetSession) => {
    storeToken(s.token);
    void ready(s.user);
  };
  const fail = (err: unknown): string => {
    if (err instanceof GadgetApiError && err.status === 401) setPhase({ kind: 'signin', message: err.message });
    return messageOf(err);
  };

  useEffect(() => {
    void (async () => {
      if (inWebex) {
        let webexToken: string | undefined;
        let webexError: unknown;
        try {
          const webex = await startWebex(applyTheme);
          if (webex.language) await setLanguage(pickLanguage([webex.language]));
          webexToken = webex.token;
        } catch (err) {
          webexError = err;
        }
        // A stored gadget token that still works is used as is: exchanging the Webex token on every
        // open would cost a key check and a new token record each time.
        if (storedToken()) {
          try {
            return await ready(await gadgetApi<GadgetUser>('GET', '/api/gadget/me'));
          } catch (err) {
            if (!(err instanceof GadgetApiError && err.status === 401)) return setPhase({ kind: 'signin', message: messageOf(err) });
            storeToken(null);
          }
        }
        if (webexToken === undefined) return setPhase({ kind: 'signin', message: webexError === undefined ? '' : messageOf(webexError) });
        try {
          signedIn(await gadgetApi<GadgetSession>('POST', '/api/gadget/webex', { token: webexToken }));
        } catch (err) {
          setPhase({ kind: 'signin', message: messageOf(err) });
        }
        return;
      }
      if (!storedToken()) return setPhase({ kind: 'signin', message: '' });
      try {
        await ready(await gadgetApi<GadgetUser>('GET', '/api/gadget/me'));
      } catch (err) {
        setPhase({ kind: 'signin', message: messageOf(err) });
      }
    })();
  }, []);

  async function signOut() {
    await gadgetApi('DELETE', '/api/gadget/sessions').catch(() => undefined);
    storeToken(null);
    setPhase({ kind: 'signin', message: t('signin.signedOut') });
  }

  if (phase.kind === 'starting') return <p class="muted" role="status">{t('loading')}</p>;
  if (phase.kind === 'signin') return <main><p class="brand">{t(props.titleKey)}</p><SignIn message={phase.message} onSignedIn={signedIn} /></main>;
  return (
    <main>
      <header class="top">
        <h1>{t(props.titleKey)}</h1>
        <span class="who">{phase.user.name || phase.user.username}</span>
        <button type="button" class="link" onClick={() => void signOut()}>{t('signOut')}</button>
      </header>
      {props.children({ user: phase.user, fail })}
    </main>
  );
}

/** Starts a gadget: language (Jabber locale, browser; the profile's once signed in), theme, sign-in, then the body. */
export function startGadget(titleKey: string, body: (ctx: GadgetContext) => ComponentChildren): void {
  // Preact schedules renders with queueMicrotask, missing before Chrome 71 / Safari 12.1.
  if (typeof queueMicrotask !== 'function') options.debounceRendering = (cb) => void Promise.resolve().then(cb);
  applyTheme('auto');
  void initI18n(pickLanguage([jabberLocale(), ...(navigator.languages || [navigator.language])])).then(() => {
    document.title = t(titleKey);
    render(<Shell titleKey={titleKey}>{body}</Shell>, document.getElementById('app')!);
  });
}
