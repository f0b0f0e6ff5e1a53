import { Code, ConnectError, createClient, type ConnectRouter } from '@connectrpc/connect';
import { connectNodeAdapter, createConnectTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import { listenOnePort, type OnePortServer } from '../../src/api/one-port-server.js';

/**
 * A call refused at the first bytes of its body (here: a message over readMaxBytes) must leave its
 * connection usable: the next call on the same HTTP/1.1 connection is answered, and a dozen refusals on
 * one HTTP/2 session (more than its concurrent streams) do not use the session up.
 */
const READ_MAX = 64 * 1024;

describe('early answers on the adapter path', () => {
  let server: OnePortServer;
  let baseUrl: string;
  beforeAll(async () => {
    const routes = (router: ConnectRouter) => router.service(ImageService, { uploadImage: (req) => ({ image: { fileSize: BigInt(req.fileData.byteLength) } }) });
    server = await listenOnePort(connectNodeAdapter({ routes, readMaxBytes: READ_MAX }), { host: '127.0.0.1', port: 0, maxRequestBodyBytes: 16 * READ_MAX, maxStreamsPerConnection: 4 });
    baseUrl = `http://127.0.0.1:${server.port}`;
  });
  afterAll(() => server?.close(1000));

  const oversized = { fileData: new Uint8Array(8 * READ_MAX) };
  const small = { fileData: new Uint8Array(10) };

  for (const [name, transport] of [
    ['Connect over HTTP/1.1', () => createConnectTransport({ baseUrl, httpVersion: '1.1' })],
    ['gRPC-Web over HTTP/1.1', () => createGrpcWebTransport({ baseUrl, httpVersion: '1.1' })],
    ['Connect over HTTP/2', () => createConnectTransport({ baseUrl, httpVersion: '2' })],
  ] as const) {
    it(`${name}: refusals, then an answer on the same connection`, async () => {
      // One transport: one keep-alive connection (HTTP/1.1, calls in sequence) or one session (HTTP/2).
      const client = createClient(ImageService, transport());
      for (let i = 0; i < 12; i++) {
        const error = await client.uploadImage(oversized).then(() => undefined, (e: unknown) => ConnectError.from(e));
        expect([i, error?.code]).toEqual([i, Code.ResourceExhausted]);
      }
      expect((await client.uploadImage(small)).image?.fileSize).toBe(10n);
    });
  }
});
