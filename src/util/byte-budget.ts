/**
 * A count of bytes held, shared by the requests that hold them, with a ceiling: a request takes bytes
 * before it holds them and gives them back when it lets go. Taking more than is left fails at once
 * rather than waiting: the caller answers "retry later" instead of holding a connection open.
 */
export class ByteBudget {
  #held = 0;

  constructor(readonly capacity: number) {}

  get held(): number {
    return this.#held;
  }

  /** Takes `bytes` when they fit and says whether it did. */
  tryTake(bytes: number): boolean {
    if (this.#held + bytes > this.capacity) return false;
    this.#held += bytes;
    return true;
  }

  give(bytes: number): void {
    this.#held = Math.max(0, this.#held - bytes);
  }
}
