/** Gives back a slot; calling it more than once does nothing. */
export type Release = () => void;

interface Waiter {
  admit: (release: Release) => void;
  refuse: (reason: unknown) => void;
}

/**
 * A counting semaphore with a bounded FIFO queue, in front of the worker threads. It is ours rather than
 * piscina's maxQueue because piscina counts starting threads as queue capacity, keeps tasks with an
 * abort signal in a separate, uncounted queue, and ends a running task's abort by terminating its thread.
 * Here a full queue refuses at once, a waiter whose signal aborts leaves the queue without ever
 * starting, and a slot is only given back when the worker is really done.
 */
export class AdmissionQueue {
  readonly #maxRunning: number;
  readonly #maxQueued: number;
  readonly #waiting: Waiter[] = [];
  #running = 0;

  constructor(maxRunning: number, maxQueued: number) {
    this.#maxRunning = maxRunning;
    this.#maxQueued = maxQueued;
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  /**
   * Resolves with a release once a slot is free: at once when one is, else in arrival order. Rejects at
   * once with `whenFull()` when the queue is full, and with the signal's reason if it aborts first.
   */
  acquire(signal: AbortSignal, whenFull: () => unknown): Promise<Release> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#running < this.#maxRunning) {
      this.#running++;
      return Promise.resolve(this.#releaser());
    }
    if (this.#waiting.length >= this.#maxQueued) return Promise.reject(whenFull());
    return new Promise<Release>((resolve, reject) => {
      const onAbort = (): void => {
        this.#remove(waiter);
        reject(signal.reason);
      };
      const waiter: Waiter = {
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

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      // The slot passes straight to the next waiter, so the running count does not dip in between.
      if (next !== undefined) next.admit(this.#releaser());
      else this.#running--;
    };
  }

  #remove(waiter: Waiter): void {
    const index = this.#waiting.indexOf(waiter);
    if (index !== -1) this.#waiting.splice(index, 1);
  }
}
