import http2 from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, createConnectRouter, type ConnectRouter } from '@connectrpc/connect';
import { connectNodeAdapter, createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Health, HealthCheckRequestSchema, HealthCheckResponse_ServingStatus as Status } from '../../gen/grpc/health/v1/health_pb.js';
import { grpcStreamHandler } from '../../src/api/grpc-stream-adapter.js';
import { listenOnePort, type OnePortServer } from '../../src/api/one-port-server.js';
import { grpcJsClient, unary } from '../support/grpc-js-client.js';

/**
 * The stream adapter in front of connect-node's: gRPC over HTTP/2 is taken from the bare stream, the rest
 * declined to the adapter; both answer from the same service implementation.
 */
describe('grpcStreamHandler behind listenOnePort', () => {
  let server: OnePortServer;
  let baseUrl: string;
  const taken: string[] = [];
  const watchEnded: unknown[] = [];

  const routes = (router: ConnectRouter) =>
    router.service(Health, {
      check(req) {
        if (req.service === 'fail') throw new ConnectError('service: expected a known name, received "fail"', Code.InvalidArgument);
        return { status: Status.SERVING };
      },
      async *watch(_req, ctx) {
        yield { status: Status.SERVING };
        // Until the client goes away: the adapter must abort the handler's signal.
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
        watchEnded.push(ctx.signal.reason);
      },
      list() {
        return { statuses: {} };
      },
    });

  beforeAll(async () => {
    const router = createConnectRouter();
    routes(router);
    const streams = grpcStreamHandler(router.handlers, (e) => {
      throw e;
    });
    server = await listenOnePort(connectNodeAdapter({ routes }), {
      host: '127.0.0.1',
      port: 0,
      streamHandler: (stream, headers) => {
        const took = streams(stream, headers);
        if (took) taken.push(String(headers['content-type']));
        return took;
      },
    });
    baseUrl = `http://127.0.0.1:${server.port}`;
  });
  afterAll(() => server?.close(1000));

  it('takes gRPC over HTTP/2, from @grpc/grpc-js and from connect, and answers it', async () => {
    const client = grpcJsClient(Health, `127.0.0.1:${server.port}`);
    try {
      expect(await unary(client, 'check', create(HealthCheckRequestSchema, { service: '' }))).toMatchObject({ status: Status.SERVING });
    } finally {
      client.close();
    }
    const connectGrpc = createClient(Health, createGrpcTransport({ baseUrl }));
    expect((await connectGrpc.check({})).status).toBe(Status.SERVING);
    expect(taken).toEqual(['application/grpc', 'application/grpc+proto']);
  });

  it('declines Connect and gRPC-Web, which the adapter answers', async () => {
    taken.length = 0;
    for (const transport of [createConnectTransport({ baseUrl, httpVersion: '2' }), createGrpcWebTransport({ baseUrl, httpVersion: '2' }), createConnectTransport({ baseUrl, httpVersion: '1.1' })]) {
      expect((await createClient(Health, transport).check({})).status).toBe(Status.SERVING);
    }
    expect(taken).toEqual([]);
  });

  it('declines an unknown method, which gets UNIMPLEMENTED', async () => {
    taken.length = 0;
    const client = new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    const error = await new Promise<grpc.ServiceError>((resolve) =>
      client.makeUnaryRequest('/grpc.health.v1.Health/Nope', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), (e) => resolve(e!)),
    );
    client.close();
    expect(error.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(taken).toEqual([]);
  });

  it('sends errors as gRPC trailers, grpc-message readable by @grpc/grpc-js', async () => {
    const client = grpcJsClient(Health, `127.0.0.1:${server.port}`);
    try {
      const error = (await unary(client, 'check', create(HealthCheckRequestSchema, { service: 'fail' })).catch((e: unknown) => e)) as grpc.ServiceError;
      expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(error.details).toBe('service: expected a known name, received "fail"');
    } finally {
      client.close();
    }
  });

  it("aborts the handler's signal when the client cancels a stream", async () => {
    const client = grpcJsClient(Health, `127.0.0.1:${server.port}`);
    const call = client.watch(create(HealthCheckRequestSchema, { service: '' }));
    await new Promise<void>((resolve) => call.once('data', () => resolve()));
    call.on('error', () => undefined);
    call.cancel();
    for (let i = 0; i < 100 && watchEnded.length === 0; i++) await sleep(10);
    client.close();
    expect(watchEnded).toHaveLength(1);
    expect(ConnectError.from(watchEnded[0]).code).toBe(Code.Canceled);
  });

  it('leaves the server one stream listener in front of Node\'s own', () => {
    const h2 = http2.createServer(() => undefined);
    expect(h2.listeners('stream')).toHaveLength(1);
    h2.close();
  });
});
