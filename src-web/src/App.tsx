import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import { ApiError } from './api/client';
import { Layout } from './components/layout/Layout';
import { Loading } from './components/common/Loading';
import { AuthProvider, useAuth } from './hooks/useAuth';
import { LoginPage } from './pages/Login/LoginPage';
import { BootstrapPage } from './pages/Login/BootstrapPage';
import { OverviewPage } from './pages/Overview/OverviewPage';
import { AccountsPage } from './pages/Accounts/AccountsPage';
import { KeysPage } from './pages/Keys/KeysPage';
import { UsagePage } from './pages/Usage/UsagePage';
import { SchedulerPage } from './pages/Scheduler/SchedulerPage';
import { SettingsPage } from './pages/Settings/SettingsPage';
import { ConnectPage } from './pages/Connect/ConnectPage';

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
