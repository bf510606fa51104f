import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { keysApi, type KeyInput } from '../api/keys';

const KEY = ['keys'] as const;

export function useKeys() {
  return useQuery({ queryKey: KEY, queryFn: keysApi.list });
}

export function useCreateKey() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (input: KeyInput) => keysApi.create(input), onSettled: () => qc.invalidateQueries({ queryKey: KEY }) });
}

export function useUpdateKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id: number; input: KeyInput }) => keysApi.update(id, input),
    onSettled: () => qc.invalidateQueries({ queryKey: KEY }),
  });
}

export function useDeleteKey() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: (id: number) => keysApi.remove(id), onSettled: () => qc.invalidateQueries({ queryKey: KEY }) });
}
