import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { SettingsBody } from '../../api/settings';
import { SettingsForm } from './SettingsForm';

const body: SettingsBody = {
  settings: { max_concurrency: 2, affinity_mode: 'bounded', model_mapping: {}, test_model: 'gpt-5.4-mini' },
  schema: [
    { key: 'max_concurrency', type: 'integer', default: 2, min: 0, max: 1000, help: 'Requests one account serves at the same time; 0 = unlimited.' },
    { key: 'affinity_mode', type: 'enum', default: 'bounded', options: ['off', 'bounded', 'strict'], help: 'How strongly a conversation sticks.' },
    { key: 'model_mapping', type: 'json', default: {}, help: 'Claude model names to upstream models.' },
    { key: 'test_model', type: 'string', default: 'gpt-5.4-mini', help: 'Model used by the account test.' },
  ],
};

describe('SettingsForm', () => {
  it('shows help text and defaults', () => {
    render(<SettingsForm body={body} onSave={vi.fn()} saving={false} error={null} saved={false} />);
    expect(screen.getByText(/Requests one account serves at the same time/)).toBeInTheDocument();
    expect(screen.getAllByText(/default/).length).toBeGreaterThan(0);
  });

  it('flags invalid values and does not save them', async () => {
    const onSave = vi.fn();
    render(<SettingsForm body={body} onSave={onSave} saving={false} error={null} saved={false} />);
    const input = screen.getByLabelText('max_concurrency');
    await userEvent.clear(input);
    await userEvent.type(input, '2.5');
    expect(screen.getByRole('alert')).toHaveTextContent('Enter a whole number.');
    await userEvent.clear(input);
    await userEvent.type(input, '5000');
    expect(screen.getByRole('alert')).toHaveTextContent('Must be at most 1000.');
    await userEvent.clear(screen.getByLabelText('model_mapping'));
    await userEvent.type(screen.getByLabelText('model_mapping'), '{{not json');
    await userEvent.click(screen.getByRole('button', { name: /Save/ }));
    expect(onSave).not.toHaveBeenCalled();
    expect(screen.getAllByRole('alert').map((a) => a.textContent)).toContain('Not valid JSON.');
  });

  it('saves only the changed keys, typed', async () => {
    const onSave = vi.fn();
    render(<SettingsForm body={body} onSave={onSave} saving={false} error={null} saved={false} />);
    const input = screen.getByLabelText('max_concurrency');
    await userEvent.clear(input);
    await userEvent.type(input, '4');
    await userEvent.selectOptions(screen.getByLabelText('affinity_mode'), 'strict');
    await userEvent.click(screen.getByRole('button', { name: 'Save 2 changes' }));
    expect(onSave).toHaveBeenCalledWith({ max_concurrency: 4, affinity_mode: 'strict' });
  });
});
