import { createHash } from 'node:crypto';
import { cancelled } from '../errors/index.js';
import type { CompositeSpec, EncodedImage, ImageProcessor, PipelineSpec } from '../imaging/image-processor.js';
import { mapInCompletionOrder } from '../util/map-in-completion-order.js';
import { ResultCache, type CacheEvents } from '../util/result-cache.js';
import { processBatch, type BatchItem, type BatchLimits, type BatchResult, type ImageSource } from './process-batch.js';
import { tenantOf, type CallOptions } from './call-options.js';

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

/**
 * Stateless processing: bytes in, bytes out, nothing stored. Results of variations are kept in a
 * byte-bounded LRU so repeated requests (same input, configuration and cache key) are served without
 * touching the pool.
 */
export class ProcessingService {
  /**
   * Bounded by the bytes of the images, not their count: one 40 MB TIFF and a thousand thumbnails are
   * not the same "one entry". An image larger than the whole bound is not kept. Absent when off.
   */
  private readonly cache?: ResultCache<EncodedImage>;

  constructor(
    private readonly deps: {
      images: ImageProcessor;
      cacheMaxBytes: number;
      concurrencyPerRequest: number;
      cacheEvents?: CacheEvents;
      /** Stored images, read-only: the only state a batch item may name instead of carrying its bytes. */
      stored: ImageSource;
      batch: BatchLimits;
    },
  ) {
    if (deps.cacheMaxBytes > 0) this.cache = new ResultCache<EncodedImage>(deps.cacheMaxBytes, (image) => image.data.byteLength, deps.cacheEvents);
  }

  /** One pool task: a caller's giveInput passes through (the input is read once). */
  run(input: Uint8Array, spec: PipelineSpec, call: CallOptions = {}): Promise<EncodedImage> {
    return this.deps.images.run(input, spec, call);
  }

  /** Draws the layers over the canvas in one worker task. */
  composite(spec: CompositeSpec, call: CallOptions = {}): Promise<EncodedImage> {
    return this.deps.images.composite(spec, call);
  }

  /** ProcessBatch's items, each through the pool as it arrives; results in completion order (see process-batch.ts). */
  batch(items: AsyncIterable<BatchItem>, call: CallOptions = {}): AsyncGenerator<BatchResult> {
    return processBatch(items, { images: this.deps.images, stored: this.deps.stored, limits: this.deps.batch }, call);
  }

  /**
   * Runs every job in the pool (at most concurrencyPerRequest at once, so one request cannot fill the
   * queue on its own) and yields each result as soon as it is done, in completion order. The first
   * failure stops the rest: queued jobs are never started.
   */
  async *variations(input: Uint8Array, jobs: VariationJob[], cacheKey: string, call: CallOptions = {}): AsyncGenerator<VariationResult> {
    // With the cache off there is nothing to key: skip hashing the input (26 ms for 16 MB).
    const cache = this.cache;
    // The input's own hash is always part of the key: a caller's cache_key only names an entry, so
    // reusing it with other bytes can never be served another input's result. The tenant is too: a
    // hit (its answer, its speed) would tell one tenant what another has sent.
    const inputKey = !cache ? '' : `${JSON.stringify(tenantOf(call))}\n${createHash('sha256').update(input).digest('hex')}\n${JSON.stringify(cacheKey)}`;
    const keyOf = (job: VariationJob) => (cache ? createHash('sha256').update(`${inputKey}\n${job.canonical}`).digest('hex') : '');
    // One job is the input's only reader: the pool may move the caller's bytes to the worker (the key
    // above is computed already). With several, each job needs them, so each gets a copy.
    const giveInput = call.giveInput === true && jobs.length === 1;
    const run = async (job: VariationJob, _index: number, signal: AbortSignal | undefined): Promise<VariationResult> => {
      const key = keyOf(job);
      const hit = cache?.get(key);
      if (hit) return { id: job.id, image: hit, cached: true };
      const image = await this.deps.images.run(input, job.spec, { ...call, signal, giveInput });
      cache?.set(key, image);
      return { id: job.id, image, cached: false };
    };
    const results = mapInCompletionOrder(jobs, run, {
      concurrency: this.deps.concurrencyPerRequest,
      signal: call.signal,
      stopReason: () => cancelled('variation request ended'),
    });
    for await (const { value } of results) yield value;
  }
}
