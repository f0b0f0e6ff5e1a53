/** Gives back a slot; calling it more than once does nothing. */
export type Release = () => void;

interface Waiter {
  weight: number;
  admit: (release: Release) => void;
  refuse: (reason: unknown) => void;
}

/**
 * A semaphore with two budgets and a bounded FIFO queue, in front of the worker threads: at most
 * `maxRunning` operations, and at most `maxWeight` of their combined weight (the pool weighs an
 * operation by the pixels it declares, so small photos can run several to a core while large ones,
 * which hold far more memory each, run fewer at once). An operation heavier than the whole weight
 * budget still runs, alone, once nothing else does: the pixel limit per image bounds it.
 *
 * It is ours rather than piscina's maxQueue because piscina counts starting threads as queue capacity,
 * keeps tasks with an abort signal in a separate, uncounted queue, and ends a running task's abort by
 * terminating its thread. Here a full queue refuses at once, a waiter whose signal aborts leaves the
 * queue without ever starting, and a slot is only given back when the worker is really done. Waiters
 * are admitted in arrival order only: a light one never overtakes a heavy one, which would starve it.
 */
export class AdmissionQueue {
  readonly #maxRunning: number;
  readonly #maxQueued: number;
  readonly #maxWeight: number;
  readonly #waiting: Waiter[] = [];
  #running = 0;
  #weight = 0;

  constructor(maxRunning: number, maxQueued: number, maxWeight = Infinity) {
    this.#maxRunning = maxRunning;
    this.#maxQueued = maxQueued;
    this.#maxWeight = maxWeight;
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  /** Combined weight of the running operations. */
  get runningWeight(): number {
    return this.#weight;
  }

  /**
   * Resolves with a release once there is room for `weight`: at once when there is and nobody waits,
   * else in arrival order. Rejects at once with `whenFull()` when the queue is full, and with the
   * signal's reason if it aborts first.
   */
  acquire(signal: AbortSignal, whenFull: () => unknown, weight = 0): Promise<Release> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#waiting.length === 0 && this.#fits(weight)) return Promise.resolve(this.#take(weight));
    if (this.#waiting.length >= this.#maxQueued) return Promise.reject(whenFull());
    return new Promise<Release>((resolve, reject) => {
      const onAbort = (): void => {
        this.#remove(waiter);
        reject(signal.reason);
        // A heavy waiter at the head may have been holding back lighter ones that fit now.
        this.#admitWaiting();
      };
      const waiter: Waiter = {
        weight,
        admit: (release) => {
          signal.removeEventListener('abort', onAbort);
          resolve(release);
        },
        refuse: (reason) => {
          signal.removeEventListener('abort', onAbort);
          reject(reason);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  /** Empties the queue, rejecting every waiter with `reason` (shutdown). Running work keeps its slots. */
  refuseAll(reason: unknown): void {
    for (const waiter of this.#waiting.splice(0)) waiter.refuse(reason);
  }

  #fits(weight: number): boolean {
    if (this.#running >= this.#maxRunning) return false;
    return this.#running === 0 || this.#weight + weight <= this.#maxWeight;
  }

  #take(weight: number): Release {
    this.#running++;
    this.#weight += weight;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#running--;
      this.#weight -= weight;
      this.#admitWaiting();
    };
  }

  /** Admits waiters from the head while they fit; one release can make room for several light ones. */
  #admitWaiting(): void {
    while (this.#waiting.length > 0 && this.#fits(this.#waiting[0].weight)) {
      const next = this.#waiting.shift()!;
      next.admit(this.#take(next.weight));
    }
  }

  #remove(waiter: Waiter): void {
    const index = this.#waiting.indexOf(waiter);
    if (index !== -1) this.#waiting.splice(index, 1);
  }
}
