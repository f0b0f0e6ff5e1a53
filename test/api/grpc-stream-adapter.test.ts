import http2 from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type ConnectRouter, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Health, HealthCheckRequestSchema, HealthCheckResponse_ServingStatus as Status } from '../../gen/grpc/health/v1/health_pb.js';
import { createRouter } from '../../src/api/create-router.js';
import { grpcStreamHandler } from '../../src/api/grpc-stream-adapter.js';
import { nodeRequestHandler } from '../../src/api/node-request-handler.js';
import { listenOnePort, type OnePortServer } from '../../src/api/one-port-server.js';
import { grpcJsClient, unary } from '../support/grpc-js-client.js';

/**
 * The stream adapter in front of Node's request/response path: gRPC over HTTP/2 is taken from the bare
 * stream, the rest declined to the other path; both serve the handlers of one router.
 */
const READ_MAX_BYTES = 64 * 1024;

describe('grpcStreamHandler behind listenOnePort', () => {
  let server: OnePortServer;
  let baseUrl: string;
  const taken: string[] = [];
  const watchEnded: unknown[] = [];
  // Every call the router's interceptor chain saw, as "service/method".
  const intercepted: string[] = [];
  const count: Interceptor = (next) => (req) => {
    intercepted.push(`${req.service.typeName}/${req.method.name}`);
    return next(req);
  };

  const routes = (router: ConnectRouter) =>
    router.service(Health, {
      check(req) {
        if (req.service === 'fail') throw new ConnectError('service: expected a known name, received "fail"', Code.InvalidArgument);
        return { status: Status.SERVING };
      },
      async *watch(req, ctx) {
        yield { status: Status.SERVING };
        if (req.service === 'fail') throw new ConnectError('service: gone after its first answer', Code.FailedPrecondition);
        // Until the client goes away: the adapter must abort the handler's signal.
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
        watchEnded.push(ctx.signal.reason);
      },
      list() {
        return { statuses: {} };
      },
    });

  beforeAll(async () => {
    const handlers = createRouter({ readMaxBytes: READ_MAX_BYTES, interceptors: [count] }, routes);
    const streams = grpcStreamHandler(
      handlers,
      (e) => {
        throw e;
      },
      { readMaxBytes: READ_MAX_BYTES },
    );
    server = await listenOnePort(nodeRequestHandler(handlers), {
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

  it('declines Connect and gRPC-Web, which the Node request/response path answers', async () => {
    taken.length = 0;
    for (const transport of [createConnectTransport({ baseUrl, httpVersion: '2' }), createGrpcWebTransport({ baseUrl, httpVersion: '2' }), createConnectTransport({ baseUrl, httpVersion: '1.1' })]) {
      expect((await createClient(Health, transport).check({})).status).toBe(Status.SERVING);
    }
    expect(taken).toEqual([]);
  });

  it('runs the one interceptor chain exactly once per call, on either path', async () => {
    taken.length = 0;
    intercepted.length = 0;
    const grpcJs = grpcJsClient(Health, `127.0.0.1:${server.port}`);
    try {
      await unary(grpcJs, 'check', create(HealthCheckRequestSchema, { service: '' }));
    } finally {
      grpcJs.close();
    }
    await createClient(Health, createConnectTransport({ baseUrl, httpVersion: '1.1' })).check({});
    await createClient(Health, createGrpcWebTransport({ baseUrl, httpVersion: '2' })).check({});
    await createClient(Health, createGrpcTransport({ baseUrl })).list({});
    expect(taken).toEqual(['application/grpc', 'application/grpc+proto']);
    expect(intercepted).toEqual(['grpc.health.v1.Health/Check', 'grpc.health.v1.Health/Check', 'grpc.health.v1.Health/Check', 'grpc.health.v1.Health/List']);
  });

  it('answers a path that is no RPC with 404 on the Node path', async () => {
    const res = await fetch(`${baseUrl}/grpc.health.v1.Health/Nope`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(404);
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

  it('sends the status of a stream that fails after its first message, not the OK it had when the body began', async () => {
    const client = grpcJsClient(Health, `127.0.0.1:${server.port}`);
    try {
      const call = client.watch(create(HealthCheckRequestSchema, { service: 'fail' }));
      const messages: unknown[] = [];
      call.on('data', (m: unknown) => messages.push(m));
      call.on('error', () => undefined);
      const status = await new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
      expect(messages).toHaveLength(1);
      expect([status.code, status.details]).toEqual([grpc.status.FAILED_PRECONDITION, 'service: gone after its first answer']);
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

  /** A gRPC request over a bare HTTP/2 client: the body written in `parts`, then ended or reset. */
  async function rawCall(body: Buffer, parts: number, end: 'end' | 'reset'): Promise<{ status?: string; grpcStatus?: string; closed: boolean }> {
    const session = http2.connect(baseUrl);
    try {
      const req = session.request({ ':method': 'POST', ':path': '/grpc.health.v1.Health/Check', 'content-type': 'application/grpc', te: 'trailers' });
      const result: { status?: string; grpcStatus?: string; closed: boolean } = { closed: false };
      req.on('response', (h) => (result.status = String(h[':status'])));
      req.on('trailers', (t) => (result.grpcStatus = String(t['grpc-status'])));
      req.on('error', () => undefined);
      req.resume();
      const size = Math.ceil(body.length / parts);
      for (let i = 0; i < parts; i++) {
        req.write(body.subarray(i * size, (i + 1) * size));
        await sleep(1);
      }
      if (end === 'end') req.end();
      else req.close(http2.constants.NGHTTP2_CANCEL);
      await new Promise<void>((resolve) => req.once('close', () => resolve()));
      result.closed = true;
      return result;
    } finally {
      session.close();
    }
  }

  /** A HealthCheckRequest in a gRPC envelope. */
  function envelope(service: string): Buffer {
    const message = Buffer.concat([Buffer.from([0x0a, service.length]), Buffer.from(service, 'latin1')]);
    const header = Buffer.alloc(5);
    header.writeUInt32BE(message.length, 1);
    return Buffer.concat([header, message]);
  }

  it('reads a one-message body that arrives in several pieces as one', async () => {
    expect(await rawCall(envelope('fail'), 4, 'end')).toEqual({ status: '200', grpcStatus: String(grpc.status.INVALID_ARGUMENT), closed: true });
    expect(await rawCall(envelope(''), 3, 'end')).toEqual({ status: '200', grpcStatus: String(grpc.status.OK), closed: true });
  });

  it('survives a client that resets the stream halfway through its request, and keeps serving', async () => {
    const result = await rawCall(envelope('abcdefgh'), 2, 'reset');
    expect(result.closed).toBe(true);
    expect(result.grpcStatus).toBeUndefined();
    const client = grpcJsClient(Health, `127.0.0.1:${server.port}`);
    try {
      expect(await unary(client, 'check', create(HealthCheckRequestSchema, { service: '' }))).toMatchObject({ status: Status.SERVING });
    } finally {
      client.close();
    }
  });

  it('answers a message over readMaxBytes with RESOURCE_EXHAUSTED while the client is still sending, then resets a client that goes on', async () => {
    const session = http2.connect(baseUrl);
    try {
      const req = session.request({ ':method': 'POST', ':path': '/grpc.health.v1.Health/Check', 'content-type': 'application/grpc', te: 'trailers' });
      const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => req.once('trailers', resolve));
      const closed = new Promise<number>((resolve) => req.once('close', () => resolve(req.rstCode)));
      req.on('error', () => undefined);
      req.resume();
      const header = Buffer.alloc(5);
      header.writeUInt32BE(10_000_000, 1);
      req.write(header);
      // A client that ignores the answer and keeps sending its 10 MB.
      const sender = setInterval(() => req.destroyed || req.write(Buffer.alloc(16 * 1024)), 1);
      try {
        expect(await trailers).toMatchObject({
          'grpc-status': String(grpc.status.RESOURCE_EXHAUSTED),
          'grpc-message': `message size 10000000 is larger than configured readMaxBytes ${READ_MAX_BYTES}`,
        });
        expect(await closed).toBe(http2.constants.NGHTTP2_CANCEL);
      } finally {
        clearInterval(sender);
      }
    } finally {
      session.close();
    }
  });

  it('leaves the server one stream listener in front of Node\'s own', () => {
    const h2 = http2.createServer(() => undefined);
    expect(h2.listeners('stream')).toHaveLength(1);
    h2.close();
  });
});
