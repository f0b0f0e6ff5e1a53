import { invalidArgument } from '../errors/index.js';

/**
 * Seconds per megapixel of one AVIF encode at each effort 0-9, lossy, measured with sharp 0.34.5
 * (libaom 3.13) on one thread (the workers' sharp.concurrency(1)) of a 2-core x86-64 server, on
 * photos: 0.11, 0.33, 0.59, 0.91-1.1, 5.5, 7.9, 16.4, 27.5, 29.7, 109. Lossless measured about 2.5x
 * slower. Rounded up: it is a budget, not a promise.
 */
const SECONDS_PER_MEGAPIXEL = [0.12, 0.35, 0.65, 1.2, 6, 8.5, 17, 28, 31, 110];
const LOSSLESS_FACTOR = 3;
/** sharp's default effort, used when the caller names none and the budget allows it. */
const DEFAULT_EFFORT = 4;

export interface AvifEffortInput {
  width: number;
  height: number;
  lossless: boolean;
  /** The caller's effort, or undefined for the default. */
  effort: number | undefined;
  /** Full encodes the request needs: 1, or about 8 for a maxBytes search. */
  encodes: number;
  /** Encoder time allowed for the request, ms. */
  budgetMs: number;
  /** The request field of the effort, named in errors. */
  field: string;
}

/**
 * The AVIF effort to encode with. libaom cannot be interrupted: sharp's timeout does not stop it, so a
 * 12 MP photo at sharp's default effort 4 would hold a worker thread for over a minute, and effort 9
 * for a quarter of an hour. An estimate of the encoder time (size x effort rate x encodes) must fit
 * the budget: without an effort the highest one up to the default that fits is used; an explicit effort
 * over the budget is refused (INVALID_ARGUMENT naming the largest that fits), as is an image too large
 * even for effort 0.
 */
export function avifEffort(input: AvifEffortInput): number {
  const megapixels = (input.width * input.height) / 1e6;
  const factor = (input.lossless ? LOSSLESS_FACTOR : 1) * input.encodes;
  const fits = (effort: number): boolean => megapixels * SECONDS_PER_MEGAPIXEL[effort] * factor * 1000 <= input.budgetMs;
  let highest = -1;
  while (highest < 9 && fits(highest + 1)) highest++;
  const budget = input.budgetMs >= 1000 ? `${Math.round(input.budgetMs / 100) / 10} s` : `${input.budgetMs} ms`;
  const size = `${input.width}x${input.height}${input.lossless ? ' lossless' : ''} avif${input.encodes > 1 ? ` with a max_bytes search (${input.encodes} encodes)` : ''}`;
  if (highest < 0) {
    throw invalidArgument(
      input.field,
      `an image this service can encode as avif within ${budget}: even effort 0 would take longer for a ${size}; use a smaller size or webp`,
      input.effort ?? 'the default effort',
    );
  }
  if (input.effort === undefined) return Math.min(DEFAULT_EFFORT, highest);
  if (input.effort > highest) {
    throw invalidArgument(input.field, `at most ${highest} for a ${size} (higher efforts take longer than ${budget} here)`, input.effort);
  }
  return input.effort;
}
