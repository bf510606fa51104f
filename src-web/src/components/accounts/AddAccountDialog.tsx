import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ImportFormat } from '../../api/accounts';
import { useImport } from '../../hooks/useAccounts';
import { ErrorBanner } from '../common/ErrorBanner';
import { Modal } from '../common/Modal';
import { FileDrop } from './FileDrop';
import { ImportProgressBar, ImportReport } from './ImportReport';
import { OAuthLogin } from './OAuthLogin';

type Tab = 'refresh' | 'access' | 'file' | 'oauth';

export function AddAccountDialog({ onClose, initialTab = 'refresh' }: { onClose: () => void; initialTab?: Tab }) {
  const { t } = useTranslation();
  const [tab, setTab] = useState<Tab>(initialTab);
  const [text, setText] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [format, setFormat] = useState<ImportFormat | ''>('');
  const [proxyUrl, setProxyUrl] = useState('');
  const [localError, setLocalError] = useState<string | null>(null);
  const imp = useImport();

  const switchTab = (next: Tab) => {
    setTab(next);
    setLocalError(null);
    imp.reset();
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setLocalError(null);
    if (tab === 'file') {
      if (!files.length) return setLocalError(t('import.noFile'));
      imp.mutate({ kind: 'file', files, format, proxyUrl });
    } else if (tab === 'refresh' || tab === 'access') {
      if (!text.trim()) return setLocalError(t('import.noToken'));
      imp.mutate(tab === 'refresh' ? { kind: 'refresh', tokens: text, proxyUrl } : { kind: 'access', token: text.trim(), proxyUrl });
    }
  };

  return (
    <Modal title={t('import.title')} onClose={onClose} wide>
      <div className="tabs" role="tablist">
        {(['refresh', 'access', 'file', 'oauth'] as Tab[]).map((k) => (
          <button key={k} type="button" role="tab" aria-selected={tab === k} className={`tab${tab === k ? ' active' : ''}`} onClick={() => switchTab(k)}>
            {t(`import.tab.${k}`)}
          </button>
        ))}
      </div>
      {tab === 'oauth' ? (
        <OAuthLogin />
      ) : (
        <form onSubmit={submit} className="stack">
          {tab === 'file' ? (
            <>
              <FileDrop files={files} onFiles={setFiles} />
              <label className="field">
                <span>{t('import.format')}</span>
                <select value={format} onChange={(e) => setFormat(e.target.value as ImportFormat | '')}>
                  <option value="">{t('import.formatAuto')}</option>
                  <option value="txt">{t('import.formats.txt')}</option>
                  <option value="json">{t('import.formats.json')}</option>
                  <option value="at_txt">{t('import.formats.at_txt')}</option>
                  <option value="json_at">{t('import.formats.json_at')}</option>
                </select>
              </label>
            </>
          ) : (
            <label className="field">
              <span>{tab === 'refresh' ? t('import.refreshTokens') : t('import.accessToken')}</span>
              <textarea rows={6} value={text} onChange={(e) => setText(e.target.value)} placeholder={tab === 'refresh' ? t('import.refreshHint') : ''} />
            </label>
          )}
          {(tab === 'refresh' || tab === 'file') && (
            <p className="banner banner-warn" role="note">
              {t('import.rotationWarning')}
            </p>
          )}
          <label className="field">
            <span>{t('import.proxy')}</span>
            <input value={proxyUrl} onChange={(e) => setProxyUrl(e.target.value)} placeholder="socks5://host:1080" />
          </label>
          {localError && (
            <div className="banner banner-error" role="alert">
              {localError}
            </div>
          )}
          <ErrorBanner error={imp.error} />
          <ImportProgressBar progress={imp.progress} />
          {imp.data && <ImportReport summary={imp.data} />}
          <div className="row-end">
            <button type="button" className="btn" onClick={onClose}>
              {t('common.close')}
            </button>
            <button type="submit" className="btn btn-primary" disabled={imp.isPending}>
              {imp.isPending ? t('common.working') : t('import.submit')}
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}
