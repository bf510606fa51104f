import { download, request } from './client';

/** Numbers may come under codex2api's or our own names; `num` picks the first present. */
export function num(o: unknown, ...keys: string[]): number | null {
  if (!o || typeof o !== 'object') return null;
  for (const k of keys) {
    const v = (o as Record<string, unknown>)[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return null;
}

export function str(o: unknown, ...keys: string[]): string | null {
  if (!o || typeof o !== 'object') return null;
  for (const k of keys) {
    const v = (o as Record<string, unknown>)[k];
    if (typeof v === 'string' && v) return v;
    if (typeof v === 'number') return String(v);
  }
  return null;
}

export type Range = '1h' | '6h' | '24h' | '7d' | '30d';
export type StatsBody = Record<string, unknown>;

export interface ChartPoint {
  t: number;
  label: string;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
}

export interface ModelRank {
  model: string;
  requests: number;
  tokens: number;
}

export interface ChartData {
  points: ChartPoint[];
  models: ModelRank[];
}

function arrayIn(body: unknown, ...keys: string[]): unknown[] {
  if (Array.isArray(body)) return body;
  if (!body || typeof body !== 'object') return [];
  for (const k of keys) {
    const v = (body as Record<string, unknown>)[k];
    if (Array.isArray(v)) return v;
  }
  return [];
}

function timeOf(p: unknown): number {
  const v = (p as Record<string, unknown>).t ?? (p as Record<string, unknown>).ts ?? (p as Record<string, unknown>).time ??
    (p as Record<string, unknown>).bucket ?? (p as Record<string, unknown>).bucket_start ?? (p as Record<string, unknown>).timestamp;
  if (typeof v === 'number') return v < 1e12 ? v * 1000 : v;
  if (typeof v === 'string') return Date.parse(v) || 0;
  return 0;
}

export function normalizeChart(body: unknown, range: Range): ChartData {
  const short = range === '1h' || range === '6h' || range === '24h';
  const points = arrayIn(body, 'points', 'series', 'buckets', 'data', 'timeline').map((p) => {
    const t = timeOf(p);
    const d = new Date(t);
    return {
      t,
      label: short ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : d.toLocaleDateString([], { month: 'short', day: 'numeric' }),
      requests: num(p, 'requests', 'request_count', 'count') ?? 0,
      errors: num(p, 'errors', 'error_count', 'failed') ?? 0,
      inputTokens: num(p, 'input_tokens', 'prompt_tokens') ?? 0,
      outputTokens: num(p, 'output_tokens', 'completion_tokens') ?? 0,
      latencyMs: num(p, 'avg_latency_ms', 'avg_duration_ms', 'latency_ms', 'duration_ms') ?? 0,
    };
  });
  const models = arrayIn(body, 'models', 'model_ranking', 'model_stats', 'top_models').map((m) => ({
    model: str(m, 'model', 'name') ?? '?',
    requests: num(m, 'requests', 'request_count', 'count') ?? 0,
    tokens: num(m, 'tokens', 'total_tokens') ?? 0,
  }));
  return { points, models };
}

export interface UsageLog {
  id: number | string;
  raw: Record<string, unknown>;
  time: string | null;
  model: string | null;
  effectiveModel: string | null;
  account: string | null;
  apiKey: string | null;
  endpoint: string | null;
  status: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  durationMs: number | null;
  firstTokenMs: number | null;
  stream: boolean | null;
  error: string | null;
  trace: unknown;
}

export function normalizeLog(raw: Record<string, unknown>, i: number): UsageLog {
  return {
    id: (raw.id as number | string | undefined) ?? (raw.request_id as string | undefined) ?? i,
    raw,
    time: str(raw, 'created_at', 'time', 'timestamp', 'started_at'),
    model: str(raw, 'model', 'requested_model'),
    effectiveModel: str(raw, 'effective_model', 'upstream_model', 'actual_model'),
    account: str(raw, 'account_email', 'account_name', 'account_id'),
    apiKey: str(raw, 'api_key_name', 'api_key_preview', 'api_key_id'),
    endpoint: str(raw, 'endpoint', 'path', 'inbound_endpoint'),
    status: num(raw, 'status_code', 'status', 'http_status'),
    inputTokens: num(raw, 'input_tokens', 'prompt_tokens'),
    outputTokens: num(raw, 'output_tokens', 'completion_tokens'),
    durationMs: num(raw, 'duration_ms', 'latency_ms', 'total_ms'),
    firstTokenMs: num(raw, 'first_token_ms', 'ttft_ms'),
    stream: typeof raw.stream === 'boolean' ? raw.stream : null,
    error: str(raw, 'error', 'error_message', 'error_kind'),
    trace: raw.routing_trace ?? raw.trace ?? raw.attempts ?? null,
  };
}

export interface LogFilters {
  page?: number;
  page_size?: number;
  q?: string;
  model?: string;
  status?: '' | 'success' | 'errors';
  account_id?: string;
  api_key_id?: string;
}

export const usageApi = {
  dashboardStats: () => request<StatsBody>('/stats'),
  stats: (range?: Range) => request<StatsBody>('/usage/stats', { query: { range } }),
  chart: async (range: Range) => normalizeChart(await request<unknown>('/usage/chart-data', { query: { range } }), range),
  logs: async (f: LogFilters) => {
    const body = await request<Record<string, unknown>>('/usage/logs', { query: { ...f } });
    const logs = arrayIn(body, 'logs', 'items', 'data').map((l, i) => normalizeLog(l as Record<string, unknown>, i));
    return { logs, total: num(body, 'total') ?? logs.length };
  },
  log: async (id: number | string) => {
    const body = await request<Record<string, unknown>>(`/usage/logs/${id}`);
    const inner = (body.log ?? body) as Record<string, unknown>;
    return normalizeLog(inner, 0);
  },
  exportCsv: (f: LogFilters) => download('/usage/logs/export', 'usage-logs.csv', { ...f, format: 'csv' }),
  cleanup: (olderThanDays?: number) =>
    request<Record<string, unknown>>('/usage/logs', { method: 'DELETE', query: { older_than_days: olderThanDays } }),
  opsOverview: () => request<StatsBody>('/ops/overview'),
};
