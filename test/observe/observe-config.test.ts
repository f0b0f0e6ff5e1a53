import { describe, expect, it } from 'vitest';
import { loadObserveConfig } from '../../src/observe/observe-config.js';

describe('loadObserveConfig', () => {
  it('leaves metrics and traces off unless configured', () => {
    expect(loadObserveConfig({})).toEqual({ metrics: undefined, tracing: undefined });
    expect(loadObserveConfig({ METRICS_HOST: '0.0.0.0' }).metrics).toBeUndefined();
  });

  it('puts metrics on METRICS_HOST (loopback by default) and METRICS_PORT', () => {
    expect(loadObserveConfig({ METRICS_PORT: '9464' }).metrics).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(loadObserveConfig({ METRICS_PORT: '0', METRICS_HOST: '::' }).metrics).toEqual({ host: '::', port: 0 });
  });

  it('exports traces to the OTLP endpoint, the traces endpoint as given', () => {
    expect(loadObserveConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual({
      url: 'http://collector:4318/v1/traces',
      serviceName: 'image-asset-service',
      sampleRatio: 1,
    });
    const config = loadObserveConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp/traces',
      OTEL_SERVICE_NAME: 'images-eu',
      TRACE_SAMPLE_RATIO: '0.25',
    });
    expect(config.tracing).toEqual({ url: 'https://traces.example/otlp/traces', serviceName: 'images-eu', sampleRatio: 0.25 });
  });

  it('refuses bad values, naming the variable, what was expected and what was received', () => {
    expect(() => loadObserveConfig({ METRICS_PORT: '70000' })).toThrow('config METRICS_PORT: expected an integer from 0 to 65535, received "70000"');
    expect(() => loadObserveConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      'config OTEL_EXPORTER_OTLP_ENDPOINT: expected an http(s) URL, received "collector:4318"',
    );
    expect(() => loadObserveConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c', TRACE_SAMPLE_RATIO: '1.5' })).toThrow(
      'config TRACE_SAMPLE_RATIO: expected a number from 0 to 1, received "1.5"',
    );
  });
});
