/**
 * The same sequence, each step of it run inside `run`. A streaming handler's generator executes when its
 * consumer asks for the next item, outside the scope an interceptor opened around the call; this puts
 * every step back inside it (AsyncLocalStorage.run, a span made current), so what the generator starts
 * and logs belongs to the call.
 */
export function runEach<T>(source: AsyncIterable<T>, run: <R>(fn: () => R) => R): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const it = run(() => source[Symbol.asyncIterator]());
      return {
        next: () => run(() => it.next()),
        return: (value?: unknown) => run(() => it.return?.(value) ?? Promise.resolve({ done: true as const, value: value as T })),
        throw: (error?: unknown) => run(() => it.throw?.(error) ?? Promise.reject(error)),
      };
    },
  };
}
