import { useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { oauthApi, type LoginStart } from '../api/oauth';

export function useOAuthLogin() {
  const qc = useQueryClient();
  const [session, setSession] = useState<LoginStart | null>(null);
  const start = useMutation({ mutationFn: () => oauthApi.start(), onSuccess: setSession });
  const exchange = useMutation({
    mutationFn: (callbackUrl: string) => oauthApi.exchange(session?.session_id ?? '', callbackUrl),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['accounts'] }),
  });
  const poll = useQuery({
    queryKey: ['oauth', session?.session_id],
    queryFn: () => oauthApi.poll(session?.session_id ?? ''),
    enabled: !!session?.callback_listener && !exchange.isSuccess,
    refetchInterval: 2000,
    retry: false,
  });
  const completed = poll.data?.status === 'completed';
  useEffect(() => {
    if (completed) void qc.invalidateQueries({ queryKey: ['accounts'] });
  }, [completed, qc]);
  return { session, start, exchange, poll };
}
