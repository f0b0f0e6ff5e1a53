import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { Code, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import sharp from 'sharp';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import type { VariationConfigSchema } from '../../gen/image/v1/operations_pb.js';
import {
  ProcessBatchRequestSchema,
  ProcessingService,
  type ProcessBatchResponse,
} from '../../gen/image/v1/processing_service_pb.js';
import { grpcJsClient } from '../support/grpc-js-client.js';
import { makeJpeg } from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type Item = MessageInitShape<typeof ProcessBatchRequestSchema>;

type Config = MessageInitShape<typeof VariationConfigSchema>;

/** A thumbnail: small input, small output, milliseconds of work. */
const THUMBNAIL: Config = { resize: { width: 32, height: 32, maintainAspectRatio: true }, format: 'png' };
/** Seconds of work: a wide blur of a 6 MP photo, written as PNG. */
const SLOW: Config = { filter: { filterType: { case: 'gaussianBlur', value: { sigma: 40 } } }, format: 'png' };

const item = (id: string, imageData: Uint8Array, config = THUMBNAIL): Item => ({ id, source: { case: 'imageData', value: imageData }, config });

/** A ProcessBatch call over @grpc/grpc-js: write items, read results as they come, see how it ended. */
function openBatch(client: grpc.Client & Record<string, any>, options: grpc.CallOptions = {}) {
  const call: grpc.ClientDuplexStream<any, ProcessBatchResponse> = client.processBatch(new grpc.Metadata(), options);
  const results: ProcessBatchResponse[] = [];
  // The status, not 'end' or 'error': grpc-js may end the readable side before it reports an error.
  const ended = new Promise<grpc.StatusObject | undefined>((resolve) => {
    call.on('data', (message: ProcessBatchResponse) => results.push(message));
    call.on('error', () => undefined);
    call.on('status', (status: grpc.StatusObject) => resolve(status.code === grpc.status.OK ? undefined : status));
  });
  return {
    call,
    results,
    ended,
    write: (...items: Item[]) => items.forEach((item) => call.write(create(ProcessBatchRequestSchema, item))),
  };
}

function imageOf(result: ProcessBatchResponse | undefined) {
  if (result?.result.case !== 'image') throw new Error(`expected an image, received ${JSON.stringify(result?.result.case)}`);
  return result.result.value;
}

function errorOf(result: ProcessBatchResponse | undefined) {
  if (result?.result.case !== 'error') throw new Error(`expected an error, received ${JSON.stringify(result?.result.case)}`);
  return result.result.value;
}

/** A real server with `env` and a grpc-js client of it. */
async function serve(env: Record<string, string> = {}) {
  const app = await startTestApp(env);
  const client = grpcJsClient(ProcessingService, app.address);
  return {
    app,
    client,
    async stop() {
      client.close();
      await app.stop();
    },
  };
}

let photo: Buffer;
let big: Buffer;
beforeAll(async () => {
  [photo, big] = await Promise.all([makeJpeg(320, 240), makeJpeg(3000, 2000)]);
});

describe('ProcessingService.ProcessBatch over @grpc/grpc-js', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  let app: TestApp;
  let client: grpc.Client & Record<string, any>;

  beforeAll(async () => {
    server = await serve();
    ({ app, client } = server);
  });
  afterAll(() => server?.stop());

  it('streams each result as it completes: a slow item sent first comes back after the fast ones sent after it', async () => {
    const batch = openBatch(client);
    batch.write(item('slow', big, SLOW), item('fast-1', photo), item('fast-2', photo), item('fast-3', photo));
    batch.call.end();
    expect(await batch.ended).toBeUndefined();
    expect(batch.results.map((r) => r.id)).toHaveLength(4);
    expect(batch.results.at(-1)!.id).toBe('slow');
    expect(batch.results.slice(0, 3).map((r) => r.id).sort()).toEqual(['fast-1', 'fast-2', 'fast-3']);
    for (const result of batch.results.slice(0, 3)) {
      const image = imageOf(result);
      expect([image.format, image.width, image.height, Number(image.fileSize)]).toEqual(['png', 32, 24, image.data.byteLength]);
      expect(await sharp(image.data).metadata()).toMatchObject({ format: 'png', width: 32, height: 24 });
    }
    expect([imageOf(batch.results.at(-1)).width, imageOf(batch.results.at(-1)).height]).toEqual([3000, 2000]);
  });

  it('fails a bad item alone, with its code, message and field, and goes on with the rest', async () => {
    const connect = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
    const stored = (await connect.uploadImage({ fileData: photo, filename: 'stored.jpg' })).image!.imageId;
    const batch = openBatch(client);
    batch.write(
      item('good-1', photo),
      item('corrupt', Buffer.from('definitely not an image, just some bytes')),
      item('bad-width', photo, { resize: { width: -5 }, format: 'png' }),
      { id: 'stored', source: { case: 'imageId', value: stored }, config: { resize: { width: 40 } } },
      { id: 'unknown', source: { case: 'imageId', value: '0190b6e2-7c1a-7d3e-9f00-0123456789ab' } },
      { id: 'no-source', config: { format: 'png' } },
      item('config-id', photo, { id: 'other', format: 'png' }),
      item('good-1', photo),
      item('', photo),
      item('good-2', photo),
    );
    batch.call.end();
    expect(await batch.ended).toBeUndefined();
    const byId = new Map<string, ProcessBatchResponse[]>();
    for (const r of batch.results) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
    expect(batch.results).toHaveLength(10);

    expect(imageOf(byId.get('good-2')?.[0]).width).toBe(32);
    const storedImage = imageOf(byId.get('stored')?.[0]);
    // No format: the stored JPEG's own.
    expect([storedImage.format, storedImage.width, storedImage.height]).toEqual(['jpeg', 40, 30]);

    const expectError = (result: ProcessBatchResponse | undefined, code: Code, reason: string, field: string | undefined, message: RegExp) => {
      const error = errorOf(result);
      expect([error.code, error.errorInfo?.reason, error.errorInfo?.domain]).toEqual([code, reason, 'image.v1']);
      expect(error.message).toMatch(message);
      expect(error.badRequest?.fieldViolations.map((v) => v.field)).toEqual(field === undefined ? undefined : [field]);
    };
    expectError(byId.get('corrupt')?.[0], Code.InvalidArgument, 'INVALID_IMAGE', 'image_data', /^image_data: expected image bytes .*received 40 bytes of unknown data$/);
    expectError(byId.get('bad-width')?.[0], Code.InvalidArgument, 'INVALID_ARGUMENT', 'config.resize.width', /^config\.resize\.width: expected an integer from 0 to 16384, received -5$/);
    expectError(byId.get('unknown')?.[0], Code.NotFound, 'IMAGE_NOT_FOUND', undefined, /^image "0190b6e2-7c1a-7d3e-9f00-0123456789ab" not found$/);
    expectError(byId.get('no-source')?.[0], Code.InvalidArgument, 'INVALID_ARGUMENT', 'image_data', /^image_data: expected the item's image: bytes in image_data or a stored image's id in image_id, received nothing$/);
    expectError(byId.get('config-id')?.[0], Code.InvalidArgument, 'INVALID_ARGUMENT', 'config.id', /^config\.id: expected empty \(the item's own id tags its result\), received "other"$/);
    expectError(byId.get('')?.[0], Code.InvalidArgument, 'INVALID_ARGUMENT', 'id', /^id: expected an id of 1 to 256 characters, unique within the stream, received ""$/);
    // The first good-1 is processed; the second, with the same id, is refused.
    const [first, second] = byId.get('good-1')!;
    const [ok, dup] = first.result.case === 'image' ? [first, second] : [second, first];
    expect(imageOf(ok).width).toBe(32);
    expectError(dup, Code.InvalidArgument, 'INVALID_ARGUMENT', 'id', /^id: expected an id .* \(an earlier item has this one\), received "good-1"$/);
  });

  it('ends the whole stream with DEADLINE_EXCEEDED when the call deadline passes, after the results already done', async () => {
    const batch = openBatch(client, { deadline: Date.now() + 4000 });
    batch.write(item('done-in-time', photo));
    // The client then goes quiet without ending the stream: the deadline covers the stream, not an item.
    const error = await batch.ended;
    expect(error?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(batch.results.map((r) => r.id)).toEqual(['done-in-time']);
    expect(imageOf(batch.results[0]).width).toBe(32);
  });

  it('works over Connect on HTTP/2 (the request/response adapter path) too', async () => {
    const connect = createClient(ProcessingService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
    async function* items() {
      yield create(ProcessBatchRequestSchema, item('a', photo));
      yield create(ProcessBatchRequestSchema, item('b', photo, { format: 'bmp' }));
      yield create(ProcessBatchRequestSchema, item('c', photo));
    }
    const results: ProcessBatchResponse[] = [];
    for await (const result of connect.processBatch(items())) results.push(result);
    expect(results.map((r) => r.id).sort()).toEqual(['a', 'b', 'c']);
    const b = errorOf(results.find((r) => r.id === 'b'));
    expect([b.code, b.errorInfo?.reason, b.badRequest?.fieldViolations[0]?.field]).toEqual([Code.InvalidArgument, 'UNSUPPORTED_FORMAT', 'config.format']);
    expect(imageOf(results.find((r) => r.id === 'c')).height).toBe(24);
  });
});

describe('ProcessBatch under admission, cancellation and its own bounds', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  let app: TestApp;
  let client: grpc.Client & Record<string, any>;

  beforeAll(async () => {
    // One operation at a time: what is queued, refused or dropped is then plain to see in the pool's stats.
    server = await serve({ MAX_CONCURRENT_OPERATIONS: '1', MAX_QUEUE: '0', MAX_BATCH_IN_FLIGHT: '3', MAX_BATCH_ITEMS: '4', MAX_MESSAGE_BYTES: '4000000' });
    ({ app, client } = server);
  });
  afterAll(() => server?.stop());

  it('answers items the full pool refuses with RESOURCE_EXHAUSTED (OVERLOADED, with RetryInfo) each, and the stream goes on', async () => {
    const batch = openBatch(client);
    batch.write(item('slow', big, SLOW));
    await vi.waitFor(() => expect(app.pool.stats().running).toBe(1), { timeout: 30_000, interval: 20 });
    batch.write(item('refused-1', photo), item('refused-2', photo));
    await vi.waitFor(() => expect(batch.results).toHaveLength(3), { timeout: 60_000, interval: 20 });
    // After the pool has room again, the same stream is served.
    batch.write(item('after', photo));
    batch.call.end();
    expect(await batch.ended).toBeUndefined();
    expect(batch.results.map((r) => r.id)).toEqual(['refused-1', 'refused-2', 'slow', 'after']);
    for (const refused of batch.results.slice(0, 2)) {
      const error = errorOf(refused);
      expect([error.code, error.errorInfo?.reason, Number(error.retryInfo?.retryDelay?.seconds)]).toEqual([Code.ResourceExhausted, 'OVERLOADED', 1]);
      expect(error.message).toBe('image processing is at capacity (1 running, 0 waiting); retry later');
    }
    expect(imageOf(batch.results[2]).width).toBe(3000);
    expect(imageOf(batch.results[3]).width).toBe(32);
  });

  it('stops reading while MAX_BATCH_IN_FLIGHT items are held, and a cancelled stream drops its queued items', async () => {
    // A queue this time, so held items wait in it; the app's other settings stay.
    const queuing = await serve({ MAX_CONCURRENT_OPERATIONS: '1', MAX_QUEUE: '64', MAX_BATCH_IN_FLIGHT: '3' });
    const { app: queued, client: queuedClient } = queuing;
    try {
      const before = queued.pool.stats();
      const batch = openBatch(queuedClient);
      batch.write(...Array.from({ length: 6 }, (_, i) => item(`slow-${i}`, big, SLOW)));
      // Three held (one running, two queued); the other three requests are not read.
      await vi.waitFor(() => expect(queued.pool.stats()).toMatchObject({ running: 1, queued: 2 }), { timeout: 30_000, interval: 20 });
      batch.call.cancel();
      expect((await batch.ended)?.code).toBe(grpc.status.CANCELLED);
      await vi.waitFor(() => expect(queued.pool.stats()).toMatchObject({ running: 0, queued: 0 }), { timeout: 60_000, interval: 50 });
      const after = queued.pool.stats();
      // The two queued items were dropped without running; only the one running finished (unread).
      expect([after.rejected - before.rejected, after.completed - before.completed]).toEqual([2, 1]);
      expect(batch.results).toEqual([]);
    } finally {
      await queuing.stop();
    }
  });

  it('answers the items it took, then ends with RESOURCE_EXHAUSTED past MAX_BATCH_ITEMS', async () => {
    const batch = openBatch(client);
    batch.write(...['1', '2', '3', '4', '5', '6'].map((id) => item(id, photo)));
    batch.call.end();
    const error = await batch.ended;
    expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(error?.details).toBe(
      'items in one ProcessBatch stream (MAX_BATCH_ITEMS): limit is 4, received more (item "5" and any after it were not processed; send them on a new stream)',
    );
    // One at a time through the pool (MAX_QUEUE 0): some may be refused as OVERLOADED, but each of the four has its answer.
    expect(batch.results.map((r) => r.id).sort()).toEqual(['1', '2', '3', '4']);
  });

  it('holds each item to the message limit: an oversized one ends the stream with RESOURCE_EXHAUSTED after the results before it', async () => {
    const batch = openBatch(client);
    batch.write(item('small', photo), item('oversized', Buffer.alloc(5_000_000)));
    batch.call.end();
    const error = await batch.ended;
    expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(error?.details).toMatch(/4000000/);
    expect(batch.results.map((r) => r.id)).toEqual(['small']);
    expect(imageOf(batch.results[0]).width).toBe(32);
  });
});

describe('ProcessBatch and the request byte budget (MAX_BUFFERED_BYTES)', () => {
  let server: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    // Room for a few of the photos at once, far less than the stream carries in all.
    const budget = 6 * big.byteLength;
    server = await serve({ MAX_BUFFERED_BYTES: String(budget), MAX_MESSAGE_BYTES: String(2 * big.byteLength), MAX_BATCH_IN_FLIGHT: '2' });
  });
  afterAll(() => server?.stop());

  const ITEMS = 20;

  it('serves a stream carrying several times the budget over gRPC, since it holds only the items in flight', async () => {
    const batch = openBatch(server.client);
    batch.write(...Array.from({ length: ITEMS }, (_, i) => item(String(i), big)));
    batch.call.end();
    expect(await batch.ended).toBeUndefined();
    expect(batch.results.map((r) => imageOf(r).width)).toEqual(Array(ITEMS).fill(32));
  });

  it('and over Connect on HTTP/2 (the adapter path)', async () => {
    const connect = createClient(ProcessingService, createConnectTransport({ baseUrl: server.app.baseUrl, httpVersion: '2' }));
    async function* items() {
      for (let i = 0; i < ITEMS; i++) yield create(ProcessBatchRequestSchema, item(String(i), big));
    }
    const widths: number[] = [];
    for await (const result of connect.processBatch(items())) widths.push(imageOf(result).width);
    expect(widths).toEqual(Array(ITEMS).fill(32));
  });
});

