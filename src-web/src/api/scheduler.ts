import { request } from './client';
import type { Board } from './generated/Board';
import type { BoardRow } from './generated/BoardRow';

export type { Board, BoardRow };

export const schedulerApi = {
  board: () => request<Board>('/scheduler/board'),
};
