import type { Logger } from '../util/logger.js';
import { listenMetrics } from './metrics-server.js';
import type { ObserveConfig } from './observe-config.js';
import type { Observer } from './observer.js';
import { TelemetryObserver } from './telemetry-observer.js';

export interface Telemetry {
  /** Undefined when neither metrics nor traces are configured: then nothing is observed at all. */
  observer: Observer | undefined;
  /** http://host:port/metrics, when metrics are on. */
  metricsUrl: string | undefined;
  /** Stops the metrics endpoint and exports the spans still buffered. */
  close(): Promise<void>;
}

/**
 * Metrics and tracing as configured. Each library is loaded only when its part is on: prom-client and
 * the OpenTelemetry SDK stay out of a service that uses neither.
 */
export async function startTelemetry(config: ObserveConfig, logger: Logger): Promise<Telemetry> {
  if (!config.metrics && !config.tracing) return { observer: undefined, metricsUrl: undefined, close: async () => {} };
  const metrics = config.metrics ? new (await import('./prometheus-metrics.js')).PrometheusMetrics() : undefined;
  const tracing = config.tracing
    ? new (await import('./otel-tracing.js')).OtelTracing({
        ...config.tracing,
        onExportError: (error) => logger.warn({ err: String(error), url: config.tracing?.url }, 'trace export failed'),
      })
    : undefined;
  const server = metrics && config.metrics ? await listenMetrics(metrics.registry, config.metrics.host, config.metrics.port) : undefined;
  return {
    observer: new TelemetryObserver(metrics, tracing),
    metricsUrl: server?.url,
    async close() {
      await server?.close();
      await tracing?.close();
    },
  };
}
