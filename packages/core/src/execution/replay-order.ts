/**
 * Releases replayed step outcomes in the order they first completed (a checkpoint's time, a timer's wake
 * time; ties by position), one per event-loop turn: between two releases the body's continuations run and
 * may ask for an earlier one. So `Promise.race`, `Promise.any` and the first rejection of `Promise.all`
 * settle on replay as they did the first time.
 */
export class ReplayOrder {
  /** A binary min-heap by (completedAt, seq): replaying a Promise.all of 10 000 steps stays O(n log n). */
  private readonly heap: ReplayTurn[] = [];

  /** Resolves when it is this outcome's turn. */
  turn(completedAt: number, seq: number): Promise<void> {
    return new Promise((release) => {
      heapPush(this.heap, { completedAt, seq, release });
      if (this.heap.length === 1) setImmediate(() => this.releaseNext());
    });
  }

  private releaseNext(): void {
    heapPop(this.heap)?.release();
    if (this.heap.length > 0) setImmediate(() => this.releaseNext());
  }
}

interface ReplayTurn {
  completedAt: number;
  seq: number;
  release: () => void;
}

const before = (a: ReplayTurn, b: ReplayTurn) => a.completedAt < b.completedAt || (a.completedAt === b.completedAt && a.seq < b.seq);

function heapPush(heap: ReplayTurn[], item: ReplayTurn): void {
  heap.push(item);
  for (let i = heap.length - 1; i > 0; ) {
    const parent = (i - 1) >> 1;
    if (!before(heap[i]!, heap[parent]!)) break;
    [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
    i = parent;
  }
}

function heapPop(heap: ReplayTurn[]): ReplayTurn | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length > 0 && last) {
    heap[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  }
  return top;
}
