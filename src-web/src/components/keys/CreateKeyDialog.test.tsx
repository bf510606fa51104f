import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { json, mockFetch, renderWithClient } from '../../test/util';
import { CreateKeyDialog } from './CreateKeyDialog';

describe('CreateKeyDialog', () => {
  it('rejects a negative limit before calling the server', async () => {
    const fetch = mockFetch();
    renderWithClient(<CreateKeyDialog onClose={vi.fn()} />);
    await userEvent.type(screen.getByLabelText('Requests per minute'), '-5');
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Requests per minute must be a whole number, 0 or more.');
    expect(fetch).not.toHaveBeenCalled();
  });

  it('sends the limits and shows the new key once, with copy', async () => {
    const fetch = mockFetch((url, init) =>
      url.pathname === '/api/admin/keys' && init.method === 'POST'
        ? json({ id: 1, name: 'laptop', key: 'sk-0123456789abcdef0123456789abcdef0123456789abcdef', key_preview: 'sk-0123…cdef', enabled: true, rpm: 60, max_concurrency: 0, token_quota: 0, tokens_used: 0, allowed_models: ['gpt-5'], expires_at: null, last_used_at: null, created_at: '', updated_at: '' }, 201)
        : undefined,
    );
    renderWithClient(<CreateKeyDialog onClose={vi.fn()} />);
    await userEvent.type(screen.getByLabelText('Name'), 'laptop');
    await userEvent.type(screen.getByLabelText('Requests per minute'), '60');
    await userEvent.type(screen.getByLabelText('Allowed models'), 'gpt-5');
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect(await screen.findByTestId('new-key')).toHaveTextContent('sk-0123456789abcdef');
    expect(screen.getByText(/shown only once/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Copy' })).toBeInTheDocument();
    const body = JSON.parse(String((fetch.mock.calls[0] as [string, RequestInit])[1].body));
    expect(body).toEqual({ name: 'laptop', rpm: 60, allowed_models: ['gpt-5'] });
  });

  it('shows the server refusal in plain words', async () => {
    mockFetch((url) => (url.pathname === '/api/admin/keys' ? json({ error: 'an API key with this value already exists', code: 'key_exists' }, 409) : undefined));
    renderWithClient(<CreateKeyDialog onClose={vi.fn()} />);
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('an API key with this value already exists');
  });
});
