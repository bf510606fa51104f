import { describe, expect, it } from 'vitest';
import { json, mockFetch } from '../test/util';
import { ApiError, request, stream } from './client';

async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    return e as ApiError;
  }
  throw new Error('expected a failure');
}

describe('admin client errors in plain words', () => {
  it('passes the server message through', async () => {
    mockFetch(() => json({ error: 'scheduler_priority must be between -100 and 100', code: 'invalid_request' }, 400));
    const e = await failure(request('/accounts/1', { method: 'PATCH', body: {} }));
    expect(e.message).toBe('scheduler_priority must be between -100 and 100');
    expect(e.code).toBe('invalid_request');
  });

  it('words a missing route, a gateway error and a non-JSON body', async () => {
    mockFetch(() => json({ error: 'no such route', code: 'not_found' }, 404));
    expect((await failure(request('/scheduler/board'))).message).toMatch(/does not offer this feature yet/);
    mockFetch(() => new Response('', { status: 502, statusText: 'Bad Gateway' }));
    expect((await failure(request('/stats'))).message).toBe('The server is unavailable right now (HTTP 502).');
    mockFetch(() => new Response('<html>proxy error</html>', { status: 200 }));
    expect((await failure(request('/stats'))).message).toMatch(/cannot read/);
  });

  it('reads SSE progress events split across chunks', async () => {
    const events = ['data: {"type":"start","current":0}\n\n', 'data: {"type":"progress",', '"current":1}\n\ndata: {"type":"complete","current":1}\n\n'];
    mockFetch(() => new Response(new ReadableStream({
      start(c) {
        for (const e of events) c.enqueue(new TextEncoder().encode(e));
        c.close();
      },
    }), { headers: { 'Content-Type': 'text/event-stream' } }));
    const seen: string[] = [];
    const last = await stream<{ type: string }>('/accounts/batch-refresh', { body: { ids: [1] } }, (e) => seen.push(e.type));
    expect(seen).toEqual(['start', 'progress', 'complete']);
    expect(last?.type).toBe('complete');
  });
});
