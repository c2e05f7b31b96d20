/**
 * Which of several waits for a signal of one name in an execution may take the next signal: the latest one
 * the body made. A wait that lost a race (`Promise.race([waitForSignal('x'), sleep('1h')])` in a loop) stays
 * pending, and would otherwise take, on a later replay, the signal sent for the wait the body makes now.
 *
 * A wait asks for its turn; turns are given once the body has settled: the replay of recorded steps is over
 * and an event-loop turn passed with no new step taken (every wait the body is about to make, it has made).
 * Then, per name, the latest wait tries to receive, and the others do not (they wait for a signal, or their
 * deadline, in a later execution, when they may be the latest).
 */
export class ReceiveOrder {
  private readonly waiting = new Map<string, Array<{ seq: number; go(latest: boolean): void }>>();
  private scheduled = false;
  private stepsSeen = -1;

  constructor(
    /** Whether recorded steps are still being replayed. */
    private readonly replaying: () => boolean,
    /** How many positions the body has taken so far. */
    private readonly stepsTaken: () => number,
  ) {}

  /** Resolves true when this wait is the latest of its name once the body has settled, else false. */
  turn(name: string, seq: number): Promise<boolean> {
    return new Promise((go) => {
      let list = this.waiting.get(name);
      if (!list) this.waiting.set(name, (list = []));
      list.push({ seq, go });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.decide());
  }

  private decide(): void {
    this.scheduled = false;
    const taken = this.stepsTaken();
    if (this.replaying() || taken !== this.stepsSeen) {
      this.stepsSeen = taken;
      this.schedule();
      return;
    }
    for (const [name, list] of this.waiting) {
      this.waiting.delete(name);
      list.sort((a, b) => b.seq - a.seq);
      list.forEach((wait, i) => wait.go(i === 0));
    }
  }
}
