import { request, send, stream } from './client';
import type { AccountView } from './generated/AccountView';
import type { BatchEvent } from './generated/BatchEvent';
import type { ImportSummary } from './generated/ImportSummary';

export type { AccountView, BatchEvent, ImportSummary };
export type { AccountStatus } from './generated/AccountStatus';
export type { LineResult } from './generated/LineResult';

/** One quota window as the dashboard shows it. */
export interface QuotaWindow {
  usedPercent: number;
  /** Unix ms. */
  resetAt: number | null;
}

/**
 * Fields the account list gains as the scheduler and usage work lands (quota, tier, score,
 * last error, pin). All optional: the table shows a dash until the server sends them.
 */
export interface AccountExtras {
  quota?: unknown;
  quota_windows?: unknown;
  health_tier?: string | null;
  tier?: string | null;
  scheduler_score?: number | null;
  score?: number | null;
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
}

export interface AccountEvent {
  kind: string;
  detail: string | null;
  created_at: string;
}

function toMs(v: unknown): number | null {
  if (typeof v === 'number') return v < 1e12 ? v * 1000 : v;
  if (typeof v === 'string' && v) {
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

function windowFrom(v: unknown): QuotaWindow | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const used = o.used_percent ?? o.usedPercent ?? o.percent;
  if (typeof used !== 'number') return undefined;
  return { usedPercent: used, resetAt: toMs(o.reset_at ?? o.resets_at ?? o.resetAt) };
}

/** Reads the 5h and 7d windows from whichever shape the server uses. */
export function quotaOf(a: Account): { fiveHour?: QuotaWindow; sevenDay?: QuotaWindow } {
  const raw = a.quota ?? a.quota_windows;
  const out: { fiveHour?: QuotaWindow; sevenDay?: QuotaWindow } = {};
  const list = Array.isArray(raw)
    ? raw
    : raw && typeof raw === 'object' && Array.isArray((raw as { windows?: unknown }).windows)
      ? (raw as { windows: unknown[] }).windows
      : null;
  if (list) {
    for (const w of list) {
      const kind = (w as { kind?: unknown }).kind;
      if (kind === '5h' || kind === 'five_hour' || kind === 'primary') out.fiveHour = windowFrom(w);
      if (kind === '7d' || kind === 'weekly' || kind === 'seven_day' || kind === 'secondary') out.sevenDay = windowFrom(w);
    }
  } else if (raw && typeof raw === 'object') {
    const o = raw as Record<string, unknown>;
    out.fiveHour = windowFrom(o['5h'] ?? o.five_hour ?? o.primary);
    out.sevenDay = windowFrom(o['7d'] ?? o.seven_day ?? o.weekly ?? o.secondary);
  }
  return out;
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
