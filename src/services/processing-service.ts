import { createHash } from 'node:crypto';
import { cancelled } from '../errors/index.js';
import type { CompositeSpec, EncodedImage, ImageProcessor, PipelineSpec } from '../imaging/image-processor.js';
import { ByteLruCache } from '../util/byte-lru-cache.js';
import type { CallOptions } from './call-options.js';

/** One variation to produce: its id, its pipeline, and the canonical form of its configuration. */
export interface VariationJob {
  id: string;
  spec: PipelineSpec;
  /** Deterministic JSON of the configuration, for the cache key. */
  canonical: string;
}

export interface VariationResult {
  id: string;
  image: EncodedImage;
  cached: boolean;
}

interface CachedImage extends EncodedImage {
  byteLength: number;
}

/**
 * Stateless processing: bytes in, bytes out, nothing stored. Results of variations are kept in a
 * byte-bounded LRU so repeated requests (same input, configuration and cache key) are served without
 * touching the pool.
 */
export class ProcessingService {
  private readonly cache: ByteLruCache<CachedImage>;

  constructor(
    private readonly deps: { images: ImageProcessor; cacheMaxBytes: number; concurrencyPerRequest: number },
  ) {
    this.cache = new ByteLruCache(deps.cacheMaxBytes);
  }

  /** One pool task: a caller's giveInput passes through (the input is read once). */
  run(input: Uint8Array, spec: PipelineSpec, call: CallOptions = {}): Promise<EncodedImage> {
    return this.deps.images.run(input, spec, call);
  }

  /** Draws the layers over the canvas in one worker task. */
  composite(spec: CompositeSpec, call: CallOptions = {}): Promise<EncodedImage> {
    return this.deps.images.composite(spec, call);
  }

  /**
   * Runs every job in the pool (at most concurrencyPerRequest at once, so one request cannot fill the
   * queue on its own) and yields each result as soon as it is done, in completion order. The first
   * failure stops the rest: queued jobs are never started.
   */
  async *variations(input: Uint8Array, jobs: VariationJob[], cacheKey: string, call: CallOptions = {}): AsyncGenerator<VariationResult> {
    // With the cache off there is nothing to key: skip hashing the input (26 ms for 16 MB).
    const caching = this.deps.cacheMaxBytes > 0;
    // The input's own hash is always part of the key: a caller's cache_key only names an entry, so
    // reusing it with other bytes can never be served another input's result.
    const inputKey = !caching ? '' : `${createHash('sha256').update(input).digest('hex')}\n${JSON.stringify(cacheKey)}`;
    const keyOf = (job: VariationJob) => (caching ? createHash('sha256').update(`${inputKey}\n${job.canonical}`).digest('hex') : '');
    // Several jobs: the first failure must stop the others, so they share a signal of their own.
    // One job needs only the caller's (AbortSignal.any costs a little on every request).
    const stop = jobs.length > 1 ? new AbortController() : undefined;
    const signal = !stop ? call.signal : call.signal ? AbortSignal.any([call.signal, stop.signal]) : stop.signal;
    // One job is the input's only reader: the pool may move the caller's bytes to the worker (the key
    // above is computed already). With several, each job needs them, so each gets a copy.
    const giveInput = call.giveInput === true && jobs.length === 1;
    const pending = new Map<number, Promise<{ index: number; result?: VariationResult; error?: unknown }>>();
    let next = 0;

    const start = (index: number) => {
      const job = jobs[index];
      const key = keyOf(job);
      const hit = caching ? this.cache.get(key) : undefined;
      const work = hit
        ? Promise.resolve({ id: job.id, image: hit, cached: true })
        : this.deps.images.run(input, job.spec, { ...call, signal, giveInput }).then((image) => {
            if (caching) this.cache.set(key, { ...image, byteLength: image.data.byteLength });
            return { id: job.id, image, cached: false };
          });
      pending.set(
        index,
        work.then(
          (result) => ({ index, result }),
          (error) => ({ index, error }),
        ),
      );
    };

    try {
      while (next < jobs.length && pending.size < this.deps.concurrencyPerRequest) start(next++);
      while (pending.size > 0) {
        const done = await Promise.race(pending.values());
        pending.delete(done.index);
        if (done.error !== undefined) throw done.error;
        if (next < jobs.length) start(next++);
        yield done.result!;
      }
    } finally {
      if (pending.size > 0) {
        // The consumer stopped early (an error, or the client went away): drop queued work.
        stop?.abort(cancelled('variation request ended'));
        await Promise.allSettled(pending.values());
      }
    }
  }
}
