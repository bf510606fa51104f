import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { RANGES, type LogFilters, type Range, type UsageLog } from '../../api/usage';
import { ErrorBanner } from '../../components/common/ErrorBanner';
import { Loading } from '../../components/common/Loading';
import { Pager } from '../../components/common/Pager';
import { UsageCharts } from '../../components/usage/Charts';
import { ModelRanking } from '../../components/usage/ModelRanking';
import { RangePicker } from '../../components/usage/RangePicker';
import { LogDetail } from '../../components/usage/LogDetail';
import { LogFiltersBar } from '../../components/usage/LogFiltersBar';
import { LogsTable } from '../../components/usage/LogsTable';
import { useChartData, useCleanupLogs, useExportCsv, useUsageLogs } from '../../hooks/useUsage';

const PAGE_SIZE = 50;

export function UsagePage() {
  const { t } = useTranslation();
  const [range, setRange] = useState<Range>('24h');
  const [filters, setFilters] = useState<LogFilters>({});
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<UsageLog | null>(null);
  const chart = useChartData(range);
  const logs = useUsageLogs({ ...filters, page, page_size: PAGE_SIZE });
  const exportCsv = useExportCsv();
  const cleanup = useCleanupLogs();

  const clear = () => {
    if (window.confirm(t('usage.confirmCleanup'))) cleanup.mutate(undefined);
  };

  return (
    <section className="page">
      <header className="page-head">
        <h1>{t('nav.usage')}</h1>
        <RangePicker value={range} onChange={setRange} ranges={RANGES} />
      </header>
      <ErrorBanner error={chart.error} onRetry={() => void chart.refetch()} />
      {chart.data && <UsageCharts data={chart.data} />}
      {chart.data && <ModelRanking models={chart.data.model_ranking} />}
      <h2>{t('usage.logs')}</h2>
      <LogFiltersBar
        value={filters}
        onChange={(f) => {
          setFilters(f);
          setPage(1);
        }}
      >
        <button type="button" className="btn" onClick={() => exportCsv.mutate({ ...filters })} disabled={exportCsv.isPending}>
          {t('usage.export')}
        </button>
        <button type="button" className="btn btn-danger" onClick={clear} disabled={cleanup.isPending}>
          {t('usage.cleanup')}
        </button>
      </LogFiltersBar>
      <ErrorBanner error={logs.error ?? exportCsv.error ?? cleanup.error} onRetry={() => void logs.refetch()} />
      {cleanup.data && <div className="banner banner-ok">{cleanup.data.message}</div>}
      {logs.isLoading ? (
        <Loading />
      ) : (
        logs.data && (
          <>
            <LogsTable logs={logs.data.items} onOpen={setOpen} />
            <Pager page={page} pageSize={PAGE_SIZE} total={logs.data.total} onPage={setPage} />
          </>
        )
      )}
      {open && <LogDetail log={open} onClose={() => setOpen(null)} />}
    </section>
  );
}
