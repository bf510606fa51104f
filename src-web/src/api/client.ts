// The one typed client for the admin API. Every failure becomes an ApiError whose `message`
// is plain words for the user: the server's own message when it sent one, otherwise a
// sentence about what went wrong (unreachable server, wrong secret, …).
import i18n from '../i18n';
import { platform } from '../platform';

export type ErrorKind = 'network' | 'auth' | 'bootstrap' | 'http' | 'not_available';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly kind: ErrorKind;

  constructor(message: string, status: number, code: string, kind: ErrorKind) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.kind = kind;
  }
}

/** Messages the dashboard writes itself (the server's own messages are shown as sent). */
const msg = (key: string, vars?: Record<string, unknown>) => i18n.t(`errors.${key}`, vars ?? {});

async function headers(extra?: HeadersInit, secret?: string): Promise<{ base: string; headers: Headers }> {
  const info = await platform().gatewayInfo();
  const h = new Headers(extra);
  const token = secret ?? info.token;
  if (token) h.set('X-Admin-Key', token);
  return { base: info.baseUrl, headers: h };
}

/** Builds an ApiError from a non-2xx response. */
export async function errorFrom(res: Response): Promise<ApiError> {
  let message = '';
  let code = `http_${res.status}`;
  try {
    const text = await res.text();
    try {
      const body = JSON.parse(text) as { error?: unknown; code?: unknown; message?: unknown };
      if (typeof body.error === 'string') message = body.error;
      else if (body.error && typeof body.error === 'object' && 'message' in body.error) {
        message = String((body.error as { message: unknown }).message);
      } else if (typeof body.message === 'string') message = body.message;
      if (typeof body.code === 'string') code = body.code;
    } catch {
      message = text.trim().slice(0, 300);
    }
  } catch {
    /* body unreadable: fall through to the status text */
  }
  let kind: ErrorKind = 'http';
  if (res.status === 401 || code === 'invalid_admin_key') {
    kind = 'auth';
    message = msg('auth');
  } else if (code === 'bootstrap_required') {
    kind = 'bootstrap';
    message = message || msg('bootstrap');
  } else if (res.status === 404 && code === 'not_found') {
    kind = 'not_available';
    message = msg('notAvailable');
  } else if (res.status === 502 || res.status === 503 || res.status === 504) {
    message = message || msg('unavailable', { status: res.status });
  }
  if (!message) message = msg('http', { status: res.status });
  return new ApiError(message, res.status, code, kind);
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined | null>;
  /** Overrides the stored secret (used by the login check). */
  secret?: string;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

export function withQuery(path: string, query?: RequestOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Sends a request under /api/admin and returns the raw Response (2xx only). */
export async function send(path: string, opts: RequestOptions = {}): Promise<Response> {
  const isForm = typeof FormData !== 'undefined' && opts.body instanceof FormData;
  const { base, headers: h } = await headers(opts.headers, opts.secret);
  if (opts.body !== undefined && !isForm) h.set('Content-Type', 'application/json');
  let res: Response;
  try {
    res = await fetch(`${base}/api/admin${withQuery(path, opts.query)}`, {
      method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
      headers: h,
      body: opts.body === undefined ? undefined : isForm ? (opts.body as FormData) : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(msg('unreachable'), 0, 'network', 'network');
  }
  if (!res.ok) {
    const err = await errorFrom(res);
    if (err.kind === 'auth') onAuthError?.(err);
    throw err;
  }
  return res;
}

/** JSON request under /api/admin. */
export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(path, opts);
  const text = await res.text();
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(msg('badJson'), res.status, 'bad_json', 'http');
  }
}

/**
 * A request that streams JSON events over SSE (`?stream=true`): calls `onEvent` for each and
 * resolves with the last one.
 */
export async function stream<E>(path: string, opts: RequestOptions, onEvent: (e: E) => void): Promise<E | undefined> {
  const res = await send(path, {
    ...opts,
    query: { ...(opts.query ?? {}), stream: true },
    headers: { Accept: 'text/event-stream', ...(opts.headers ?? {}) },
  });
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('text/event-stream') || !res.body) {
    const body = (await res.json()) as E;
    onEvent(body);
    return body;
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let last: E | undefined;
  const flush = (block: string) => {
    const data = block
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).trimStart())
      .join('\n');
    if (!data) return;
    try {
      last = JSON.parse(data) as E;
      onEvent(last);
    } catch {
      /* keep-alive or partial garbage: ignore */
    }
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, '\n');
    let idx: number;
    while ((idx = buffer.indexOf('\n\n')) >= 0) {
      flush(buffer.slice(0, idx));
      buffer = buffer.slice(idx + 2);
    }
  }
  if (buffer.trim()) flush(buffer);
  return last;
}

/** Downloads a response body as a file (CSV export, auth.json). */
export async function download(path: string, filename: string, query?: RequestOptions['query']): Promise<void> {
  const res = await send(path, { query });
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

let onAuthError: ((e: ApiError) => void) | null = null;

/** The auth layer registers here to sign the user out when the secret stops working. */
export function setAuthErrorHandler(fn: ((e: ApiError) => void) | null): void {
  onAuthError = fn;
}

/** The words to show for any thrown value. */
export function plainMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
