import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { Account } from '../../api/accounts';
import { AccountsTable } from './AccountsTable';

function account(over: Partial<Account>): Account {
  return {
    id: 1, name: 'alice@example.com', email: 'alice@example.com', plan_type: 'plus', chatgpt_account_id: null,
    credential_kind: 'refresh_token', credential_fingerprint: 'abc', credential_generation: 1, status: 'ready',
    status_reason: null, enabled: true, paused: false, token_expires_at: null, last_refreshed_at: null, proxy_url: null,
    note: null, scheduler_priority: 0, score_bias_override: null, base_concurrency_override: null, in_flight: 0, quota: [], created_at: '', updated_at: '', ...over,
  };
}

function quota(window: string, used_percent: number, reset_at: string | null) {
  return { window, used_percent, window_minutes: window === '5h' ? 300 : 10080, reset_at, observed_at: '' };
}

describe('AccountsTable', () => {
  const rows = [
    account({ id: 1, quota: [quota('5h', 42, new Date(Date.now() + 3_600_000).toISOString()), quota('7d', 95, null)], health_tier: 'healthy', scheduler_score: 87.5, in_flight: 1, max_concurrency: 2 }),
    account({ id: 2, name: 'bob', email: null, status: 'reauth_required', status_reason: 'refresh token revoked', enabled: true }),
    account({ id: 3, name: 'carol', status: 'disabled', enabled: false }),
  ];

  it('shows status with reason, plan, quota bars, tier, score and in-flight', () => {
    render(<AccountsTable accounts={rows} selected={new Set()} onToggle={vi.fn()} onToggleAll={vi.fn()} onAction={vi.fn()} />);
    const first = screen.getByTestId('account-row-1');
    expect(within(first).getByText('Ready')).toBeInTheDocument();
    expect(within(first).getByText('plus')).toBeInTheDocument();
    expect(within(first).getByTestId('quota-5h')).toHaveTextContent('42%');
    expect(within(first).getByTestId('quota-5h')).toHaveTextContent(/in \d+m|in 1h/);
    expect(within(first).getByTestId('quota-7d')).toHaveTextContent('95%');
    expect(within(first).getByText('Healthy')).toBeInTheDocument();
    expect(within(first).getByText('87.5')).toBeInTheDocument();
    expect(within(first).getByText('1 / 2')).toBeInTheDocument();
    const second = screen.getByTestId('account-row-2');
    expect(within(second).getByText('Sign-in needed')).toBeInTheDocument();
    expect(within(second).getAllByText('refresh token revoked').length).toBeGreaterThan(0);
    expect(within(second).queryByTestId('quota-5h')).toBeNull();
  });

  it('offers enable on a disabled account and reports the action', async () => {
    const onAction = vi.fn();
    render(<AccountsTable accounts={rows} selected={new Set()} onToggle={vi.fn()} onToggleAll={vi.fn()} onAction={onAction} />);
    await userEvent.click(within(screen.getByTestId('account-row-3')).getByRole('button', { name: 'Enable' }));
    expect(onAction).toHaveBeenCalledWith(expect.objectContaining({ id: 3 }), 'enable');
  });

  it('selects all rows of the page', async () => {
    const onToggleAll = vi.fn();
    render(<AccountsTable accounts={rows} selected={new Set()} onToggle={vi.fn()} onToggleAll={onToggleAll} onAction={vi.fn()} />);
    await userEvent.click(screen.getByLabelText('Select all on this page'));
    expect(onToggleAll).toHaveBeenCalledWith([1, 2, 3], true);
  });

  it('says how to start when there are no accounts', () => {
    render(<AccountsTable accounts={[]} selected={new Set()} onToggle={vi.fn()} onToggleAll={vi.fn()} onAction={vi.fn()} />);
    expect(screen.getByText(/No accounts yet/)).toBeInTheDocument();
  });
});
