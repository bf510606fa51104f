import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App, makeQueryClient } from '../../App';
import { SECRET_KEY } from '../../platform/web';
import { json, mockFetch } from '../../test/util';
import { render } from '@testing-library/react';

const status = (bootstrapped = true) => (url: URL) =>
  url.pathname === '/api/admin/bootstrap-status' ? json({ bootstrapped, admin_auth_source: 'env', can_bootstrap: !bootstrapped }) : undefined;

const ping = (good: string) => (url: URL, init: RequestInit) => {
  if (url.pathname !== '/api/admin/ping') return undefined;
  const key = new Headers(init.headers).get('X-Admin-Key');
  return key === good ? json({ ok: true }) : json({ error: 'invalid admin key', code: 'invalid_admin_key' }, 401);
};

const empty = (url: URL) => (url.pathname === '/api/admin/accounts' ? json({ accounts: [], total: 0, page: 1, page_size: 50 }) : undefined);

describe('login', () => {
  it('says so in plain words when the secret is wrong', async () => {
    mockFetch(status(), ping('right-secret'));
    render(<App client={makeQueryClient()} />);
    await userEvent.type(await screen.findByLabelText('Admin secret'), 'wrong');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The admin secret is wrong or missing');
    expect(localStorage.getItem(SECRET_KEY)).toBeNull();
  });

  it('says the server is unreachable when fetch fails', async () => {
    mockFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    render(<App client={makeQueryClient()} />);
    expect(await screen.findByRole('alert')).toHaveTextContent('Cannot reach the Switchyard server');
  });

  it('signs in, stores the secret and shows the dashboard', async () => {
    mockFetch(status(), ping('right-secret'), empty);
    render(<App client={makeQueryClient()} />);
    await userEvent.type(await screen.findByLabelText('Admin secret'), 'right-secret');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(screen.getByRole('link', { name: 'Accounts' })).toBeInTheDocument());
    expect(localStorage.getItem(SECRET_KEY)).toBe('right-secret');
    // The first page arrives as its own chunk (App.tsx) inside the layout.
    expect(await screen.findByRole('heading', { level: 1, name: 'Overview' })).toBeInTheDocument();
  });

  it('offers first-run setup when the server has no secret', async () => {
    mockFetch(status(false));
    render(<App client={makeQueryClient()} />);
    expect(await screen.findByText('Set up Switchyard')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('New admin secret'), 'short');
    await userEvent.type(screen.getByLabelText('Repeat the secret'), 'short');
    await userEvent.click(screen.getByRole('button', { name: 'Save and sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('at least 8 characters');
  });
});
