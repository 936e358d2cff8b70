/**
 * The least a policy can do to make the `priority` policy's decisions on bench:floor's
 * M/M/c model (one model, GPUs of one slot): a FIFO per class and a min-heap of idle
 * GPUs, no per-model heaps, free-slot index or watchers. bench:layers runs it in place
 * of `priority` to price what the general queue-policy machinery costs per request;
 * test/bench-layers.test.ts checks that both give the same records.
 *
 * Why the decisions match: late binding keeps GPU queues empty, so a GPU is free when
 * it runs nothing. An arrival that finds nothing waiting goes to the lowest-index idle
 * GPU (the most free slots, lowest index on ties); while anything waits every GPU is
 * busy, so a completion frees exactly one GPU and the first waiting request (high
 * before low, then by arrival) takes it.
 */
import type { Request } from '../sim/model/request.ts';
import { NO_DECISIONS, type Decision, type Policy } from '../sim/policy/policy.ts';

/** A FIFO of requests in an array with a head index (reset when it empties). */
class RequestFifo {
  private items: (Request | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(request: Request): void {
    this.items.push(request);
  }

  shift(): Request {
    const request = this.items[this.head]!;
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
    return request;
  }
}

/** A min-heap of GPU indices in an Int32Array. */
class IdleGpus {
  private readonly heap: Int32Array;
  private count = 0;

  constructor(gpus: number) {
    this.heap = new Int32Array(gpus);
    for (let g = 0; g < gpus; g++) this.push(g);
  }

  get size(): number {
    return this.count;
  }

  push(g: number): void {
    const heap = this.heap;
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent] <= g) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = g;
  }

  /** Removes and returns the lowest index (the heap must not be empty). */
  pop(): number {
    const heap = this.heap;
    const top = heap[0];
    const last = heap[--this.count];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.count) break;
      if (child + 1 < this.count && heap[child + 1] < heap[child]) child++;
      if (last <= heap[child]) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

export class DirectPriorityPolicy implements Policy {
  readonly name = 'direct-priority';
  private readonly idle: IdleGpus;
  private readonly high = new RequestFifo();
  private readonly low = new RequestFifo();

  constructor(gpus: number) {
    this.idle = new IdleGpus(gpus);
  }

  onArrival(request: Request): readonly Decision[] {
    if (this.idle.size > 0) return [{ kind: 'dispatch', request, gpu: this.idle.pop() }];
    (request.priority === 'high' ? this.high : this.low).push(request);
    return NO_DECISIONS;
  }

  onCompletion(request: Request): readonly Decision[] {
    const next = this.high.length > 0 ? this.high.shift() : this.low.length > 0 ? this.low.shift() : undefined;
    if (next === undefined) {
      this.idle.push(request.gpu);
      return NO_DECISIONS;
    }
    return [{ kind: 'dispatch', request: next, gpu: request.gpu }];
  }
}
