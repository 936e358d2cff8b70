import type { Request } from '../model/request.ts';
import { bug } from '../core/errors.ts';

/**
 * The requests waiting for a decision, in the order they became waiting: a doubly
 * linked list threaded through the requests themselves. Adding and removing cost no
 * hashing and allocate nothing; a Set did both on every arrival and dispatch (its
 * deletions make it rehash). Read-only to policies, as a ReadonlySet.
 */
export class WaitingList implements ReadonlySet<Request> {
  private head: Request | undefined = undefined;
  private tail: Request | undefined = undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(request: Request): boolean {
    return request.waitingIn === this;
  }

  /** Appends a request; one already in this list stays where it is. */
  add(request: Request): this {
    if (request.waitingIn === this) return this;
    if (request.waitingIn !== undefined) bug(`waiting list add of request ${request.id}: expected a request in no waiting list, got one in another waiting list`);
    request.waitingIn = this;
    request.waitingPrev = this.tail;
    request.waitingNext = undefined;
    if (this.tail === undefined) this.head = request;
    else this.tail.waitingNext = request;
    this.tail = request;
    this.count++;
    return this;
  }

  /** Removes a request; returns whether it was in the list. */
  delete(request: Request): boolean {
    if (request.waitingIn !== this) return false;
    const prev = request.waitingPrev;
    const next = request.waitingNext;
    if (prev === undefined) this.head = next;
    else prev.waitingNext = next;
    if (next === undefined) this.tail = prev;
    else next.waitingPrev = prev;
    request.waitingIn = request.waitingPrev = request.waitingNext = undefined;
    this.count--;
    return true;
  }

  forEach(callback: (value: Request, key: Request, set: ReadonlySet<Request>) => void, thisArg?: unknown): void {
    for (const request of this) callback.call(thisArg, request, request, this);
  }

  /** In order; a request removed during iteration does not end it. */
  *values(): SetIterator<Request> {
    let request = this.head;
    while (request !== undefined) {
      const next = request.waitingNext;
      yield request;
      request = next;
    }
  }

  keys(): SetIterator<Request> {
    return this.values();
  }

  *entries(): SetIterator<[Request, Request]> {
    for (const request of this) yield [request, request];
  }

  [Symbol.iterator](): SetIterator<Request> {
    return this.values();
  }
}
