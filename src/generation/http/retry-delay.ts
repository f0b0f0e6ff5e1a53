/**
 * How long a provider asked us to wait, in ms: `Retry-After` (seconds or an HTTP date), OpenAI's
 * `retry-after-ms`, or JigsawStack's `x-jigsaw-rate-limit-reset` (epoch ms). Undefined when none is
 * given or none parses.
 */
export function requestedDelayMs(headers: Headers, now: number): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms));
  const after = headers.get('retry-after');
  if (after !== null) {
    const trimmed = after.trim();
    if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
    const date = Date.parse(trimmed);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = headers.get('x-jigsaw-rate-limit-reset');
  if (reset !== null && /^\d+$/.test(reset.trim())) return Math.max(0, Number(reset) - now);
  return undefined;
}

/**
 * Exponential backoff with "equal jitter": half the step is fixed, half random, so retries from many
 * callers spread out yet never collapse to zero. attempt is 1 for the wait after the first failure.
 */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const step = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}
