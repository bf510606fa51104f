import { request } from './client';

export interface BootstrapStatus {
  bootstrapped: boolean;
  admin_auth_source: string;
  can_bootstrap: boolean;
}

export const authApi = {
  bootstrapStatus: () => request<BootstrapStatus>('/bootstrap-status'),
  bootstrap: (admin_secret: string) => request<{ message: string }>('/bootstrap', { body: { admin_secret } }),
  /** Checks a secret before it is stored. */
  ping: (secret?: string) => request<{ ok: boolean }>('/ping', { secret }),
};
