import { performance } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { OperationEvent, PoolStats } from '../imaging/worker-pool.js';
import type { CacheEvents } from '../util/result-cache.js';
import type { CallKind, Outcome } from './observer.js';

const PREFIX = 'imgsvc_';
/** Seconds: from a cache hit or a health check (milliseconds) to a large AVIF or a slow provider (a minute). */
const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** Each kind's labels, in the words its users know (gRPC's method and code). */
const LABELS: Record<CallKind, { name: string; outcome: string }> = {
  rpc: { name: 'method', outcome: 'code' },
  database: { name: 'operation', outcome: 'outcome' },
  blob: { name: 'operation', outcome: 'outcome' },
  provider: { name: 'provider', outcome: 'outcome' },
};

type CallMetrics = { total: Counter; seconds: Histogram; inFlight: Gauge };

/**
 * The service's Prometheus metrics (prom-client) in a registry of its own, so the exposition holds only
 * them and several instances can live in one process (tests). Names start with `imgsvc_`; Node's
 * process and event-loop metrics (collectDefaultMetrics) keep their usual names.
 */
export class PrometheusMetrics {
  readonly registry = new Registry();
  readonly #calls: Record<CallKind, CallMetrics>;
  readonly #queueWait: Histogram;
  readonly #run: Histogram;
  readonly #pixels: Counter;
  readonly #inputBytes: Counter;
  readonly #outputBytes: Counter;
  readonly #cacheHits: Counter;
  readonly #cacheMisses: Counter;
  readonly #cacheEvictions: Counter;
  readonly #cacheBytes: Gauge;
  readonly #cacheEntries: Gauge;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    const calls = (kind: CallKind, what: string): CallMetrics => {
      const { name, outcome } = LABELS[kind];
      return {
        total: new Counter({ name: `${PREFIX}${kind}_calls_total`, help: `${what} by ${name} and ${outcome}`, labelNames: [name, outcome], registers }),
        seconds: new Histogram({
          name: `${PREFIX}${kind}_call_duration_seconds`,
          help: `Duration of ${what} by ${name} and ${outcome}`,
          labelNames: [name, outcome],
          buckets: SECONDS,
          registers,
        }),
        inFlight: new Gauge({ name: `${PREFIX}${kind}_calls_in_flight`, help: `${what} in progress by ${name}`, labelNames: [name], registers }),
      };
    };
    this.#calls = {
      rpc: calls('rpc', 'RPCs served'),
      database: calls('database', 'Database calls'),
      blob: calls('blob', 'Blob-store calls'),
      provider: calls('provider', 'Generation provider attempts'),
    };
    const byOperation = { labelNames: ['operation'], registers };
    this.#queueWait = new Histogram({ name: `${PREFIX}pool_queue_wait_seconds`, help: 'Time image operations waited for a worker slot', buckets: SECONDS, ...byOperation });
    this.#run = new Histogram({
      name: `${PREFIX}pool_run_duration_seconds`,
      help: 'Time image operations held a worker slot, by operation and outcome',
      labelNames: ['operation', 'outcome'],
      buckets: SECONDS,
      registers,
    });
    this.#pixels = new Counter({ name: `${PREFIX}pool_input_pixels_total`, help: 'Input pixels of the image operations run', ...byOperation });
    this.#inputBytes = new Counter({ name: `${PREFIX}pool_input_bytes_total`, help: 'Input bytes of the image operations run', ...byOperation });
    this.#outputBytes = new Counter({ name: `${PREFIX}pool_output_bytes_total`, help: 'Encoded bytes the image operations produced', ...byOperation });
    const byCache = { labelNames: ['cache'], registers };
    this.#cacheHits = new Counter({ name: `${PREFIX}cache_hits_total`, help: 'Result-cache lookups that found the result', ...byCache });
    this.#cacheMisses = new Counter({ name: `${PREFIX}cache_misses_total`, help: 'Result-cache lookups that did not', ...byCache });
    this.#cacheEvictions = new Counter({ name: `${PREFIX}cache_evictions_total`, help: 'Results dropped to stay within the byte bound', ...byCache });
    this.#cacheBytes = new Gauge({ name: `${PREFIX}cache_bytes`, help: 'Bytes of the results kept', ...byCache });
    this.#cacheEntries = new Gauge({ name: `${PREFIX}cache_entries`, help: 'Results kept', ...byCache });
  }

  /** Counts a call in flight; the returned function ends it with its outcome. */
  callStarted(kind: CallKind, name: string): (outcome: Outcome) => void {
    const metrics = this.#calls[kind];
    const labels = LABELS[kind];
    const started = performance.now();
    metrics.inFlight.inc({ [labels.name]: name });
    return (outcome) => {
      const ended = { [labels.name]: name, [labels.outcome]: outcome };
      metrics.inFlight.dec({ [labels.name]: name });
      metrics.total.inc(ended);
      metrics.seconds.observe(ended, (performance.now() - started) / 1000);
    };
  }

  poolOperation(event: OperationEvent): void {
    const { operation } = event;
    if (event.waitMs !== undefined) this.#queueWait.observe({ operation }, event.waitMs / 1000);
    if (event.runMs === undefined) return;
    this.#run.observe({ operation, outcome: event.outcome }, event.runMs / 1000);
    this.#pixels.inc({ operation }, event.pixels);
    this.#inputBytes.inc({ operation }, event.inputBytes);
    this.#outputBytes.inc({ operation }, event.outputBytes);
  }

  /** Queue depth, running operations and utilisation (running / capacity), read at each scrape. */
  watchPool(read: () => PoolStats, capacity: number): void {
    const registers = [this.registry];
    new Gauge({ name: `${PREFIX}pool_queue_depth`, help: 'Image operations waiting for a worker slot', registers, collect() { this.set(read().queued); } });
    new Gauge({ name: `${PREFIX}pool_running`, help: 'Image operations holding a worker slot', registers, collect() { this.set(read().running); } });
    new Gauge({ name: `${PREFIX}pool_capacity`, help: 'Worker slots (MAX_CONCURRENT_OPERATIONS)', registers, collect() { this.set(capacity); } });
    new Gauge({ name: `${PREFIX}pool_utilisation`, help: 'Share of the worker slots held, 0 to 1', registers, collect() { this.set(read().running / capacity); } });
  }

  cache(name: string): CacheEvents {
    const labels = { cache: name };
    // Every series from the start, so a rate over the first scrapes has a zero to start from.
    for (const counter of [this.#cacheHits, this.#cacheMisses, this.#cacheEvictions]) counter.inc(labels, 0);
    this.#cacheBytes.set(labels, 0);
    this.#cacheEntries.set(labels, 0);
    return {
      hit: () => this.#cacheHits.inc(labels),
      miss: () => this.#cacheMisses.inc(labels),
      evicted: (count) => this.#cacheEvictions.inc(labels, count),
      resized: (bytes, entries) => {
        this.#cacheBytes.set(labels, bytes);
        this.#cacheEntries.set(labels, entries);
      },
    };
  }
}
