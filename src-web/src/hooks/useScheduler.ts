import { useQuery } from '@tanstack/react-query';
import { schedulerApi } from '../api/scheduler';

export function useSchedulerBoard() {
  return useQuery({ queryKey: ['scheduler', 'board'], queryFn: schedulerApi.board, refetchInterval: 5_000, retry: false });
}
