import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { json, mockFetch, renderWithClient } from '../../test/util';
import { AddAccountDialog } from './AddAccountDialog';

function sse(events: unknown[]): Response {
  const body = events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('');
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
}

const summary = {
  total: 3, added: 1, updated: 1, duplicate: 0, failed: 1,
  results: [
    { position: 1, outcome: 'added', account_id: 7, email: 'a@example.com', error: null },
    { position: 2, outcome: 'updated', account_id: 3, email: 'b@example.com', error: null },
    { position: 3, outcome: 'failed', account_id: null, email: null, error: 'refresh token rejected (invalid_grant): sign in again or paste a newer token' },
  ],
};

async function chooseFile(content: string, name = 'tokens.txt') {
  await userEvent.click(screen.getByRole('tab', { name: 'Import file' }));
  const input = screen.getByTestId('file-input') as HTMLInputElement;
  await userEvent.upload(input, new File([content], name, { type: 'text/plain' }));
}

describe('import', () => {
  it('warns that importing a refresh token signs other clients out, but not for access tokens', async () => {
    mockFetch(() => undefined);
    renderWithClient(<AddAccountDialog onClose={vi.fn()} />);
    expect(screen.getByRole('note')).toHaveTextContent(/rotates it/);
    await userEvent.click(screen.getByRole('tab', { name: 'Access token' }));
    expect(screen.queryByRole('note')).not.toBeInTheDocument();
  });

  it('shows the per-line report with the reason of each failure', async () => {
    const fetch = mockFetch((url) =>
      url.pathname === '/api/admin/accounts/import'
        ? sse([{ type: 'progress', current: 1, total: 3, success: 1, updated: 0, duplicate: 0, failed: 0 }, { type: 'complete', current: 3, total: 3, success: 2, updated: 1, duplicate: 0, failed: 1, summary }])
        : undefined,
    );
    renderWithClient(<AddAccountDialog onClose={vi.fn()} />);
    await chooseFile('rt_1\nrt_2\nrt_3\n');
    await userEvent.click(screen.getByRole('button', { name: 'Add' }));
    const report = await screen.findByTestId('import-report');
    expect(within(report).getByText('1 added')).toBeInTheDocument();
    expect(within(report).getByText('1 failed')).toBeInTheDocument();
    expect(within(report).getByText(/refresh token rejected/)).toBeInTheDocument();
    expect(within(report).getByText('a@example.com')).toBeInTheDocument();
    const [url, init] = fetch.mock.calls[0] as [string, RequestInit];
    expect(url).toContain('stream=true');
    expect(init.body).toBeInstanceOf(FormData);
  });

  it('explains a malformed file in plain words', async () => {
    mockFetch((url) =>
      url.pathname === '/api/admin/accounts/import'
        ? json({ error: 'broken.json: not JSON: expected value at line 1 column 1', code: 'unparseable_file' }, 400)
        : undefined,
    );
    renderWithClient(<AddAccountDialog onClose={vi.fn()} />);
    await chooseFile('{{{ nope', 'broken.json');
    await userEvent.click(screen.getByRole('button', { name: 'Add' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('broken.json: not JSON');
  });

  it('asks for a file before uploading', async () => {
    const fetch = mockFetch();
    renderWithClient(<AddAccountDialog onClose={vi.fn()} initialTab="file" />);
    await userEvent.click(screen.getByRole('button', { name: 'Add' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Choose or drop a file first.');
    expect(fetch).not.toHaveBeenCalled();
  });
});
