import { useTranslation } from 'react-i18next';
import { ErrorBanner } from '../../components/common/ErrorBanner';
import { Loading } from '../../components/common/Loading';
import { StatCard } from '../../components/common/StatCard';
import { BoardTable } from '../../components/scheduler/BoardTable';
import { useSchedulerBoard } from '../../hooks/useScheduler';
import { useAccountAction } from '../../hooks/useAccounts';

export function SchedulerPage() {
  const { t } = useTranslation();
  const board = useSchedulerBoard();
  const unpin = useAccountAction();
  const b = board.data;
  const pinned = b?.accounts.find((a) => a.pinned);
  return (
    <section className="page">
      <header className="page-head">
        <h1>{t('nav.scheduler')}</h1>
      </header>
      <p className="muted">{t('scheduler.intro')}</p>
      <ErrorBanner error={board.error ?? unpin.error} onRetry={() => void board.refetch()} />
      {board.isLoading && <Loading />}
      {b && (
        <>
          <div className="grid-cards">
            <StatCard label={t('scheduler.summary.total')} value={String(b.accounts.length)} />
            <StatCard label={t('scheduler.summary.available')} value={String(b.accounts.filter((a) => a.status === 'ready').length)} />
            <StatCard label={t('scheduler.summary.risky')} value={String(b.accounts.filter((a) => a.tier === 'risky' || a.tier === 'banned').length)} />
            <StatCard label={t('scheduler.summary.affinity')} value={b.affinity_mode} />
            <div className="card stat">
              <div className="stat-label">{t('scheduler.summary.pinned')}</div>
              <div className="stat-value">{pinned ? pinned.name : t('scheduler.automatic')}</div>
              {pinned && (
                <button type="button" className="btn btn-small" onClick={() => unpin.mutate({ id: pinned.account_id, action: 'unpin' }, { onSettled: () => void board.refetch() })}>
                  {t('accounts.action.unpin')}
                </button>
              )}
            </div>
          </div>
          <BoardTable rows={b.accounts} />
        </>
      )}
    </section>
  );
}
