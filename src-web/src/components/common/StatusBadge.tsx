import { useTranslation } from 'react-i18next';

const TONE: Record<string, string> = {
  ready: 'good',
  busy: 'warn',
  paused: 'warn',
  disabled: 'muted',
  deleted: 'muted',
  reauth_required: 'bad',
  cooling: 'warn',
  quota_paused: 'warn',
};

export function StatusBadge({ status, reason }: { status: string; reason?: string | null }) {
  const { t } = useTranslation();
  return (
    <span className={`badge ${TONE[status] ?? 'muted'}`} title={reason ?? undefined}>
      {t(`status.${status}`, { defaultValue: status })}
    </span>
  );
}
