import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError, type AppError } from '../../src/errors/index.js';
import type { OutputFormat } from '../../src/imaging/image-formats.js';
import { haveSharedImages, sharedImage } from '../support/shared-images.js';
import { createPool, pngBomb, solid, SVG } from './images.js';

const sut = createPool({ maxInputPixels: 50_000_000 });
afterAll(() => sut.close());

async function probeError(bytes: Uint8Array, field = 'image'): Promise<AppError> {
  const error = await sut.probe(bytes, field).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

describe('WorkerPool.probe', () => {
  it.each(['png', 'jpeg', 'webp', 'avif', 'gif', 'tiff'] as OutputFormat[])('reads %s', async (format) => {
    const bytes = await solid(64, 48, format === 'jpeg' ? 3 : 4).toFormat(format).toBuffer();
    const result = await sut.probe(bytes, 'image');
    expect(result).toMatchObject({ format, width: 64, height: 48, pages: 1, hasIcc: false, hasExif: false });
    expect(result.contentType).toBe(`image/${format}`);
  });

  it('reads svg', async () => {
    expect(await sut.probe(SVG, 'image')).toMatchObject({ format: 'svg', contentType: 'image/svg+xml', width: 40, height: 30 });
  });

  it('reports alpha, channels, EXIF, ICC and the displayed size of a rotated photo', async () => {
    const bytes = await solid(30, 20).jpeg().withMetadata({ orientation: 6 }).withIccProfile('p3').toBuffer();
    const result = await sut.probe(bytes, 'image');
    expect(result).toMatchObject({ width: 20, height: 30, orientation: 6, hasExif: true, hasIcc: true, hasAlpha: false, channels: 3, space: 'srgb' });
    expect(await sut.probe(await solid(8, 8, 4).png().toBuffer(), 'image')).toMatchObject({ hasAlpha: true, channels: 4 });
  });

  it('counts the frames of an animation', async () => {
    // Distinct frames: the GIF encoder merges identical ones.
    const frames = await Promise.all(['#f00', '#0f0', '#00f'].map((c) => sharp({ create: { width: 10, height: 8, channels: 3, background: c } }).png().toBuffer()));
    const gif = await sharp(frames, { join: { animated: true } }).gif().toBuffer();
    expect(await sut.probe(gif, 'image')).toMatchObject({ format: 'gif', width: 10, height: 8, pages: 3 });
  });

  it.skipIf(!haveSharedImages)('reads the real photos', async () => {
    expect(await sut.probe(sharedImage('Aqua.jpg'), 'image')).toMatchObject({ format: 'jpeg', width: 2560, height: 1600, hasExif: true });
    expect(await sut.probe(sharedImage('astronaut.png'), 'image')).toMatchObject({ format: 'png', width: 512, height: 512 });
  });

  it('refuses empty bytes, naming the field', async () => {
    const error = await probeError(new Uint8Array(0), 'upload.data');
    expect(error.kind).toBe('invalid_image');
    expect(error.message).toBe('upload.data: expected non-empty image bytes, received 0 bytes');
    expect(error.violations).toEqual([{ field: 'upload.data', description: 'expected non-empty image bytes, received 0 bytes' }]);
  });

  it('refuses random bytes as unknown data', async () => {
    const error = await probeError(randomBytes(300).fill(0, 0, 4));
    expect(error.kind).toBe('invalid_image');
    expect(error.message).toBe('image: expected image bytes (png, jpeg, webp, avif, gif, tiff, heif, svg, bmp), received 300 bytes of unknown data');
  });

  it.skipIf(!haveSharedImages)('refuses the truncated JPEG from the shared set', async () => {
    const error = await probeError(sharedImage('bad/truncated.jpg'));
    expect(error.kind).toBe('invalid_image');
    expect(error.message).toBe('image: truncated jpeg: expected the end-of-image marker (FF D9) after the image data, received 400 bytes that end before it');
  });

  it('refuses a JPEG and a PNG cut short, from their structure before any decode', async () => {
    const jpeg = await solid(400, 300).jpeg().toBuffer();
    const jpegError = await probeError(jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    expect(jpegError.kind).toBe('invalid_image');
    expect(jpegError.message).toMatch(/^image: truncated jpeg: expected the end-of-image marker/);
    const png = await solid(400, 300, 4).png({ compressionLevel: 0 }).toBuffer();
    const pngError = await probeError(png.subarray(0, Math.floor(png.length / 2)));
    expect(pngError.kind).toBe('invalid_image');
    expect(pngError.message).toMatch(/^image: truncated png: expected the IEND chunk/);
  });

  it('refuses a decompression bomb from its header, with the declared size', async () => {
    const bomb = pngBomb(20_000, 20_000);
    expect(bomb.length).toBeLessThan(1000);
    const error = await probeError(bomb);
    expect(error.kind).toBe('resource_exhausted');
    expect(error.reason).toBe('PIXEL_LIMIT_EXCEEDED');
    expect(error.message).toBe('image: limit is 50000000 pixels, received 20000x20000 = 400000000 pixels');
  });

  it('refuses formats it recognises but cannot decode', async () => {
    const bmp = Buffer.alloc(58);
    bmp.write('BM', 0, 'latin1');
    bmp.writeUInt32LE(58, 2);
    bmp.writeUInt32LE(54, 10);
    bmp.writeUInt32LE(40, 14);
    bmp.writeInt32LE(1, 18);
    bmp.writeInt32LE(1, 22);
    bmp.writeUInt16LE(1, 26);
    bmp.writeUInt16LE(24, 28);
    const error = await probeError(bmp);
    expect(error.kind).toBe('invalid_image');
    expect(error.message).toBe('image: bmp images cannot be decoded here; use png, jpeg, webp, avif, gif, tiff or svg');
  });
});
