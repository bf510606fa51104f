import { request } from './client';

export interface ApiKeyView {
  id: number;
  name: string;
  key_preview: string;
  enabled: boolean;
  rpm: number;
  max_concurrency: number;
  token_quota: number;
  tokens_used: number;
  allowed_models: string[];
  expires_at: string | null;
  last_used_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface KeyInput {
  name?: string;
  enabled?: boolean;
  rpm?: number;
  max_concurrency?: number;
  token_quota?: number;
  allowed_models?: string[];
  expires_in_days?: number;
}

/** The create answer: the row plus the plaintext key, shown once. */
export type CreatedKey = ApiKeyView & { key: string };

export const keysApi = {
  list: () => request<{ keys: ApiKeyView[]; total: number }>('/keys'),
  create: (input: KeyInput) => request<CreatedKey>('/keys', { body: input }),
  update: (id: number, input: KeyInput) => request<ApiKeyView>(`/keys/${id}`, { method: 'PATCH', body: input }),
  remove: (id: number) => request<{ ok: boolean }>(`/keys/${id}`, { method: 'DELETE' }),
};
