import { configError, int, str, url as httpUrl, type Env } from '../config-env.js';

/** Metrics and traces: both off unless configured, so a default service exposes and sends nothing more. */
export interface ObserveConfig {
  /** The Prometheus endpoint's own address; undefined (METRICS_PORT unset) = no metrics. */
  metrics: { host: string; port: number } | undefined;
  /** OTLP/HTTP export of traces; undefined (no OTLP endpoint) = no tracing. */
  tracing: { url: string; serviceName: string; sampleRatio: number } | undefined;
}

export function loadObserveConfig(env: Env): ObserveConfig {
  const metricsHost = str(env, 'METRICS_HOST') ?? '127.0.0.1';
  const metricsPort = str(env, 'METRICS_PORT') === undefined ? undefined : int(env, 'METRICS_PORT', 0, 0, 65535);
  // The standard OpenTelemetry variables: the signal's own URL is used as given, the base gets /v1/traces.
  const tracesEndpoint = str(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = str(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const url = tracesEndpoint
    ? httpUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', tracesEndpoint)
    : endpoint
      ? `${httpUrl('OTEL_EXPORTER_OTLP_ENDPOINT', endpoint)}/v1/traces`
      : undefined;
  const serviceName = str(env, 'OTEL_SERVICE_NAME') ?? 'image-asset-service';
  const sampleRatio = ratio(env, 'TRACE_SAMPLE_RATIO', 1);
  return {
    metrics: metricsPort === undefined ? undefined : { host: metricsHost, port: metricsPort },
    tracing: url === undefined ? undefined : { url, serviceName, sampleRatio },
  };
}

function ratio(env: Env, name: string, fallback: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw configError(name, 'a number from 0 to 1', raw);
  return n;
}
