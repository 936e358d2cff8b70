import { bug } from '../core/errors.ts';
import type { Request, RequestState } from './request.ts';

/**
 * The legal moves of a request's life, from each state (see RequestState). The type
 * checker holds every call of transition() to this table, so an illegal edge does not
 * compile; at run time only the `from` state is checked, one comparison.
 */
export interface NextState {
  waiting: 'gpu-queued' | 'transfer-in' | 'executing' | 'dropped' | 'rejected';
  'gpu-queued': 'transfer-in' | 'executing' | 'dropped';
  'transfer-in': 'executing' | 'waiting';
  executing: 'transfer-out' | 'waiting';
  'transfer-out': 'done' | 'waiting';
  done: never;
  dropped: never;
  rejected: never;
}

/**
 * Moves a request from `from` to `to`; a request that is not in `from` is a bug in its
 * driver (not in a policy: the decision applier checks what policies ask before any move).
 */
export function transition<From extends RequestState>(request: Request, from: From, to: NextState[From]): void {
  if (request.state !== from) bug(`request ${request.id} moving to ${to}: expected state ${from}, got ${request.state}`);
  request.state = to;
}
