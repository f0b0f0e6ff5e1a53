import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageService, UploadImageStreamRequestSchema, type UploadImageStreamRequest } from '../../gen/image/v1/image_service_pb.js';
import { makePng } from '../support/fixtures.js';
import { grpcJsClient } from '../support/grpc-js-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** MAX_BUFFERED_BYTES in the service: an upload stream that alone would hold more is refused on either path, and the service goes on serving. */
const BUDGET = 1024 * 1024;

function* upload(chunks: number): Generator<UploadImageStreamRequest> {
  yield create(UploadImageStreamRequestSchema, { part: { case: 'header', value: { filename: 'big.bin' } } });
  for (let i = 0; i < chunks; i++) yield create(UploadImageStreamRequestSchema, { part: { case: 'chunk', value: new Uint8Array(64 * 1024).fill(i) } });
}

describe('MAX_BUFFERED_BYTES', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ MAX_BUFFERED_BYTES: String(BUDGET), MAX_MESSAGE_BYTES: String(BUDGET) });
  });
  afterAll(() => app?.stop());

  it('refuses an upload stream that would hold more than the budget, over gRPC and Connect, with RESOURCE_EXHAUSTED', async () => {
    const message = /^request bodies in progress would exceed MAX_BUFFERED_BYTES: limit is 1048576 bytes, \d+ held, \d+ more arriving; retry later$/;
    const client = grpcJsClient(ImageService, app.address);
    try {
      const refused = await new Promise<grpc.ServiceError>((resolve, reject) => {
        const call = client.uploadImageStream((err: grpc.ServiceError | null) => (err ? resolve(err) : reject(new Error('accepted'))));
        for (const m of upload(24)) call.write(m);
        call.end();
      });
      expect(refused.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(refused.details).toMatch(message);
    } finally {
      client.close();
    }
    const connect = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
    const error = await connect.uploadImageStream((async function* () { yield* upload(24); })()).then(() => undefined, (e: unknown) => ConnectError.from(e));
    expect([error?.code, error?.rawMessage]).toEqual([Code.ResourceExhausted, expect.stringMatching(message)]);

    // Still serving, with the budget free again.
    const png = await makePng(32, 32);
    const { image } = await connect.uploadImage({ fileData: png, filename: 'small.png' });
    expect(image?.width).toBe(32);
  });
});
