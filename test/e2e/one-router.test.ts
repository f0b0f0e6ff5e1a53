import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { create } from '@bufbuild/protobuf';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetImageRequestSchema, ImageService } from '../../gen/image/v1/image_service_pb.js';
import { makePng } from '../support/fixtures.js';
import { grpcJsClient, unary } from '../support/grpc-js-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('one router behind both transport paths', () => {
  let app: TestApp;
  /** Every line the server logged, parsed. */
  const lines: { msg?: string; rpc?: string; outcome?: string }[] = [];
  const rpcLines = (rpc: string) => lines.filter((l) => l.msg === 'rpc' && l.rpc === rpc);

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
        done();
      },
    });
    app = await startTestApp({}, { logger: pino({ level: 'debug' }, sink) });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("runs the app's interceptor chain exactly once per call, whichever path and protocol the call takes", async () => {
    const connect = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '1.1' }));
    const { image } = await connect.uploadImage({ fileData: await makePng(), filename: 'a.png' });
    const request = { imageId: image!.imageId };
    const grpcJs = grpcJsClient(ImageService, app.address);
    try {
      // gRPC from @grpc/grpc-js and from connect: the bare HTTP/2 stream path.
      await unary(grpcJs, 'getImage', create(GetImageRequestSchema, request));
      await createClient(ImageService, createGrpcTransport({ baseUrl: app.baseUrl })).getImage(request);
    } finally {
      grpcJs.close();
    }
    // Connect over HTTP/1.1 and HTTP/2, gRPC-Web over HTTP/1.1: Node's request/response path.
    await connect.getImage(request);
    await createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' })).getImage(request);
    await createClient(ImageService, createGrpcWebTransport({ baseUrl: app.baseUrl, httpVersion: '1.1' })).getImage(request);
    expect(rpcLines('image.v1.ImageService/GetImage').map((l) => l.outcome)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(rpcLines('image.v1.ImageService/UploadImage')).toHaveLength(1);
  });

  it('builds the handlers with one createConnectRouter in src/, and no connect-node adapter of its own', async () => {
    const root = path.resolve(import.meta.dirname, '../../src');
    const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.ts'));
    const uses = async (pattern: RegExp) => {
      const found: string[] = [];
      for (const file of files) if (pattern.test(await readFile(path.join(root, file), 'utf8'))) found.push(file);
      return found;
    };
    expect(await uses(/createConnectRouter\(/)).toEqual(['api/create-router.ts']);
    expect(await uses(/connectNodeAdapter\(/)).toEqual([]);
  });
});
