import { describe, expect, it } from 'vitest';
import { InternalError } from '../sim/core/errors.ts';
import { Request } from '../sim/model/request.ts';
import { transition } from '../sim/model/request-state.ts';
import { modelProfile } from './helpers.ts';

describe('guarded request state (transition)', () => {
  const request = () => new Request(4, 0, modelProfile({ name: 'm' }), 1, 'high', 10, 1, 1, 1);

  it('moves a request that is where the move starts', () => {
    const r = request();
    transition(r, 'waiting', 'gpu-queued');
    transition(r, 'gpu-queued', 'transfer-in');
    expect(r.state).toBe('transfer-in');
  });

  it('fails as a bug on a move from a state the request is not in, and leaves it there', () => {
    const r = request();
    expect(() => transition(r, 'executing', 'transfer-out')).toThrow(InternalError);
    expect(() => transition(r, 'executing', 'transfer-out')).toThrow('request 4 moving to transfer-out: expected state executing, got waiting');
    expect(r.state).toBe('waiting');
  });
});
