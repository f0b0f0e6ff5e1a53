import { pMapIterable } from 'p-map';

export interface CompletionOrderOptions {
  /** At most this many calls run at once (so one request cannot fill the worker queue on its own). */
  concurrency: number;
  /** The caller's signal (its client going away, its deadline): passed on to every call. */
  signal?: AbortSignal;
  /** What the calls still running are aborted with when the stream ends early. */
  stopReason: () => unknown;
}

/**
 * Maps `items` with at most `concurrency` calls of `fn` at once and yields each result with its index
 * as soon as it is ready (completion order). An async iterable is read only while there is room: the
 * next item is pulled when fewer than `concurrency` are being read, run or waiting to be consumed. The
 * first failure ends the stream and starts nothing more; so does the consumer stopping early. Either way the calls still running are aborted through
 * the signal they were given, and awaited, so none of a finished request's work is left in the pool.
 *
 * p-map's pMapIterable (preserveOrder: false) does the bounding and the ordering; it has no signal and
 * leaves mappers it no longer needs running, which is all this wrapper adds.
 */
export async function* mapInCompletionOrder<T, R>(
  items: readonly T[] | AsyncIterable<T>,
  fn: (item: T, index: number, signal: AbortSignal | undefined) => Promise<R>,
  options: CompletionOrderOptions,
): AsyncGenerator<{ index: number; value: R }> {
  // A lone item has nothing to stop but itself: the caller's signal is enough, and AbortSignal.any
  // would cost a little on every single-item request.
  const stop = Array.isArray(items) && items.length <= 1 ? undefined : new AbortController();
  const signal = !stop ? options.signal : options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const running = new Set<Promise<unknown>>();
  const mapper = (item: T, index: number): Promise<{ index: number; value: R }> => {
    signal?.throwIfAborted();
    const work = fn(item, index, signal).then((value) => ({ index, value }));
    running.add(work);
    const settled = () => running.delete(work);
    work.then(settled, settled);
    return work;
  };
  try {
    yield* pMapIterable(items, mapper, { concurrency: options.concurrency, preserveOrder: false });
  } finally {
    if (running.size > 0) {
      stop?.abort(options.stopReason());
      await Promise.allSettled(running);
    }
  }
}
