import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useOAuthLogin } from '../../hooks/useOAuth';
import { CopyButton } from '../common/CopyButton';
import { ErrorBanner } from '../common/ErrorBanner';

/** Sign in with a ChatGPT account: open the URL, then paste the redirect URL back. */
export function OAuthLogin() {
  const { t } = useTranslation();
  const { session, start, exchange, poll } = useOAuthLogin();
  const [callback, setCallback] = useState('');
  const done = exchange.isSuccess || poll.data?.status === 'completed';
  return (
    <div className="stack">
      <p className="muted">{t('oauth.intro')}</p>
      {!session && (
        <button type="button" className="btn btn-primary" onClick={() => start.mutate()} disabled={start.isPending}>
          {t('oauth.start')}
        </button>
      )}
      <ErrorBanner error={start.error} />
      {session && (
        <>
          <div className="code-line">
            <a href={session.auth_url} target="_blank" rel="noreferrer">
              {t('oauth.open')}
            </a>
            <CopyButton text={session.auth_url} />
          </div>
          {session.callback_listener && !done && <p className="muted">{t('oauth.waiting')}</p>}
          <label className="field">
            <span>{t('oauth.callback')}</span>
            <input value={callback} onChange={(e) => setCallback(e.target.value)} placeholder="http://localhost:1455/auth/callback?code=…" />
          </label>
          <button type="button" className="btn btn-primary" disabled={!callback.trim() || exchange.isPending} onClick={() => exchange.mutate(callback.trim())}>
            {t('oauth.exchange')}
          </button>
          <ErrorBanner error={exchange.error} />
          {poll.data?.status === 'failed' && <div className="banner banner-error">{poll.data.error}</div>}
          {done && <div className="banner banner-ok">{t('oauth.done')}</div>}
        </>
      )}
    </div>
  );
}
