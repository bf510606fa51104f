import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { plainMessage } from '../../api/client';
import { useAuth } from '../../hooks/useAuth';
import { LanguageSwitch } from '../../components/layout/LanguageSwitch';

export function LoginPage() {
  const { t } = useTranslation();
  const { login, notice } = useAuth();
  const [secret, setSecret] = useState('');
  const [remember, setRemember] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!secret.trim()) {
      setError(t('login.empty'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await login(secret.trim(), remember);
    } catch (err) {
      setError(plainMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const shown = error ?? notice;
  return (
    <div className="auth-page">
      <form className="card auth-card" onSubmit={(e) => void submit(e)}>
        <div className="auth-head">
          <h1>Switchyard</h1>
          <LanguageSwitch />
        </div>
        <p className="muted">{t('login.intro')}</p>
        <label className="field">
          <span>{t('login.secret')}</span>
          <input type="password" autoFocus autoComplete="current-password" value={secret} onChange={(e) => setSecret(e.target.value)} />
        </label>
        <label className="check">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />
          <span>{t('login.remember')}</span>
        </label>
        {shown && (
          <div className="banner banner-error" role="alert">
            {shown}
          </div>
        )}
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? t('common.working') : t('login.submit')}
        </button>
      </form>
    </div>
  );
}
