import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { ImageService, UploadImageRequestSchema } from '../../gen/image/v1/image_service_pb.js';
import { grpcJsClient, unary } from '../support/grpc-js-client.js';
import { gradient } from '../support/fixtures.js';
import { haveSharedImages, SHARED_IMAGES, sharedImage } from '../support/shared-images.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

async function upload(client: grpc.Client, data: Buffer, filename: string): Promise<{ code: grpc.status; details: string }> {
  try {
    await unary(client, 'uploadImage', create(UploadImageRequestSchema, { fileData: data, filename }));
    return { code: grpc.status.OK, details: '' };
  } catch (error) {
    const e = error as grpc.ServiceError;
    return { code: e.code, details: e.details };
  }
}

describe('UploadImage of data cut short, many at once', () => {
  let app: TestApp;
  let client: grpc.Client;

  beforeAll(async () => {
    app = await startTestApp();
    client = grpcJsClient(ImageService, app.address);
  });
  afterAll(async () => {
    client?.close();
    await app?.stop();
  });

  it('refuses 20 truncated JPEGs, PNGs, GIFs and WebPs uploaded in parallel, each naming file_data', async () => {
    const whole = await Promise.all([
      gradient(640, 480).jpeg().toBuffer(),
      gradient(640, 480).jpeg({ progressive: true }).toBuffer(),
      gradient(640, 480).png().toBuffer(),
      gradient(320, 240).gif().toBuffer(),
      gradient(640, 480).webp().toBuffer(),
    ]);
    const cuts = Array.from({ length: 20 }, (_, i) => whole[i % whole.length].subarray(0, Math.floor(whole[i % whole.length].length * (0.5 + i / 50))));
    const answers = await Promise.all(cuts.map((data, i) => upload(client, data, `cut-${i}`)));
    for (const [i, answer] of answers.entries()) {
      expect(answer.code, `cut ${i}`).toBe(grpc.status.INVALID_ARGUMENT);
      expect(answer.details, `cut ${i}`).toMatch(/^file_data: truncated (jpeg|png|gif|webp): expected /);
    }
  }, 120_000);

  it.skipIf(!haveSharedImages)('refuses real photos cut short in parallel, and accepts every one of them whole', async () => {
    const names = readdirSync(SHARED_IMAGES).filter((n) => /\.(jpe?g|png)$/i.test(n));
    const cut = await Promise.all([...names, 'bad/truncated.jpg'].map((name) => {
      const data = sharedImage(name);
      return name.startsWith('bad/') ? upload(client, data, name) : upload(client, data.subarray(0, Math.floor(data.length * 0.8)), name);
    }));
    for (const answer of cut) expect(answer.details).toMatch(/^file_data: truncated (jpeg|png): expected /);
    for (const name of names) expect(await upload(client, sharedImage(name), name), name).toEqual({ code: grpc.status.OK, details: '' });
  }, 300_000);
});
