import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Snippet } from '../../components/connect/Snippet';
import { usePublicOrigin } from '../../hooks/useConnect';
import { claudeEnv, codexConfig, codexEnv, curlExample } from '../../lib/snippets';

export function ConnectPage() {
  const { t } = useTranslation();
  const origin = usePublicOrigin().data ?? '';
  const [key, setKey] = useState('');
  const shownKey = key.trim() || 'sk-…';
  return (
    <section className="page">
      <header className="page-head">
        <h1>{t('nav.connect')}</h1>
      </header>
      <p className="muted">{t('connect.intro', { origin })}</p>
      <label className="field narrow-field">
        <span>{t('connect.key')}</span>
        <input value={key} onChange={(e) => setKey(e.target.value)} placeholder={t('connect.keyHint')} />
      </label>
      <h2>Codex CLI</h2>
      <Snippet title={t('connect.codexConfig')} text={codexConfig(origin)} testId="codex-config" />
      <Snippet title={t('connect.codexEnv')} text={codexEnv(shownKey)} testId="codex-env" />
      <h2>Claude Code</h2>
      <Snippet title={t('connect.claudeEnv')} text={claudeEnv(origin, shownKey)} testId="claude-env" />
      <h2>{t('connect.other')}</h2>
      <Snippet title="curl" text={curlExample(origin, shownKey)} testId="curl" />
    </section>
  );
}
