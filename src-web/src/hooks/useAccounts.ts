import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSchedulerBoard } from './useScheduler';
import {
  type Account,
  accountsApi,
  type AccountAction,
  type AccountPatch,
  type AccountQuery,
  type BatchEvent,
  type BatchKind,
  type ImportFormat,
  type ImportProgress,
  type ImportSummary,
} from '../api/accounts';

const KEY = ['accounts'] as const;

export function useAccounts(q: AccountQuery) {
  return useQuery({
    queryKey: [...KEY, q],
    queryFn: () => accountsApi.list(q),
    placeholderData: keepPreviousData,
    refetchInterval: 15_000,
  });
}

export function useAccount(id: number | null) {
  return useQuery({
    queryKey: [...KEY, 'detail', id],
    queryFn: () => accountsApi.get(id as number),
    enabled: id !== null,
  });
}

function useInvalidate() {
  const qc = useQueryClient();
  return () => Promise.all([qc.invalidateQueries({ queryKey: KEY }), qc.invalidateQueries({ queryKey: ['scheduler'] })]);
}

export function useAccountAction() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: ({ id, action }: { id: number; action: AccountAction | 'delete' | 'pin' | 'unpin' }) => {
      if (action === 'delete') return accountsApi.remove(id);
      if (action === 'pin') return accountsApi.pin(id);
      if (action === 'unpin') return accountsApi.unpin();
      return accountsApi.action(id, action);
    },
    onSettled: invalidate,
  });
}

export function useUpdateAccount() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: ({ id, patch }: { id: number; patch: AccountPatch }) => accountsApi.update(id, patch),
    onSettled: invalidate,
  });
}

/** Adding accounts with live progress; `progress` is the latest event, `summary` the report. */
export function useImport() {
  const invalidate = useInvalidate();
  const [progress, setProgress] = useState<ImportProgress | null>(null);
  const m = useMutation({
    mutationFn: async (
      input:
        | { kind: 'refresh'; tokens: string; proxyUrl: string }
        | { kind: 'access'; token: string; proxyUrl: string }
        | { kind: 'file'; files: File[]; format: ImportFormat | ''; proxyUrl: string },
    ): Promise<ImportSummary | undefined> => {
      setProgress(null);
      if (input.kind === 'access') {
        return accountsApi.addAccessToken({ access_token: input.token, proxy_url: input.proxyUrl || undefined });
      }
      const last =
        input.kind === 'refresh'
          ? await accountsApi.addRefreshTokens({ refresh_token: input.tokens, proxy_url: input.proxyUrl || undefined }, setProgress)
          : await accountsApi.importFile(input.files, input.format, input.proxyUrl, setProgress);
      if (last?.type === 'error') throw new Error('The import stopped on a server error; accounts already added are kept.');
      return last?.summary ?? (last as unknown as ImportSummary | undefined);
    },
    onSettled: invalidate,
  });
  return { ...m, progress, reset: () => { setProgress(null); m.reset(); } };
}

/** Batch actions with the server's per-account progress events. */
export function useBatch() {
  const invalidate = useInvalidate();
  const [events, setEvents] = useState<BatchEvent[]>([]);
  const m = useMutation({
    mutationFn: async ({ kind, ids, patch }: { kind: BatchKind; ids: number[]; patch?: AccountPatch }) => {
      setEvents([]);
      return accountsApi.batch(kind, ids, patch ?? {}, (e) => setEvents((prev) => [...prev, e]));
    },
    onSettled: invalidate,
  });
  return { ...m, events, last: events[events.length - 1] ?? null };
}

export function useAccountTest() {
  const [lines, setLines] = useState<string[]>([]);
  const m = useMutation({
    mutationFn: async (id: number) => {
      setLines([]);
      return accountsApi.test(id, (e) => {
        const text = e.error ?? e.text;
        if (text) setLines((prev) => [...prev, text]);
      });
    },
  });
  return { ...m, lines };
}

export function useAuthJson() {
  return useMutation({ mutationFn: (id: number) => accountsApi.authJson(id) });
}

/**
 * The account list joined with the scheduler board: tier, dispatch score, concurrency limit,
 * pin and cooldown come from the board; quota windows come with the account itself.
 */
export function useAccountsWithBoard(q: AccountQuery) {
  const list = useAccounts(q);
  const board = useSchedulerBoard();
  const rows = new Map((board.data?.accounts ?? []).map((r) => [r.account_id, r]));
  const accounts = (list.data?.accounts ?? []).map((a): Account => {
    const r = rows.get(a.id);
    if (!r) return a;
    return {
      ...a,
      health_tier: a.health_tier ?? r.tier,
      scheduler_score: a.scheduler_score ?? r.dispatch.total,
      max_concurrency: a.max_concurrency ?? r.concurrency_limit,
      pinned: a.pinned ?? r.pinned,
      last_error: a.last_error ?? (r.cooldown && r.cooldown.until > Date.now() ? `cooldown: ${r.cooldown.reason}` : null),
    };
  });
  return { list, board, data: list.data ? { ...list.data, accounts } : undefined };
}
