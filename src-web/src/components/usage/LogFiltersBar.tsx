import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { LogFilters } from '../../api/usage';

export function LogFiltersBar({ value, onChange, children }: { value: LogFilters; onChange: (f: LogFilters) => void; children?: ReactNode }) {
  const { t } = useTranslation();
  const set = (patch: Partial<LogFilters>) => onChange({ ...value, ...patch });
  return (
    <div className="toolbar" data-testid="log-filters">
      <input placeholder={t('usage.col.model')} value={value.model ?? ''} onChange={(e) => set({ model: e.target.value || undefined })} />
      <select aria-label={t('usage.col.status')} value={value.status ?? ''} onChange={(e) => set({ status: e.target.value as LogFilters['status'] })}>
        <option value="">{t('usage.filter.allStatus')}</option>
        <option value="success">{t('usage.filter.success')}</option>
        <option value="errors">{t('usage.filter.errors')}</option>
      </select>
      <select aria-label="stream" value={value.stream ?? ''} onChange={(e) => set({ stream: e.target.value as LogFilters['stream'] })}>
        <option value="">{t('usage.filter.anyStream')}</option>
        <option value="true">{t('usage.filter.stream')}</option>
        <option value="false">{t('usage.filter.nonStream')}</option>
      </select>
      <input className="narrow" placeholder={t('usage.filter.accountId')} value={value.account_id ?? ''} onChange={(e) => set({ account_id: e.target.value || undefined })} />
      <input className="narrow" placeholder={t('usage.filter.keyId')} value={value.api_key_id ?? ''} onChange={(e) => set({ api_key_id: e.target.value || undefined })} />
      <span className="spacer" />
      {children}
    </div>
  );
}
