import { performance } from 'node:perf_hooks';

export interface RoundResult {
  /** Images processed per second inside the measuring window (fractional images counted, see below). */
  imagesPerSecond: number;
  /** Latency of each image started inside the window, ms. */
  latenciesMs: number[];
  /** Images started, window and drain included. */
  started: number;
}

/**
 * Runs `task` with `depth` calls always in flight for `seconds`. The rate is the sum, over every call,
 * of the share of its duration that fell inside the window, divided by the window: at 1.4 images/s a
 * plain count of completions in a 5 s window would move by 14% with one image more or less.
 * The window stays full to its end: lanes keep starting calls until every call begun inside the window
 * has finished (later calls are not counted), so the last calls do not run on an emptying machine and
 * look faster than they are. `next` numbers the calls across rounds so the photos keep cycling.
 */
export async function closedLoop(task: (index: number) => Promise<unknown>, depth: number, seconds: number, next: { index: number }): Promise<RoundResult> {
  const start = performance.now();
  const end = start + seconds * 1000;
  const spans: { from: number; to: number }[] = [];
  let openInWindow = 0;
  let started = 0;

  const lane = async () => {
    for (;;) {
      const from = performance.now();
      if (from >= end && openInWindow === 0) return;
      const inWindow = from < end;
      if (inWindow) openInWindow++;
      started++;
      try {
        await task(next.index++);
      } finally {
        if (inWindow) openInWindow--;
      }
      if (inWindow) spans.push({ from, to: performance.now() });
    }
  };
  // allSettled, then rethrow: a failing call must not leave other lanes running into the next round.
  const results = await Promise.allSettled(Array.from({ length: depth }, lane));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;

  let images = 0;
  for (const { from, to } of spans) {
    const inside = Math.min(to, end) - Math.max(from, start);
    images += to > from ? Math.max(0, inside) / (to - from) : 1;
  }
  return { imagesPerSecond: images / seconds, latenciesMs: spans.map((s) => s.to - s.from), started };
}

/**
 * Nothing measured: one call per lane (libvips' first use, the HTTP/2 connection; a failing side fails
 * here), then `seconds` of closed loop. A server that has handled a few calls is far from how it runs
 * for hours: V8 is still optimising its request path (measured with --trace-opt: 56 functions
 * optimised during the second 5 s round after a 4-call warm-up, on threads that share the two cores),
 * which costs the service side about 0.03 of its ratio in the first rounds.
 */
export async function warmUp(task: (index: number) => Promise<unknown>, depth: number, next: { index: number }, seconds = 0): Promise<void> {
  await Promise.all(Array.from({ length: depth }, () => task(next.index++)));
  if (seconds > 0) await closedLoop(task, depth, seconds, next);
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
