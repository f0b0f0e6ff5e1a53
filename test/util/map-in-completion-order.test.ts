import { describe, expect, it } from 'vitest';
import { mapInCompletionOrder } from '../../src/util/map-in-completion-order.js';

/** A call the test settles by hand, recording the signal it was given and whether it was aborted. */
interface Call {
  index: number;
  signal: AbortSignal | undefined;
  resolve: (value: string) => void;
  reject: (error: Error) => void;
}

function controlledCalls({ settleOnAbort = true } = {}) {
  const calls: Call[] = [];
  const waiting: ((call: Call) => void)[] = [];
  const fn = (_item: string, index: number, signal: AbortSignal | undefined) =>
    new Promise<string>((resolve, reject) => {
      const call = { index, signal, resolve, reject };
      if (settleOnAbort) signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      calls.push(call);
      waiting.shift()?.(call);
    });
  /** The next call to start (it may have started already). */
  const started = (n: number) => (calls.length > n ? Promise.resolve(calls[n]) : new Promise<Call>((r) => waiting.push(r)));
  return { calls, fn, started };
}

const options = { concurrency: 2, stopReason: () => new Error('stopped') };

describe('mapInCompletionOrder', () => {
  it('yields results as they complete, never running more than the limit at once', async () => {
    const { calls, fn, started } = controlledCalls();
    const results = mapInCompletionOrder(['a', 'b', 'c'], fn, options);
    const first = results.next();
    await started(1);
    expect(calls.map((c) => c.index)).toEqual([0, 1]);
    calls[1].resolve('B');
    expect((await first).value).toEqual({ index: 1, value: 'B' });
    const second = results.next();
    (await started(2)).resolve('C');
    expect((await second).value).toEqual({ index: 2, value: 'C' });
    const third = results.next();
    calls[0].resolve('A');
    expect((await third).value).toEqual({ index: 0, value: 'A' });
    expect((await results.next()).done).toBe(true);
    expect(calls).toHaveLength(3);
  });

  it('on the first failure, aborts the calls in flight, starts no more, and throws that failure', async () => {
    const { calls, fn, started } = controlledCalls();
    const results = mapInCompletionOrder(['a', 'b', 'c', 'd'], fn, options);
    const first = results.next();
    await started(1);
    calls[0].reject(new Error('provider failed'));
    await expect(first).rejects.toThrow('provider failed');
    expect(calls[1].signal?.aborted).toBe(true);
    expect((calls[1].signal?.reason as Error).message).toBe('stopped');
    expect(calls).toHaveLength(2);
  });

  it('when the consumer stops early, aborts the calls in flight and waits for them to settle', async () => {
    const { calls, fn, started } = controlledCalls({ settleOnAbort: false });
    const results = mapInCompletionOrder(['a', 'b', 'c'], fn, options);
    const first = results.next();
    (await started(0)).resolve('A');
    expect((await first).value).toEqual({ index: 0, value: 'A' });
    await started(2);
    let returned = false;
    const stopping = results.return(undefined).then(() => (returned = true));
    // Let every pending callback run: the stream must still be waiting for the two calls it aborted.
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.slice(1).map((c) => c.signal?.aborted)).toEqual([true, true]);
    expect(returned).toBe(false);
    calls[1].reject(new Error('aborted'));
    calls[2].reject(new Error('aborted'));
    await stopping;
    expect(returned).toBe(true);
  });

  it('reads an async iterable only while there is room: the next item once a result is taken', async () => {
    const { calls, fn, started } = controlledCalls();
    const pulled: string[] = [];
    async function* source() {
      for (const item of ['a', 'b', 'c', 'd']) {
        pulled.push(item);
        yield item;
      }
    }
    const results = mapInCompletionOrder(source(), fn, options);
    const first = results.next();
    await started(1);
    // Let every pending callback run: nothing more may be pulled while two are held.
    await new Promise((resolve) => setImmediate(resolve));
    expect(pulled).toEqual(['a', 'b']);
    calls[0].resolve('A');
    expect((await first).value).toEqual({ index: 0, value: 'A' });
    const second = results.next();
    await started(2);
    expect(pulled).toEqual(['a', 'b', 'c']);
    calls[2].resolve('C');
    calls[1].resolve('B');
    expect((await second).value).toEqual({ index: 2, value: 'C' });
    expect((await results.next()).value).toEqual({ index: 1, value: 'B' });
    const last = results.next();
    (await started(3)).resolve('D');
    expect((await last).value).toEqual({ index: 3, value: 'D' });
    expect((await results.next()).done).toBe(true);
  });

  it("passes the caller's own signal to a lone call and stops when the caller aborts", async () => {
    const { calls, fn, started } = controlledCalls();
    const caller = new AbortController();
    const results = mapInCompletionOrder(['a'], fn, { ...options, signal: caller.signal });
    const first = results.next();
    await started(0);
    expect(calls[0].signal).toBe(caller.signal);
    caller.abort(new Error('client went away'));
    await expect(first).rejects.toThrow('client went away');
  });
});
