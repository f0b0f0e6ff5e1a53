import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { create } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetImageRequestSchema, ImageService } from '../../gen/image/v1/image_service_pb.js';
import { ProcessingService, ProcessingServiceGenerateVariationsRequestSchema } from '../../gen/image/v1/processing_service_pb.js';
import { createLogger } from '../../src/util/logger.js';
import { png, startFakeProvider, type FakeProvider } from '../generation/fake-provider.js';
import { makeJpeg, makePng } from '../support/fixtures.js';
import { grpcJsClient } from '../support/grpc-js-client.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { has, parseExposition, valueOf } from '../support/prometheus-text.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const UNKNOWN_ID = '01890f2e-0000-7000-8000-000000000000';
/** A model behind a local server implementing JigsawStack's contract. */
const jigsawModel = (url: string) => JSON.stringify([{ name: 'jig', provider: 'jigsawstack', base_url: url, api_key_env: 'TEST_JIG_KEY' }]);
const startJigsaw = () =>
  startFakeProvider(async (req, res) => {
    const body = JSON.parse(req.body.toString());
    res.writeHead(200, { 'content-type': 'image/png' });
    res.end(await png(body.width, body.height));
  });

describe('metrics, request ids and log lines', () => {
  let app: TestApp;
  let jig: FakeProvider;
  const lines: Record<string, unknown>[] = [];
  const scrape = async () => {
    const res = await fetch(app.metricsUrl!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    return parseExposition(await res.text());
  };
  let images: ReturnType<typeof createClient<typeof ImageService>>;
  let processing: ReturnType<typeof createClient<typeof ProcessingService>>;

  beforeAll(async () => {
    jig = await startJigsaw();
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
        done();
      },
    });
    app = await startTestApp(
      {
        METRICS_PORT: '0',
        WORKER_THREADS: '1',
        TEST_JIG_KEY: 'jig-key',
        GENERATION_MODELS: jigsawModel(jig.url),
        GENERATION_RETRY_BASE_MS: '1',
      },
      { logger: createLogger('debug', sink) },
    );
    const transport = createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' });
    images = createClient(ImageService, transport);
    processing = createClient(ProcessingService, transport);
  });
  afterAll(async () => {
    await app?.stop();
    await jig?.close();
  });

  it('serves Prometheus metrics on their own address, with process and event-loop metrics, and nothing on the public port', async () => {
    expect(new URL(app.metricsUrl!).port).not.toBe(String(app.server.port));
    const samples = await scrape();
    for (const name of ['process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_p99_seconds']) expect(has(samples, name), name).toBe(true);
    expect(valueOf(samples, 'imgsvc_pool_capacity')).toBe(2);
    expect(valueOf(samples, 'imgsvc_pool_queue_depth')).toBe(0);
    expect(valueOf(samples, 'imgsvc_cache_hits_total', { cache: 'processing' })).toBe(0);
    expect((await fetch(`${app.baseUrl}/metrics`)).status).toBe(404);
    expect((await fetch(app.metricsUrl!.replace('/metrics', '/other'))).status).toBe(404);
  });

  it('counts RPCs by method and code, pool work, store calls and the result cache as calls are made', async () => {
    const before = await scrape();
    const { image } = await images.uploadImage({ fileData: await makePng(), filename: 'a.png' });
    await expect(images.getImage({ imageId: UNKNOWN_ID })).rejects.toMatchObject({ code: Code.NotFound });
    const input = await makeJpeg(320, 240);
    const request = { imageData: input, variationConfigs: [{ id: 'a', format: 'webp', resize: { width: 40, maintainAspectRatio: true } }] };
    const first = [];
    for await (const m of processing.generateVariations(request)) first.push(m.cached);
    const second = [];
    for await (const m of processing.generateVariations(request)) second.push(m.cached);
    expect([first, second]).toEqual([[false], [true]]);
    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);

    const rpc = (method: string, code: string) => ({ method: `image.v1.${method}`, code });
    expect(moved('imgsvc_rpc_calls_total', rpc('ImageService/UploadImage', 'OK'))).toBe(1);
    expect(moved('imgsvc_rpc_calls_total', rpc('ImageService/GetImage', 'NotFound'))).toBe(1);
    expect(moved('imgsvc_rpc_calls_total', rpc('ProcessingService/GenerateVariations', 'OK'))).toBe(2);
    expect(moved('imgsvc_rpc_call_duration_seconds_count', rpc('ImageService/UploadImage', 'OK'))).toBe(1);
    expect(valueOf(after, 'imgsvc_rpc_calls_in_flight', { method: 'image.v1.ImageService/UploadImage' })).toBe(0);

    // The upload probed its bytes in the pool; the variation ran once, then came from the cache.
    expect(moved('imgsvc_pool_run_duration_seconds_count', { operation: 'probe', outcome: 'ok' })).toBe(1);
    expect(moved('imgsvc_pool_run_duration_seconds_count', { operation: 'run', outcome: 'ok' })).toBe(1);
    expect(moved('imgsvc_pool_queue_wait_seconds_count', { operation: 'run' })).toBe(1);
    expect(moved('imgsvc_pool_input_pixels_total', { operation: 'run' })).toBe(320 * 240);
    expect(moved('imgsvc_pool_input_bytes_total', { operation: 'run' })).toBe(input.byteLength);
    expect(moved('imgsvc_pool_output_bytes_total', { operation: 'run' })).toBeGreaterThan(0);
    expect(valueOf(after, 'imgsvc_pool_utilisation')).toBe(0);

    expect(moved('imgsvc_cache_misses_total', { cache: 'processing' })).toBe(1);
    expect(moved('imgsvc_cache_hits_total', { cache: 'processing' })).toBe(1);
    expect(valueOf(after, 'imgsvc_cache_entries', { cache: 'processing' })).toBe(1);
    expect(valueOf(after, 'imgsvc_cache_bytes', { cache: 'processing' })).toBeGreaterThan(0);

    expect(moved('imgsvc_database_calls_total', { operation: 'images.insert', outcome: 'ok' })).toBe(1);
    expect(moved('imgsvc_database_calls_total', { operation: 'images.get', outcome: 'ok' })).toBe(1);
    expect(moved('imgsvc_database_call_duration_seconds_count', { operation: 'images.insert' })).toBe(1);
    expect(moved('imgsvc_blob_calls_total', { operation: 'put', outcome: 'ok' })).toBe(1);
    expect(image?.imageId).toBeTruthy();
  });

  it('counts provider attempts by provider and outcome; with tracing off, sends providers no traceparent', async () => {
    const before = await scrape();
    jig.script({ kind: 'status', status: 503 }, { kind: 'ok' });
    await images.generateImage({ prompt: 'a cat', model: 'jig', width: 256, height: 256 }, { headers: { 'x-request-id': 'gen-call-1' } });
    const after = await scrape();
    const moved = (outcome: string) =>
      valueOf(after, 'imgsvc_provider_calls_total', { provider: 'jigsawstack', outcome }) - valueOf(before, 'imgsvc_provider_calls_total', { provider: 'jigsawstack', outcome });
    expect([moved('http_503'), moved('ok')]).toEqual([1, 1]);
    expect(jig.requests.at(-1)!.headers.traceparent).toBeUndefined();
    // The core's own line about the retry carries the call's request id too.
    expect(lines.filter((l) => l.msg === 'generation provider call failed').at(-1)).toMatchObject({ requestId: 'gen-call-1', status: 503 });
  });

  it('echoes a valid x-request-id, replaces a missing or invalid one, in headers, errors and stream trailers', async () => {
    const idOf = async (given?: string) => {
      let seen: string | null = null;
      await images.listImages({ pageSize: 1 }, { headers: given === undefined ? {} : { 'x-request-id': given }, onHeader: (h) => (seen = h.get('x-request-id')) });
      return seen as string | null;
    };
    expect(await idOf('client-1.a:B-2')).toBe('client-1.a:B-2');
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    for (const bad of [undefined, '', 'has space', 'x'.repeat(129), 'semi;colon', 'ünicode']) expect(await idOf(bad), String(bad)).toMatch(uuid);
    expect(await idOf('x'.repeat(128))).toBe('x'.repeat(128));

    const error = await images.getImage({ imageId: UNKNOWN_ID }, { headers: { 'x-request-id': 'failing-call' } }).then(
      () => new ConnectError('expected a failure'),
      (e: unknown) => ConnectError.from(e),
    );
    expect(error.code).toBe(Code.NotFound);
    expect(error.metadata.get('x-request-id')).toBe('failing-call');

    const grpcJs = grpcJsClient(ProcessingService, app.address);
    const grpcImages = grpcJsClient(ImageService, app.address);
    try {
      const metadata = new grpc.Metadata();
      metadata.set('x-request-id', 'grpc-stream-1');
      const call = grpcJs.generateVariations(
        create(ProcessingServiceGenerateVariationsRequestSchema, { imageData: await makePng(), variationConfigs: [{ id: 'a', format: 'png' }] }),
        metadata,
      );
      const got = await new Promise<{ header?: string; trailer?: string }>((resolve, reject) => {
        const out: { header?: string; trailer?: string } = {};
        call.on('metadata', (m: grpc.Metadata) => (out.header = String(m.get('x-request-id')[0])));
        call.on('data', () => undefined);
        call.on('error', reject);
        call.on('status', (s: grpc.StatusObject) => resolve({ ...out, trailer: String(s.metadata.get('x-request-id')[0]) }));
      });
      expect(got).toEqual({ header: 'grpc-stream-1', trailer: 'grpc-stream-1' });

      const failed = await new Promise<grpc.ServiceError>((resolve) => {
        const md = new grpc.Metadata();
        md.set('x-request-id', 'grpc-unary-1');
        grpcImages.getImage(create(GetImageRequestSchema, { imageId: UNKNOWN_ID }), md, (err: grpc.ServiceError) => resolve(err));
      });
      expect(failed.code).toBe(grpc.status.NOT_FOUND);
      expect(failed.metadata.get('x-request-id')).toContain('grpc-unary-1');
    } finally {
      grpcJs.close();
      grpcImages.close();
    }
  });

  it('puts the request id on every line logged while the call runs, by the interceptors and by the cores', async () => {
    const from = lines.length;
    const request = { imageData: await makeJpeg(64, 48), variationConfigs: [{ id: 'a', format: 'png', resize: { width: 20, maintainAspectRatio: true } }] };
    for await (const _ of processing.generateVariations(request, { headers: { 'x-request-id': 'logged-call' } }));
    const logged = lines.slice(from);
    expect(logged.map((l) => l.msg)).toEqual(expect.arrayContaining(['image operation', 'rpc']));
    for (const line of logged) expect(line.requestId, JSON.stringify(line)).toBe('logged-call');
    // Printed once: the rpc line's logger is bound to the id, and the id is not added to it again.
    const rpcLine = JSON.stringify(logged.find((l) => l.msg === 'rpc'));
    expect(rpcLine.match(/requestId/g)).toHaveLength(1);
  });
});

describe('traces over OTLP/HTTP', () => {
  let app: TestApp;
  let receiver: OtlpReceiver;
  let jig: FakeProvider;
  const hex = (bytes: number) => randomBytes(bytes).toString('hex');

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    jig = await startJigsaw();
    app = await startTestApp({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      WORKER_THREADS: '1',
      TEST_JIG_KEY: 'jig-key',
      GENERATION_MODELS: jigsawModel(jig.url),
    });
  });
  afterAll(async () => {
    await app?.stop();
    await Promise.all([receiver?.close(), jig?.close()]);
  });

  it("exports the spans of one call under the caller's trace: RPC, queue wait, worker run, database, blob store and provider", async () => {
    // Metrics are off here: no metrics address, and the public port still has no /metrics.
    expect(app.metricsUrl).toBeUndefined();
    expect((await fetch(`${app.baseUrl}/metrics`)).status).toBe(404);

    const client = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
    const upload = { traceId: hex(16), parentId: hex(8) };
    await client.uploadImage({ fileData: await makePng(), filename: 'a.png' }, { headers: { traceparent: `00-${upload.traceId}-${upload.parentId}-01` } });
    const generate = { traceId: hex(16), parentId: hex(8) };
    await client.generateImage({ prompt: 'a cat', model: 'jig', width: 256, height: 256 }, { headers: { traceparent: `00-${generate.traceId}-${generate.parentId}-01` } });
    // Stopping the service exports the spans still buffered.
    await app.stop();

    const inTrace = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
    const uploadSpans = inTrace(upload.traceId);
    const rpc = uploadSpans.find((s) => s.name === 'image.v1.ImageService/UploadImage')!;
    expect(rpc).toMatchObject({ parentSpanId: upload.parentId, kind: 2, attributes: { 'rpc.method': 'UploadImage', outcome: 'OK' } });
    expect(rpc.resource['service.name']).toBe('image-asset-service');
    const children = uploadSpans.filter((s) => s.parentSpanId === rpc.spanId).map((s) => s.name);
    expect(children).toEqual(expect.arrayContaining(['pool queue', 'pool run', 'db images.insert', 'blob put']));
    expect(uploadSpans.find((s) => s.name === 'pool run')!.attributes).toMatchObject({ 'pool.operation': 'probe', outcome: 'ok' });

    const generateSpans = inTrace(generate.traceId);
    const generateRpc = generateSpans.find((s) => s.name === 'image.v1.ImageService/GenerateImage')!;
    expect(generateRpc.parentSpanId).toBe(generate.parentId);
    const provider = generateSpans.find((s) => s.name === 'provider jigsawstack')!;
    expect(provider).toMatchObject({ parentSpanId: generateRpc.spanId, kind: 3, attributes: { 'http.response.status_code': 200, outcome: 'ok' } });
    // The provider was sent the trace, with the provider call's span as its parent.
    expect(jig.requests.at(-1)!.headers.traceparent).toBe(`00-${generate.traceId}-${provider.spanId}-01`);
    // Nothing was traced outside the callers' two traces.
    expect(new Set(receiver.spans.map((s) => s.traceId))).toEqual(new Set([upload.traceId, generate.traceId]));
  });
});
