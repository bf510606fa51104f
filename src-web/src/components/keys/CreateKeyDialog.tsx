import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { KeyInput } from '../../api/keys';
import { useCreateKey } from '../../hooks/useKeys';
import { CopyButton } from '../common/CopyButton';
import { ErrorBanner } from '../common/ErrorBanner';
import { Modal } from '../common/Modal';

const LIMITS = ['rpm', 'max_concurrency', 'token_quota', 'expires_in_days'] as const;
type LimitField = (typeof LIMITS)[number];

export function CreateKeyDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const create = useCreateKey();
  const [name, setName] = useState('');
  const [models, setModels] = useState('');
  const [limits, setLimits] = useState<Record<LimitField, string>>({ rpm: '', max_concurrency: '', token_quota: '', expires_in_days: '' });
  const [error, setError] = useState<string | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const input: KeyInput = { name: name.trim() || undefined };
    for (const f of LIMITS) {
      const raw = limits[f].trim();
      if (!raw) continue;
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 0) return setError(t('keys.invalidLimit', { field: t(`keys.field.${f}`) }));
      input[f] = n;
    }
    const list = models.split(/[,\n]/).map((m) => m.trim()).filter(Boolean);
    if (list.length) input.allowed_models = list;
    create.mutate(input);
  };

  const created = create.data;
  return (
    <Modal title={t('keys.create')} onClose={onClose}>
      {created ? (
        <div className="stack" data-testid="created-key">
          <div className="banner banner-warn">{t('keys.shownOnce')}</div>
          <div className="code-line">
            <code data-testid="new-key">{created.key}</code>
            <CopyButton text={created.key} />
          </div>
          <div className="row-end">
            <button type="button" className="btn btn-primary" onClick={onClose}>
              {t('common.done')}
            </button>
          </div>
        </div>
      ) : (
        <form className="stack" onSubmit={submit}>
          <label className="field">
            <span>{t('keys.field.name')}</span>
            <input value={name} onChange={(e) => setName(e.target.value)} placeholder={t('keys.namePlaceholder')} />
          </label>
          <div className="grid-2">
            {LIMITS.map((f) => (
              <label key={f} className="field">
                <span>{t(`keys.field.${f}`)}</span>
                <input inputMode="numeric" value={limits[f]} placeholder={t('keys.unlimited')} onChange={(e) => setLimits({ ...limits, [f]: e.target.value })} />
              </label>
            ))}
          </div>
          <label className="field">
            <span>{t('keys.field.allowed_models')}</span>
            <input value={models} onChange={(e) => setModels(e.target.value)} placeholder="gpt-5, claude-*" />
          </label>
          {error && (
            <div className="banner banner-error" role="alert">
              {error}
            </div>
          )}
          <ErrorBanner error={create.error} />
          <div className="row-end">
            <button type="button" className="btn" onClick={onClose}>
              {t('common.cancel')}
            </button>
            <button type="submit" className="btn btn-primary" disabled={create.isPending}>
              {t('keys.createSubmit')}
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}
