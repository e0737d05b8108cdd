import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type User } from './api';
import { LANGUAGES, language, setLanguage, t } from './i18n';
import { AdminPage } from './pages/admin';
import { CallsPage } from './pages/calls';
import { DashboardPage } from './pages/dashboard';
import { ChangePassword } from './pages/change-password';
import { HomePage } from './pages/home';
import { LoginPage } from './pages/login';
import { MePage } from './pages/me';
import { BudgetsPage } from './pages/budgets';
import { GadgetsPage } from './pages/gadgets';
import { ReportsPage } from './pages/reports';
import { SchedulesPage } from './pages/schedules';
import { StatusPage } from './pages/status';
import { UsersPage } from './pages/users';

type Theme = 'auto' | 'light' | 'dark';

/** `#/calls?number=123` → { page: 'calls', params }. */
function parseHash(): { page: string; params: URLSearchParams } {
  const h = location.hash.replace(/^#\/?/, '');
  const [page, query] = h.split('?');
  return { page: page || 'home', params: new URLSearchParams(query ?? '') };
}

export function App() {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [route, setRoute] = useState(parseHash());
  const [, setLang] = useState(language());
  const [theme, setTheme] = useState<Theme>((localStorage.getItem('tollgate.theme') as Theme) ?? 'auto');

  useEffect(() => {
    const on = () => setRoute(parseHash());
    window.addEventListener('hashchange', on);
    api<User>('GET', '/api/me').then(async (u) => {
      if (u.language) await setLanguage(u.language);
      setLang(language());
      setUser(u);
    }, () => setUser(null));
    return () => window.removeEventListener('hashchange', on);
  }, []);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('tollgate.theme', theme);
  }, [theme]);

  async function changeLanguage(code: string) {
    await setLanguage(code);
    setLang(code);
    if (user && !user.must_change_password) await api('PATCH', '/api/me', { language: code }).catch(() => undefined);
  }

  async function logout() {
    await api('DELETE', '/api/sessions').catch(() => undefined);
    setUser(null);
    location.hash = '#/';
  }

  const header = (
    <div class="prefs">
      <label>
        <span>{t('app.language')}</span>
        <select value={language()} onChange={(e) => void changeLanguage((e.target as HTMLSelectElement).value)} data-testid="language">
          {LANGUAGES.map((l) => <option value={l.code} lang={l.code}>{l.name}</option>)}
        </select>
      </label>
      <label>
        <span>{t('app.theme')}</span>
        <select value={theme} onChange={(e) => setTheme((e.target as HTMLSelectElement).value as Theme)}>
          <option value="auto">{t('app.themeAuto')}</option>
          <option value="light">{t('app.themeLight')}</option>
          <option value="dark">{t('app.themeDark')}</option>
        </select>
      </label>
    </div>
  );

  if (user === undefined) return <p class="loading" role="status">{t('app.loading')}</p>;
  if (user === null) {
    return (
      <div class="shell narrow">
        <header class="top"><strong class="brand">tollgate</strong>{header}</header>
        <main id="main"><LoginPage onLogin={async (u) => { if (u.language) await changeLanguage(u.language); setUser(u); }} /></main>
      </div>
    );
  }
  if (user.must_change_password) {
    return (
      <div class="shell narrow">
        <header class="top"><strong class="brand">tollgate</strong>{header}</header>
        <main id="main"><ChangePassword forced onDone={(u) => setUser(u)} /></main>
      </div>
    );
  }
  const admin = user.level >= 10;
  // Slots for the other portal areas (Budget Control, Phone Lock): each adds an entry here.
  const nav = [
    { id: 'home', label: t('nav.home') },
    { id: 'dashboard', label: t('nav.dashboard') },
    { id: 'calls', label: t('nav.calls') },
    ...(user.level >= 2 ? [{ id: 'reports', label: t('nav.reports') }, { id: 'me', label: t('nav.me') }] : []),
    ...(admin ? [{ id: 'users', label: t('nav.users') }, { id: 'budgets', label: t('nav.budgets') }, { id: 'schedules', label: t('nav.schedules') }, { id: 'admin', label: t('nav.admin') }, { id: 'status', label: t('nav.status') }] : []),
  ];
  // Pages reached from another page rather than the menu (Administration → gadgets).
  const subpages = admin ? ['gadgets'] : [];
  const page = nav.some((n) => n.id === route.page) || subpages.includes(route.page) ? route.page : 'home';
  return (
    <div class="shell">
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>{t('app.skip')}</a>
      <header class="top">
        <strong class="brand">tollgate</strong>
        <nav aria-label={t('nav.main')}>
          <ul>
            {nav.map((n) => <li><a href={`#/${n.id}`} aria-current={page === n.id ? 'page' : undefined}>{n.label}</a></li>)}
          </ul>
        </nav>
        {header}
        <span class="who">{user.first_name || user.username}</span>
        <button type="button" onClick={() => void logout()}>{t('app.logout')}</button>
      </header>
      <main id="main" tabIndex={-1}>
        {page === 'home' && <HomePage />}
        {page === 'dashboard' && <DashboardPage />}
        {page === 'calls' && <CallsPage params={route.params} />}
        {page === 'me' && <MePage />}
        {page === 'budgets' && <BudgetsPage />}
        {page === 'reports' && <ReportsPage params={route.params} level={user.level} />}
        {page === 'schedules' && <SchedulesPage />}
        {page === 'users' && <UsersPage self={user} />}
        {page === 'admin' && <AdminPage />}
        {page === 'gadgets' && <GadgetsPage />}
        {page === 'status' && <StatusPage />}
      </main>
    </div>
  );
}

export function errorText(err: unknown): string {
  return err instanceof ApiError ? err.message : String((err as Error)?.message ?? err);
}
