import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { authApi } from '../api/auth';
import { ApiError, setAuthErrorHandler } from '../api/client';
import { platform } from '../platform';

type Phase = 'checking' | 'bootstrap' | 'login' | 'ready';

interface AuthState {
  phase: Phase;
  /** Why the user is on the login page (wrong secret, server unreachable…). */
  notice: string | null;
  login(secret: string, remember: boolean): Promise<void>;
  bootstrap(secret: string): Promise<void>;
  logout(): void;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  const [phase, setPhase] = useState<Phase>('checking');
  const [notice, setNotice] = useState<string | null>(null);

  const check = useCallback(async () => {
    try {
      const status = await authApi.bootstrapStatus();
      if (!status.bootstrapped) {
        setPhase('bootstrap');
        return;
      }
      const info = await platform().gatewayInfo();
      if (!info.token) {
        setPhase('login');
        return;
      }
      await authApi.ping();
      setPhase('ready');
    } catch (e) {
      setNotice(e instanceof Error ? e.message : String(e));
      setPhase(platform().needsLogin ? 'login' : 'login');
    }
  }, []);

  useEffect(() => {
    void check();
  }, [check]);

  useEffect(() => {
    setAuthErrorHandler((e: ApiError) => {
      platform().clearSecret();
      setNotice(e.message);
      setPhase('login');
      qc.clear();
    });
    return () => setAuthErrorHandler(null);
  }, [qc]);

  const value = useMemo<AuthState>(
    () => ({
      phase,
      notice,
      async login(secret, remember) {
        await authApi.ping(secret);
        platform().storeSecret(secret, remember);
        setNotice(null);
        setPhase('ready');
      },
      async bootstrap(secret) {
        await authApi.bootstrap(secret);
        platform().storeSecret(secret, false);
        setNotice(null);
        setPhase('ready');
      },
      logout() {
        platform().clearSecret();
        qc.clear();
        setNotice(null);
        setPhase('login');
      },
    }),
    [phase, notice, qc],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}

export function useBootstrapStatus() {
  return useQuery({ queryKey: ['bootstrap-status'], queryFn: authApi.bootstrapStatus, retry: false });
}
