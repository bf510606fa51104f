import { request, send, stream } from './client';
import type { AccountView } from './generated/AccountView';
import type { BatchEvent } from './generated/BatchEvent';
import type { ImportSummary } from './generated/ImportSummary';
import type { QuotaWindowView } from './generated/QuotaWindowView';

export type { AccountView, BatchEvent, ImportSummary };
export type { AccountStatus } from './generated/AccountStatus';
export type { LineResult } from './generated/LineResult';

/** One quota window as the dashboard shows it. */
export interface QuotaWindow {
  usedPercent: number;
  /** Unix ms. */
  resetAt: number | null;
}

/** Scheduler fields the accounts page joins in from the scheduler board. */
export interface AccountExtras {
  health_tier?: string | null;
  scheduler_score?: number | null;
  last_error?: string | null;
  pinned?: boolean;
  max_concurrency?: number | null;
}

export type Account = AccountView & AccountExtras;

export interface AccountList {
  accounts: Account[];
  total: number;
  page: number;
  page_size: number;
}

export interface AccountQuery {
  page?: number;
  page_size?: number;
  search?: string;
  enabled?: boolean;
  state?: string;
}

export interface ImportProgress {
  type: 'progress' | 'complete' | 'error';
  current: number;
  total: number;
  success: number;
  updated: number;
  duplicate: number;
  failed: number;
  summary?: ImportSummary;
}

export type ImportFormat = 'txt' | 'json' | 'at_txt' | 'json_at';
export type BatchKind = 'refresh' | 'delete' | 'update';
export type AccountAction = 'refresh' | 'enable' | 'disable' | 'pause' | 'resume';

export interface AccountPatch {
  name?: string;
  enabled?: boolean;
  paused?: boolean;
  proxy_url?: string;
  note?: string;
  scheduler_priority?: number;
  /** `null` clears the override. */
  score_bias_override?: number | null;
  base_concurrency_override?: number | null;
}

export interface AccountEvent {
  kind: string;
  detail: string | null;
  created_at: string;
}

function windowFrom(w: QuotaWindowView | undefined): QuotaWindow | undefined {
  if (!w) return undefined;
  const reset = w.reset_at ? Date.parse(w.reset_at) : NaN;
  return { usedPercent: w.used_percent, resetAt: Number.isNaN(reset) ? null : reset };
}

/** The 5h and 7d windows of an account, as the server last observed them. */
export function quotaOf(a: Account): { fiveHour?: QuotaWindow; sevenDay?: QuotaWindow } {
  const find = (name: string) => a.quota.find((w) => w.window === name);
  return { fiveHour: windowFrom(find('5h')), sevenDay: windowFrom(find('7d')) };
}

export const accountsApi = {
  list: (q: AccountQuery) => request<AccountList>('/accounts', { query: { ...q } }),
  get: (id: number) => request<{ account: Account; events: AccountEvent[] }>(`/accounts/${id}`),
  addRefreshTokens: (body: { refresh_token: string; name?: string; proxy_url?: string }, onEvent: (e: ImportProgress) => void) =>
    stream<ImportProgress>('/accounts', { body }, onEvent),
  addAccessToken: (body: { access_token: string; name?: string; proxy_url?: string }) =>
    request<ImportSummary>('/accounts/at', { body }),
  importFile: (files: File[], format: ImportFormat | '', proxyUrl: string, onEvent: (e: ImportProgress) => void) => {
    const form = new FormData();
    for (const f of files) form.append('file', f, f.name);
    if (format) form.append('format', format);
    if (proxyUrl) form.append('proxy_url', proxyUrl);
    return stream<ImportProgress>('/accounts/import', { body: form }, onEvent);
  },
  update: (id: number, patch: AccountPatch) => request<{ account: Account }>(`/accounts/${id}`, { method: 'PATCH', body: patch }),
  remove: (id: number) => request<{ message: string }>(`/accounts/${id}`, { method: 'DELETE' }),
  action: (id: number, action: AccountAction) => request<{ account?: Account }>(`/accounts/${id}/${action}`, { method: 'POST' }),
  /** codex2api's account test (SSE); older servers answer 404 and the UI says so. */
  test: (id: number, onEvent: (e: { type: string; text?: string; error?: string; success?: boolean }) => void) =>
    stream<{ type: string; text?: string; error?: string; success?: boolean }>(`/accounts/${id}/test`, { method: 'GET' }, onEvent),
  pin: (id: number) => request<unknown>(`/accounts/${id}/pin`, { method: 'POST' }),
  unpin: () => request<unknown>('/accounts/pin', { method: 'DELETE' }),
  authJson: async (id: number) => (await send(`/accounts/${id}/auth-json`)).text(),
  batch: (kind: BatchKind, ids: number[], patch: AccountPatch, onEvent: (e: BatchEvent) => void) =>
    stream<BatchEvent>(`/accounts/batch-${kind}`, { body: { ids, ...patch } }, onEvent),
};
