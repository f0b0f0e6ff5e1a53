import type { OperationEvent, PoolStats } from '../imaging/worker-pool.js';
import type { CacheEvents } from '../util/result-cache.js';
import type { CallKind, Observation, Observer } from './observer.js';
import type { OtelTracing } from './otel-tracing.js';
import type { PrometheusMetrics } from './prometheus-metrics.js';

/** The Observer over the metrics and the tracing that are configured (either may be absent). */
export class TelemetryObserver implements Observer {
  constructor(
    private readonly metrics: PrometheusMetrics | undefined,
    private readonly tracing: OtelTracing | undefined,
  ) {}

  start(kind: CallKind, name: string, incoming?: Headers): Observation {
    const endMetrics = this.metrics?.callStarted(kind, name);
    const traced = this.tracing?.start(kind, name, incoming);
    let ended = false;
    return {
      within: (fn) => (traced ? traced.within(fn) : fn()),
      traceHeaders: () => traced?.headers() ?? {},
      annotate: (attributes) => traced?.span.setAttributes(attributes),
      end: (outcome) => {
        if (ended) return;
        ended = true;
        endMetrics?.(outcome);
        traced?.end(outcome);
      },
    };
  }

  poolOperation(event: OperationEvent): void {
    this.metrics?.poolOperation(event);
    this.tracing?.poolOperation(event);
  }

  watchPool(read: () => PoolStats, capacity: number): void {
    this.metrics?.watchPool(read, capacity);
  }

  cache(name: string): CacheEvents {
    return this.metrics?.cache(name) ?? { hit() {}, miss() {}, evicted() {}, resized() {} };
  }
}
