import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { usageApi, type LogFilters, type Range } from '../api/usage';

export function useDashboardStats() {
  return useQuery({ queryKey: ['stats'], queryFn: usageApi.dashboardStats, refetchInterval: 15_000 });
}

export function useUsageStats() {
  return useQuery({ queryKey: ['usage', 'stats'], queryFn: usageApi.stats, refetchInterval: 15_000 });
}

export function useChartData(range: Range) {
  return useQuery({ queryKey: ['usage', 'chart', range], queryFn: () => usageApi.chart(range), refetchInterval: 30_000 });
}

export function useUsageLogs(f: LogFilters) {
  return useQuery({ queryKey: ['usage', 'logs', f], queryFn: () => usageApi.logs(f), placeholderData: keepPreviousData, refetchInterval: 15_000 });
}

export function useOpsOverview() {
  return useQuery({ queryKey: ['ops'], queryFn: usageApi.opsOverview, refetchInterval: 15_000 });
}

export function useExportCsv() {
  return useMutation({ mutationFn: (f: LogFilters) => usageApi.exportCsv(f) });
}

export function useCleanupLogs() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (before?: string) => usageApi.cleanup(before),
    onSettled: () => qc.invalidateQueries({ queryKey: ['usage'] }),
  });
}
