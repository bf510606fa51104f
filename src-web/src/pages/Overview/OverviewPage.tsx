import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { RANGES, type Range } from '../../api/usage';
import { ErrorBanner } from '../../components/common/ErrorBanner';
import { StatCard } from '../../components/common/StatCard';
import { PoolRunway } from '../../components/overview/PoolRunway';
import { UsageCharts } from '../../components/usage/Charts';
import { ModelRanking } from '../../components/usage/ModelRanking';
import { RangePicker } from '../../components/usage/RangePicker';
import { useAccountsWithBoard } from '../../hooks/useAccounts';
import { useChartData, useDashboardStats, useUsageStats } from '../../hooks/useUsage';
import { fmtCompact, fmtMs, fmtNumber, fmtPercent } from '../../lib/format';

export function OverviewPage() {
  const { t } = useTranslation();
  const [range, setRange] = useState<Range>('24h');
  const pool = useDashboardStats();
  const usage = useUsageStats();
  const chart = useChartData(range);
  const accounts = useAccountsWithBoard({ page: 1, page_size: 200 });
  const p = pool.data;
  const u = usage.data;
  return (
    <section className="page">
      <header className="page-head">
        <h1>{t('nav.overview')}</h1>
        <RangePicker value={range} onChange={setRange} ranges={RANGES} />
      </header>
      <ErrorBanner error={pool.error ?? usage.error} onRetry={() => { void pool.refetch(); void usage.refetch(); }} />
      <div className="grid-cards" data-testid="overview-cards">
        <StatCard label={t('overview.available')} value={p ? `${p.available} / ${p.total}` : '—'} hint={p ? t('overview.poolHint', { limited: p.rate_limited, error: p.error }) : undefined} />
        <StatCard label={t('overview.requestsToday')} value={fmtNumber(u?.today_requests ?? p?.today_requests)} hint={u ? t('overview.totalHint', { n: fmtCompact(u.total_requests) }) : undefined} />
        <StatCard label={t('overview.tokensToday')} value={fmtCompact(u?.today_tokens)} hint={u ? t('overview.totalHint', { n: fmtCompact(u.total_tokens) }) : undefined} />
        <StatCard label={t('overview.errorRate')} value={fmtPercent(u ? u.error_rate * 100 : null)} hint={u ? t('overview.errorsToday', { n: u.today_errors }) : undefined} />
        <StatCard label={t('overview.latency')} value={fmtMs(u?.avg_duration_ms)} hint={u ? t('overview.firstToken', { v: fmtMs(u.avg_first_token_ms) }) : undefined} />
        <StatCard label={t('overview.throughput')} value={u ? `${u.rpm} rpm` : '—'} hint={u ? `${fmtCompact(u.tpm)} tpm` : undefined} />
      </div>
      <ErrorBanner error={chart.error} onRetry={() => void chart.refetch()} />
      {chart.data && <UsageCharts data={chart.data} />}
      <div className="grid-2">
        <ModelRanking models={chart.data?.model_ranking ?? []} />
        <PoolRunway accounts={accounts.data?.accounts ?? []} />
      </div>
    </section>
  );
}
