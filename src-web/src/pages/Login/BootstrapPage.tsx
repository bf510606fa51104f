import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { plainMessage } from '../../api/client';
import { useAuth, useBootstrapStatus } from '../../hooks/useAuth';
import { LanguageSwitch } from '../../components/layout/LanguageSwitch';

export function BootstrapPage() {
  const { t } = useTranslation();
  const { bootstrap } = useAuth();
  const status = useBootstrapStatus();
  const [secret, setSecret] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (secret.trim().length < 8) return setError(t('bootstrap.tooShort'));
    if (secret !== confirm) return setError(t('bootstrap.mismatch'));
    setBusy(true);
    setError(null);
    try {
      await bootstrap(secret.trim());
    } catch (err) {
      setError(plainMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const forbidden = status.data && !status.data.can_bootstrap;
  return (
    <div className="auth-page">
      <form className="card auth-card" onSubmit={(e) => void submit(e)}>
        <div className="auth-head">
          <h1>{t('bootstrap.title')}</h1>
          <LanguageSwitch />
        </div>
        <p className="muted">{t('bootstrap.intro')}</p>
        {forbidden && <div className="banner banner-warn">{t('bootstrap.forbidden')}</div>}
        <label className="field">
          <span>{t('bootstrap.secret')}</span>
          <input type="password" autoComplete="new-password" value={secret} onChange={(e) => setSecret(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('bootstrap.confirm')}</span>
          <input type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} />
        </label>
        {error && (
          <div className="banner banner-error" role="alert">
            {error}
          </div>
        )}
        <button type="submit" className="btn btn-primary" disabled={busy || !!forbidden}>
          {busy ? t('common.working') : t('bootstrap.submit')}
        </button>
      </form>
    </div>
  );
}
