import { Suspense } from 'react';
import { NavLink, Outlet } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../hooks/useAuth';
import { platform } from '../../platform';
import { Loading } from '../common/Loading';
import { LanguageSwitch } from './LanguageSwitch';

export const NAV = [
  { to: '/', key: 'overview' },
  { to: '/accounts', key: 'accounts' },
  { to: '/keys', key: 'keys' },
  { to: '/usage', key: 'usage' },
  { to: '/scheduler', key: 'scheduler' },
  { to: '/settings', key: 'settings' },
  { to: '/connect', key: 'connect' },
] as const;

export function Layout() {
  const { t } = useTranslation();
  const { logout } = useAuth();
  return (
    <div className="shell">
      <aside className="sidebar">
        <div className="brand">Switchyard</div>
        <nav>
          {NAV.map((n) => (
            <NavLink key={n.to} to={n.to} end={n.to === '/'} className={({ isActive }) => (isActive ? 'nav-link active' : 'nav-link')}>
              {t(`nav.${n.key}`)}
            </NavLink>
          ))}
        </nav>
        <div className="sidebar-foot">
          <LanguageSwitch />
          {platform().needsLogin && (
            <button type="button" className="btn btn-ghost" onClick={logout}>
              {t('nav.logout')}
            </button>
          )}
        </div>
      </aside>
      <main className="content">
        {/* Pages load as separate chunks (App.tsx); the sidebar stays while one arrives. */}
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
