import { download, request } from './client';
import type { ChartData } from './generated/ChartData';
import type { DashboardStats } from './generated/DashboardStats';
import type { UsageStats } from './generated/UsageStats';

export type { ChartData, DashboardStats, UsageStats };
export type { ModelRank } from './generated/ModelRank';

export type Range = '1h' | '24h' | '7d' | '30d';
export const RANGES: Range[] = ['1h', '24h', '7d', '30d'];

/** One row of `GET /usage/logs` (http/admin/usage.rs `LogItem`). */
export interface UsageLog {
  id: number;
  created_at: string;
  created_at_ms: number;
  request_id: string;
  api_key_id: number | null;
  account_id: number | null;
  endpoint: string;
  upstream_endpoint: string | null;
  model: string;
  requested_model: string | null;
  effective_model: string | null;
  stream: boolean;
  status_code: number;
  error_kind: string | null;
  input_tokens: number;
  cached_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  total_tokens: number;
  first_token_ms: number | null;
  duration_ms: number;
  attempts: number;
  trace: unknown;
  user_agent: string | null;
}

export interface LogPage {
  items: UsageLog[];
  total: number;
  page: number;
  page_size: number;
}

export interface LogFilters {
  page?: number;
  page_size?: number;
  model?: string;
  status?: '' | 'success' | 'errors';
  stream?: '' | 'true' | 'false';
  account_id?: string;
  api_key_id?: string;
  start?: string;
  end?: string;
}

/** One merged point per bucket, for the charts. */
export interface SeriesPoint {
  time: number;
  requests: number;
  errors: number;
  avgMs: number | null;
  firstTokenMs: number | null;
  input: number;
  output: number;
  cached: number;
  reasoning: number;
}

export function mergeSeries(c: ChartData): SeriesPoint[] {
  const by = new Map<number, SeriesPoint>();
  const at = (time: number) => {
    let p = by.get(time);
    if (!p) {
      p = { time, requests: 0, errors: 0, avgMs: null, firstTokenMs: null, input: 0, output: 0, cached: 0, reasoning: 0 };
      by.set(time, p);
    }
    return p;
  };
  for (const r of c.request_trend ?? []) Object.assign(at(r.time), { requests: r.requests, errors: r.errors });
  for (const l of c.latency_trend ?? []) Object.assign(at(l.time), { avgMs: l.avg_duration_ms, firstTokenMs: l.avg_first_token_ms });
  for (const t of c.token_trend ?? [])
    Object.assign(at(t.time), { input: t.input_tokens, output: t.output_tokens, cached: t.cached_tokens, reasoning: t.reasoning_tokens });
  return [...by.values()].sort((a, b) => a.time - b.time);
}

export const usageApi = {
  dashboardStats: () => request<DashboardStats>('/stats'),
  stats: () => request<UsageStats>('/usage/stats'),
  chart: (range: Range) => request<ChartData>('/usage/chart-data', { query: { range } }),
  logs: (f: LogFilters) => request<LogPage>('/usage/logs', { query: { ...f } }),
  exportCsv: (f: LogFilters) => download('/usage/logs/export', 'usage-logs.csv', { ...f }),
  cleanup: (before?: string) => request<{ message: string; deleted: number }>('/usage/logs', { method: 'DELETE', query: { before } }),
  opsOverview: () => request<Record<string, unknown>>('/ops/overview'),
};
