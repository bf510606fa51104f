import { request } from './client';

export type BoardRow = Record<string, unknown>;

export interface Board {
  accounts: BoardRow[];
  summary: Record<string, unknown>;
}

export const schedulerApi = {
  board: async (): Promise<Board> => {
    const body = await request<Record<string, unknown> | BoardRow[]>('/scheduler/board');
    if (Array.isArray(body)) return { accounts: body, summary: {} };
    const accounts = (body.accounts ?? body.rows ?? body.items ?? []) as BoardRow[];
    const summary = { ...body } as Record<string, unknown>;
    delete summary.accounts;
    delete summary.rows;
    delete summary.items;
    return { accounts, summary };
  },
};
