import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { usageApi, type LogFilters, type Range } from '../api/usage';

export function useDashboardStats() {
  return useQuery({ queryKey: ['stats'], queryFn: usageApi.dashboardStats, refetchInterval: 15_000, retry: false });
}

export function useUsageStats(range: Range) {
  return useQuery({ queryKey: ['usage', 'stats', range], queryFn: () => usageApi.stats(range), refetchInterval: 15_000, retry: false });
}

export function useChartData(range: Range) {
  return useQuery({ queryKey: ['usage', 'chart', range], queryFn: () => usageApi.chart(range), refetchInterval: 30_000, retry: false });
}

export function useUsageLogs(f: LogFilters) {
  return useQuery({ queryKey: ['usage', 'logs', f], queryFn: () => usageApi.logs(f), placeholderData: keepPreviousData, retry: false });
}

export function useOpsOverview() {
  return useQuery({ queryKey: ['ops'], queryFn: usageApi.opsOverview, refetchInterval: 15_000, retry: false });
}

export function useExportCsv() {
  return useMutation({ mutationFn: (f: LogFilters) => usageApi.exportCsv(f) });
}

export function useCleanupLogs() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (days?: number) => usageApi.cleanup(days),
    onSettled: () => qc.invalidateQueries({ queryKey: ['usage'] }),
  });
}
