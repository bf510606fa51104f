import { request } from './client';
import type { Account } from './accounts';

export interface LoginStart {
  session_id: string;
  auth_url: string;
  redirect_uri: string;
  expires_at: string;
  callback_listener: boolean;
}

export type LoginStatus =
  | { status: 'pending' }
  | { status: 'completed'; account_id: number }
  | { status: 'failed'; error: string };

export const oauthApi = {
  start: (redirect_uri?: string) =>
    request<LoginStart>('/oauth/generate-auth-url', { body: redirect_uri ? { redirect_uri } : {} }),
  exchange: (session_id: string, callback_url: string) =>
    request<{ message: string; account: Account }>('/oauth/exchange-code', { body: { session_id, callback_url } }),
  poll: (session_id: string) => request<LoginStatus>('/oauth/poll-callback', { query: { session_id } }),
};
