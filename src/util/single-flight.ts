/**
 * Concurrent calls for one key share the first one's promise: the work runs once, and every caller
 * gets its result or its error. The key is forgotten once it settles, so a later call runs again.
 */
export class SingleFlight<T> {
  readonly #inFlight = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.#inFlight.get(key);
    if (running) return running;
    const started = work().finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, started);
    return started;
  }
}
