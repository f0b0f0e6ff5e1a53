import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { defaultTextMapSetter, INVALID_SPAN_CONTEXT, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type TextMapGetter } from '@opentelemetry/api';
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import type { OperationEvent } from '../imaging/worker-pool.js';
import type { CallKind, Outcome } from './observer.js';

export interface TracingOptions {
  /** The OTLP/HTTP traces URL (…/v1/traces). */
  url: string;
  serviceName: string;
  /** Share of new traces recorded; a caller's sampled flag decides for its own. */
  sampleRatio: number;
  /** An export the collector refused or never answered (the spans are dropped). */
  onExportError?: (error: unknown) => void;
}

/** A span in progress and the context that makes it current. */
export interface TracedCall {
  span: Span;
  within<T>(fn: () => T): T;
  headers(): Record<string, string>;
  end(outcome: Outcome): void;
}

const headerGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

const UNTRACED: TracedCall = {
  span: trace.wrapSpanContext(INVALID_SPAN_CONTEXT),
  within: (fn) => fn(),
  headers: () => ({}),
  end() {},
};

const SPAN_KINDS: Record<CallKind, SpanKind> = { rpc: SpanKind.SERVER, database: SpanKind.CLIENT, blob: SpanKind.CLIENT, provider: SpanKind.CLIENT };
const SPAN_PREFIX: Record<CallKind, string> = { rpc: '', database: 'db ', blob: 'blob ', provider: 'provider ' };

/**
 * OpenTelemetry spans exported over OTLP/HTTP (JSON) in batches. The current span is kept in an
 * AsyncLocalStorage of this instance rather than in the API's global context manager: nothing global is
 * registered, so the tracing of one service instance is its own, and with tracing off nothing of the
 * SDK is even loaded. The W3C propagator reads a caller's traceparent and writes ours to providers.
 */
export class OtelTracing {
  readonly #provider: TracerProvider;
  readonly #tracer;
  readonly #propagator = new W3CTraceContextPropagator();
  readonly #current = new AsyncLocalStorage<Context>();

  constructor(options: TracingOptions) {
    const otlp = new OTLPTraceExporter({ url: options.url });
    this.#provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': options.serviceName }),
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio) }),
      spanProcessors: [new BatchSpanProcessor({ exporter: reportingFailures(otlp, options.onExportError) })],
    });
    this.#tracer = this.#provider.getTracer('image-asset-service');
  }

  /**
   * A span of `kind`: for an RPC, a child of the caller's traceparent in `incoming` (or a new trace);
   * for anything else, a child of the current span. Work outside any call (the orphan sweep's store
   * calls) is not traced: a trace per blob checked would bury the calls.
   */
  start(kind: CallKind, name: string, incoming?: Headers): TracedCall {
    const caller = () => (incoming ? this.#propagator.extract(ROOT_CONTEXT, incoming, headerGetter) : ROOT_CONTEXT);
    const parent = kind === 'rpc' ? caller() : this.#current.getStore();
    if (!parent) return UNTRACED;
    const span = this.#tracer.startSpan(`${SPAN_PREFIX[kind]}${name}`, { kind: SPAN_KINDS[kind], attributes: attributesOf(kind, name) }, parent);
    const context = trace.setSpan(parent, span);
    return {
      span,
      within: (fn) => this.#current.run(context, fn),
      headers: () => {
        const carrier: Record<string, string> = {};
        this.#propagator.inject(context, carrier, defaultTextMapSetter);
        return carrier;
      },
      end: (outcome) => {
        span.setAttribute('outcome', outcome);
        if (outcome !== 'ok' && outcome !== 'OK') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
        span.end();
      },
    };
  }

  /**
   * The pool operation's queue wait and worker run as two spans of the current call, drawn after the fact
   * from the times it reports (the pool knows nothing of tracing).
   */
  poolOperation(event: OperationEvent): void {
    const parent = this.#current.getStore();
    if (!parent) return;
    const ended = performance.now();
    const ranFrom = ended - (event.runMs ?? 0);
    const attributes = { 'pool.operation': event.operation, 'pool.input_pixels': event.pixels, 'pool.input_bytes': event.inputBytes };
    if (event.waitMs !== undefined) {
      const waited = this.#tracer.startSpan('pool queue', { attributes, startTime: ranFrom - event.waitMs }, parent);
      waited.end(ranFrom);
    }
    if (event.runMs !== undefined) {
      const ran = this.#tracer.startSpan('pool run', { attributes: { ...attributes, 'pool.output_bytes': event.outputBytes, outcome: event.outcome }, startTime: ranFrom }, parent);
      if (event.outcome !== 'ok') ran.setStatus({ code: SpanStatusCode.ERROR, message: event.outcome });
      ran.end(ended);
    }
  }

  /** Exports what is left and stops. */
  close(): Promise<void> {
    return this.#provider.shutdown();
  }
}

function attributesOf(kind: CallKind, name: string): Record<string, string> {
  switch (kind) {
    case 'rpc': {
      const [service, method] = name.split('/');
      return { 'rpc.system': 'connect_rpc', 'rpc.service': service, 'rpc.method': method };
    }
    case 'database':
      return { 'db.operation.name': name };
    case 'blob':
      return { 'blob.operation': name };
    case 'provider':
      return { 'gen_ai.system': name };
  }
}

/** The exporter, with failed exports reported (the SDK would only tell its own diagnostic logger). */
function reportingFailures(exporter: SpanExporter, onError?: (error: unknown) => void): SpanExporter {
  if (!onError) return exporter;
  return {
    export: (spans, done) =>
      exporter.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) onError(result.error ?? new Error('span export failed'));
        done(result);
      }),
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}
