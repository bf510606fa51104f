import { useTranslation } from 'react-i18next';
import type { BatchEvent } from '../../api/accounts';

export type BatchChoice = 'refresh' | 'enable' | 'disable' | 'pause' | 'resume' | 'delete';

export function BatchBar({ count, onRun, busy }: { count: number; onRun: (c: BatchChoice) => void; busy: boolean }) {
  const { t } = useTranslation();
  if (count === 0) return null;
  const choices: BatchChoice[] = ['refresh', 'enable', 'disable', 'pause', 'resume', 'delete'];
  return (
    <div className="batch-bar" data-testid="batch-bar">
      <span>{t('accounts.selected', { count })}</span>
      {choices.map((c) => (
        <button key={c} type="button" className={`btn btn-small${c === 'delete' ? ' btn-danger' : ''}`} disabled={busy} onClick={() => onRun(c)}>
          {t(`accounts.action.${c}`)}
        </button>
      ))}
    </div>
  );
}

/** Live progress of a batch: a bar and the per-account failures. */
export function BatchProgress({ events }: { events: BatchEvent[] }) {
  const { t } = useTranslation();
  const last = events[events.length - 1];
  if (!last) return null;
  const pct = last.total ? Math.round((last.current / last.total) * 100) : 100;
  const failures = events.filter((e) => e.type === 'progress' && e.error);
  return (
    <div className="card batch-progress" data-testid="batch-progress">
      <div className="progress">
        <div className="progress-fill" style={{ width: `${pct}%` }} />
        <span className="progress-text">
          {t('batch.progress', { action: last.action, current: last.current, total: last.total, success: last.success, failed: last.failed })}
          {last.type === 'complete' ? ` — ${t('batch.done')}` : ''}
        </span>
      </div>
      {failures.map((f) => (
        <div key={`${f.account_id}-${f.current}`} className="muted small">
          #{f.account_id}: {f.error}
        </div>
      ))}
    </div>
  );
}
