import { lazy } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import { ApiError } from './api/client';
import { Layout } from './components/layout/Layout';
import { Loading } from './components/common/Loading';
import { AuthProvider, useAuth } from './hooks/useAuth';
import { LoginPage } from './pages/Login/LoginPage';
import { BootstrapPage } from './pages/Login/BootstrapPage';

// One chunk per page: the first page loads only its own code, the rest when first visited
// (Layout shows a loading line meanwhile). The login pages stay in the main chunk because a
// browser needs them before anything else.
const OverviewPage = lazy(() => import('./pages/Overview/OverviewPage').then((m) => ({ default: m.OverviewPage })));
const AccountsPage = lazy(() => import('./pages/Accounts/AccountsPage').then((m) => ({ default: m.AccountsPage })));
const KeysPage = lazy(() => import('./pages/Keys/KeysPage').then((m) => ({ default: m.KeysPage })));
const UsagePage = lazy(() => import('./pages/Usage/UsagePage').then((m) => ({ default: m.UsagePage })));
const SchedulerPage = lazy(() => import('./pages/Scheduler/SchedulerPage').then((m) => ({ default: m.SchedulerPage })));
const SettingsPage = lazy(() => import('./pages/Settings/SettingsPage').then((m) => ({ default: m.SettingsPage })));
const ConnectPage = lazy(() => import('./pages/Connect/ConnectPage').then((m) => ({ default: m.ConnectPage })));

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Auth errors and missing routes do not get better by retrying.
        retry: (count, e) => !(e instanceof ApiError && (e.kind === 'auth' || e.kind === 'not_available' || e.status === 400)) && count < 2,
        refetchOnWindowFocus: false,
      },
    },
  });
}

function Gate() {
  const { phase } = useAuth();
  if (phase === 'checking') return <Loading />;
  if (phase === 'bootstrap') return <BootstrapPage />;
  if (phase === 'login') return <LoginPage />;
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<OverviewPage />} />
        <Route path="accounts" element={<AccountsPage />} />
        <Route path="keys" element={<KeysPage />} />
        <Route path="usage" element={<UsagePage />} />
        <Route path="scheduler" element={<SchedulerPage />} />
        <Route path="settings" element={<SettingsPage />} />
        <Route path="connect" element={<ConnectPage />} />
        <Route path="*" element={<OverviewPage />} />
      </Route>
    </Routes>
  );
}

export function App({ client }: { client?: QueryClient }) {
  return (
    <QueryClientProvider client={client ?? makeQueryClient()}>
      <BrowserRouter basename={import.meta.env.BASE_URL.replace(/\/$/, '')}>
        <AuthProvider>
          <Gate />
        </AuthProvider>
      </BrowserRouter>
    </QueryClientProvider>
  );
}
