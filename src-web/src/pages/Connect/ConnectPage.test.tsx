import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { renderWithClient } from '../../test/util';
import { ConnectPage } from './ConnectPage';

describe('ConnectPage', () => {
  it('gives the exact Codex config.toml and Claude Code environment for this origin', async () => {
    renderWithClient(<ConnectPage />);
    const origin = window.location.origin;
    const codex = await screen.findByTestId('codex-config');
    await screen.findByText(new RegExp(`base_url = "${origin}/v1"`));
    expect(codex.textContent).toContain('model_provider = "switchyard"');
    expect(codex.textContent).toContain('[model_providers.switchyard]');
    expect(codex.textContent).toContain('wire_api = "responses"');
    expect(codex.textContent).toContain('env_key = "SWITCHYARD_API_KEY"');
    await userEvent.type(screen.getByLabelText(/Your API key/), 'sk-test-123');
    expect(screen.getByTestId('claude-env').textContent).toContain(`ANTHROPIC_BASE_URL=${origin}\nexport ANTHROPIC_AUTH_TOKEN=sk-test-123`);
    expect(screen.getByTestId('codex-env').textContent).toContain('export SWITCHYARD_API_KEY=sk-test-123');
  });
});
