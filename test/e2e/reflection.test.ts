import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { createFileRegistry, fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { create } from '@bufbuild/protobuf';
import { ServerReflection } from '../../gen/grpc/reflection/v1/reflection_pb.js';
import { ServerReflection as ServerReflectionAlpha } from '../../gen/grpc/reflection/v1alpha/reflection_pb.js';
import { makePng } from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const run = promisify(execFile);
const BUF = path.resolve('node_modules/.bin/buf');

describe('server reflection: buf curl and a reflection client', () => {
  let app: TestApp;
  const curl = (...args: string[]) => run(BUF, ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', ...args], { timeout: 60_000 });

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('buf curl lists both services and their methods through reflection', async () => {
    const services = (await curl(app.baseUrl, '--list-services')).stdout.trim().split('\n');
    expect(services).toEqual(expect.arrayContaining(['image.v1.ImageService', 'image.v1.ProcessingService', 'grpc.health.v1.Health', 'grpc.reflection.v1.ServerReflection']));
    const methods = (await curl(app.baseUrl, '--list-methods')).stdout.trim().split('\n');
    for (const m of ['UploadImage', 'UploadImageStream', 'GetImage', 'ListImages', 'DeleteImage', 'GetImageUrl', 'ExportImage', 'GenerateImage', 'GenerateVariations', 'RefineImage', 'GenerateColorPalette', 'GenerateMultiplePalettes', 'ApplyPaletteToImage', 'ResizeImage', 'CropImage', 'ApplyFilter', 'GetPalette', 'ListPalettes', 'ListModels']) {
      expect(methods).toContain(`image.v1.ImageService/${m}`);
    }
    for (const m of ['GenerateVariations', 'ApplyColorTransformations', 'CreateComposite', 'AnalyzeImage', 'GenerateAndApplyPalette', 'ProcessForExport']) {
      expect(methods).toContain(`image.v1.ProcessingService/${m}`);
    }
  });

  it('buf curl calls UploadImage and GetImage with JSON, resolving the schema by reflection', async () => {
    const png = await makePng(12, 8);
    const body = JSON.stringify({ file_data: png.toString('base64'), filename: 'curl.png', metadata: { via: 'buf curl' } });
    const uploaded = JSON.parse((await curl('--data', body, `${app.baseUrl}/image.v1.ImageService/UploadImage`)).stdout);
    expect(uploaded.image).toMatchObject({ filename: 'curl.png', contentType: 'image/png', width: 12, height: 8, kind: 'IMAGE_KIND_UPLOADED', metadata: { via: 'buf curl' } });
    const got = JSON.parse((await curl('--data', JSON.stringify({ image_id: uploaded.image.imageId, include_data: true }), `${app.baseUrl}/image.v1.ImageService/GetImage`)).stdout);
    expect(Buffer.from(got.data, 'base64').equals(png)).toBe(true);
  });

  it('buf curl over the Connect protocol and HTTP/1.1 works on the same port', async () => {
    const { stdout } = await run(BUF, ['curl', '--protocol', 'connect', '--data', '{"page_size": 1}', `${app.baseUrl}/image.v1.ImageService/ListImages`], { timeout: 60_000 });
    expect(JSON.parse(stdout)).toBeTypeOf('object');
  });

  it('describes a method: the file containing it resolves with all its dependencies (v1 and v1alpha)', async () => {
    for (const service of [ServerReflection, ServerReflectionAlpha]) {
      const client = createClient(service as typeof ServerReflection, createGrpcTransport({ baseUrl: app.baseUrl }));
      async function* requests() {
        yield { messageRequest: { case: 'fileContainingSymbol' as const, value: 'image.v1.ImageService.UploadImage' } };
      }
      const files = [];
      for await (const res of client.serverReflectionInfo(requests())) {
        expect(res.messageResponse.case).toBe('fileDescriptorResponse');
        if (res.messageResponse.case === 'fileDescriptorResponse') {
          files.push(...res.messageResponse.value.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b)));
        }
      }
      const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: files }));
      const method = registry.getService('image.v1.ImageService')?.methods.find((m) => m.name === 'UploadImage');
      expect(method?.input.typeName).toBe('image.v1.UploadImageRequest');
      expect(method?.input.fields.map((f) => f.name)).toEqual(['file_data', 'filename', 'content_type', 'metadata', 'uploader_id']);
      expect(method?.output.field.image.message?.typeName).toBe('image.v1.ImageAsset');

      async function* unknown() {
        yield { messageRequest: { case: 'fileContainingSymbol' as const, value: 'no.such.Symbol' } };
      }
      for await (const res of client.serverReflectionInfo(unknown())) {
        expect(res.messageResponse).toMatchObject({ case: 'errorResponse', value: { errorCode: 5 } });
      }
    }
  });
});
