import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, createConnectRouter, type ConnectRouter } from '@connectrpc/connect';
import { connectNodeAdapter, createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageService, UploadImageStreamRequestSchema, type UploadImageStreamRequest } from '../../gen/image/v1/image_service_pb.js';
import { grpcStreamHandler } from '../../src/api/grpc-stream-adapter.js';
import { listenOnePort, type OnePortServer } from '../../src/api/one-port-server.js';
import { RequestByteBudget, withRequestByteBudget } from '../../src/api/request-byte-budget.js';
import { grpcJsClient } from '../support/grpc-js-client.js';

/**
 * One budget of request body bytes across both entry points: a call holding most of it leaves too little
 * for others, which are refused with RESOURCE_EXHAUSTED on the bare-stream gRPC path and on the
 * adapter's (Connect over HTTP/2 and HTTP/1.1); once it ends, its bytes are free again.
 */
const BUDGET = 1024 * 1024;
const CHUNK = 64 * 1024;

describe('request byte budget on both paths', () => {
  let server: OnePortServer;
  let baseUrl: string;
  const budget = new RequestByteBudget(BUDGET);
  // The call that holds its bytes: says when it has read enough, and waits for the test to let it finish.
  let holding: (() => void) | undefined;
  let release: Promise<void> | undefined;

  const routes = (router: ConnectRouter) =>
    router.service(ImageService, {
      async uploadImageStream(requests: AsyncIterable<UploadImageStreamRequest>) {
        let bytes = 0;
        let holder = false;
        for await (const req of requests) {
          if (req.part.case === 'header') holder = req.part.value.filename === 'holder';
          if (req.part.case === 'chunk') bytes += req.part.value.byteLength;
          if (holder && bytes === 10 * CHUNK) {
            holding?.();
            await release;
          }
        }
        return { image: { fileSize: BigInt(bytes) } };
      },
      uploadImage(req) {
        return { image: { fileSize: BigInt(req.fileData.byteLength) } };
      },
    });

  beforeAll(async () => {
    const options = { readMaxBytes: BUDGET };
    const router = createConnectRouter(options);
    routes(router);
    server = await listenOnePort(withRequestByteBudget(connectNodeAdapter({ ...options, routes }), budget), {
      host: '127.0.0.1',
      port: 0,
      streamHandler: grpcStreamHandler(router.handlers, () => undefined, { ...options, budget }),
    });
    baseUrl = `http://127.0.0.1:${server.port}`;
  });
  afterAll(() => server?.close(1000));

  function* messages(filename: string, chunks: number): Generator<UploadImageStreamRequest> {
    yield create(UploadImageStreamRequestSchema, { part: { case: 'header', value: { filename } } });
    for (let i = 0; i < chunks; i++) yield create(UploadImageStreamRequestSchema, { part: { case: 'chunk', value: new Uint8Array(CHUNK).fill(i) } });
  }
  async function* streamed(filename: string, chunks: number): AsyncGenerator<UploadImageStreamRequest> {
    yield* messages(filename, chunks);
  }

  it('refuses calls while another holds most of the budget, and serves them again once it has ended', async () => {
    // The holder: 10 chunks (640 KiB) over gRPC, then it waits before reading on.
    let letGo!: () => void;
    release = new Promise<void>((resolve) => (letGo = resolve));
    const held = new Promise<void>((resolve) => (holding = resolve));
    const client = grpcJsClient(ImageService, `127.0.0.1:${server.port}`);
    const holder = new Promise<any>((resolve, reject) => {
      const call = client.uploadImageStream((err: grpc.ServiceError | null, res: unknown) => (err ? reject(err) : resolve(res)));
      for (const m of messages('holder', 10)) call.write(m);
      void held.then(() => call.end());
    });
    await held;
    holding = undefined;
    expect(budget.heldBytes).toBeGreaterThan(10 * CHUNK);

    const refusal = (e: unknown) => {
      const error = ConnectError.from(e);
      return [error.code, error.rawMessage.replace(/\d+ held, \d+ more/, 'N held, N more')];
    };
    const expected = [Code.ResourceExhausted, `request bodies in progress would exceed MAX_BUFFERED_BYTES: limit is ${BUDGET} bytes, N held, N more arriving; retry later`];
    // The bare HTTP/2 stream path (gRPC), with @grpc/grpc-js.
    const grpcRefused = await new Promise<grpc.ServiceError>((resolve, reject) => {
      const call = client.uploadImageStream((err: grpc.ServiceError | null) => (err ? resolve(err) : reject(new Error('accepted'))));
      for (const m of messages('second', 10)) call.write(m);
      call.end();
    });
    expect([grpcRefused.code, grpcRefused.details.replace(/\d+ held, \d+ more/, 'N held, N more')]).toEqual([grpc.status.RESOURCE_EXHAUSTED, expected[1]]);
    // The adapter's path: Connect over HTTP/2 (client streaming) and over HTTP/1.1 (unary).
    const h2 = createClient(ImageService, createConnectTransport({ baseUrl, httpVersion: '2' }));
    expect(await h2.uploadImageStream(streamed('third', 10)).then(() => 'accepted', refusal)).toEqual(expected);
    const h1 = createClient(ImageService, createConnectTransport({ baseUrl, httpVersion: '1.1' }));
    expect(await h1.uploadImage({ fileData: new Uint8Array(10 * CHUNK) }).then(() => 'accepted', refusal)).toEqual(expected);
    // gRPC through the adapter (the stream path passes on what it does not know), for completeness.
    const grpcOverAdapter = createClient(ImageService, createGrpcTransport({ baseUrl }));
    expect(await grpcOverAdapter.uploadImage({ fileData: new Uint8Array(10 * CHUNK) }).then(() => 'accepted', refusal)).toEqual(expected);

    letGo();
    expect((await holder).image.fileSize).toBe(BigInt(10 * CHUNK));
    await allReleased();
    expect((await h2.uploadImageStream(streamed('fourth', 10))).image?.fileSize).toBe(BigInt(10 * CHUNK));
    expect((await h1.uploadImage({ fileData: new Uint8Array(10 * CHUNK) })).image?.fileSize).toBe(BigInt(10 * CHUNK));
    client.close();
    await allReleased();
  });

  /** A call's bytes are released as its response closes, a moment after the client has the answer. */
  async function allReleased(): Promise<void> {
    for (let i = 0; budget.heldBytes > 0; i++) {
      if (i > 500) throw new Error(`bytes never released: ${budget.heldBytes}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
});
