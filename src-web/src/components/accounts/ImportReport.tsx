import { useTranslation } from 'react-i18next';
import type { ImportProgress, ImportSummary } from '../../api/accounts';

export function ImportProgressBar({ progress }: { progress: ImportProgress | null }) {
  const { t } = useTranslation();
  if (!progress || progress.total === 0) return null;
  const pct = Math.round((progress.current / progress.total) * 100);
  return (
    <div className="progress" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
      <div className="progress-fill" style={{ width: `${pct}%` }} />
      <span className="progress-text">
        {t('import.progress', { current: progress.current, total: progress.total, success: progress.success, failed: progress.failed })}
      </span>
    </div>
  );
}

/** The per-line result of an import: what was added, updated, or failed and why. */
export function ImportReport({ summary }: { summary: ImportSummary }) {
  const { t } = useTranslation();
  return (
    <div className="report" data-testid="import-report">
      <div className="report-summary">
        <span className="badge good">{t('import.added', { count: summary.added })}</span>
        <span className="badge info">{t('import.updated', { count: summary.updated })}</span>
        <span className="badge muted">{t('import.duplicate', { count: summary.duplicate })}</span>
        <span className={`badge ${summary.failed ? 'bad' : 'muted'}`}>{t('import.failed', { count: summary.failed })}</span>
      </div>
      {summary.results.length > 0 && (
        <table className="table compact">
          <thead>
            <tr>
              <th>{t('import.line')}</th>
              <th>{t('import.outcome')}</th>
              <th>{t('import.detail')}</th>
            </tr>
          </thead>
          <tbody>
            {summary.results.map((r) => (
              <tr key={`${r.position}-${r.outcome}`} className={r.outcome === 'failed' ? 'row-bad' : undefined}>
                <td>{r.position}</td>
                <td>{t(`import.outcomes.${r.outcome}`)}</td>
                <td>{r.error ?? r.email ?? (r.account_id !== null ? `#${r.account_id}` : '')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
