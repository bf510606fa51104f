import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { settingsApi } from '../api/settings';

export function useSettings() {
  return useQuery({ queryKey: ['settings'], queryFn: settingsApi.get, retry: false });
}

export function useSaveSettings() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (values: Record<string, unknown>) => settingsApi.put(values),
    onSuccess: (data) => qc.setQueryData(['settings'], data),
  });
}
