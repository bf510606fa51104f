import { useQuery } from '@tanstack/react-query';
import { platform } from '../platform';

/** The origin clients should point at (same origin on the web, the shell's URL on desktop). */
export function usePublicOrigin() {
  return useQuery({ queryKey: ['public-origin'], queryFn: () => platform().publicOrigin(), staleTime: Infinity });
}
