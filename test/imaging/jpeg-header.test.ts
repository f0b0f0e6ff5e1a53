import { readdirSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { jpegHeader } from '../../src/imaging/jpeg-header.js';
import { haveSharedImages, SHARED_IMAGES, sharedImage } from '../support/shared-images.js';
import { noise } from './images.js';

/** What sharp (libvips) reads of the same file: the reference jpegHeader must agree with. */
async function sharpSays(data: Buffer) {
  const m = await sharp(data).metadata();
  return { width: m.width, height: m.height, components: m.channels, orientation: m.orientation ?? 1 };
}

describe('jpegHeader', () => {
  it.skipIf(!haveSharedImages)('agrees with sharp on every real JPEG photo', async () => {
    const names = readdirSync(SHARED_IMAGES).filter((n) => /\.jpe?g$/i.test(n));
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) {
      const data = sharedImage(name);
      expect({ name, ...jpegHeader(data) }).toEqual({ name, ...(await sharpSays(data)) });
    }
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('reads EXIF orientation %i as sharp does', async (orientation) => {
    const data = await noise(40, 24).jpeg().withMetadata({ orientation }).toBuffer();
    expect(jpegHeader(data)).toEqual(await sharpSays(data));
    expect(jpegHeader(data)?.orientation).toBe(orientation);
  });

  it('reads grey, CMYK and progressive files', async () => {
    const grey = await noise(30, 20).greyscale().jpeg().toBuffer();
    const cmyk = await noise(30, 20).toColourspace('cmyk').jpeg().toBuffer();
    const progressive = await noise(30, 20).jpeg({ progressive: true }).withMetadata({ orientation: 6 }).toBuffer();
    for (const data of [grey, cmyk, progressive]) expect(jpegHeader(data)).toEqual(await sharpSays(data));
    expect(jpegHeader(cmyk)?.components).toBe(4);
  });

  it('gives up, rather than guess, on what is not a whole JPEG header', async () => {
    const data = await noise(30, 20).jpeg().toBuffer();
    const sos = data.indexOf(Buffer.from([0xff, 0xda]));
    expect(jpegHeader(data.subarray(0, sos))).toBeUndefined();
    expect(jpegHeader(data.subarray(0, 40))).toBeUndefined();
    expect(jpegHeader(Buffer.from('not a jpeg at all'))).toBeUndefined();
    const png = await noise(8, 8).png().toBuffer();
    expect(jpegHeader(png)).toBeUndefined();
    // A marker whose length runs past the end.
    const broken = Buffer.from(data);
    broken.writeUInt16BE(0xfff0, 4);
    expect(jpegHeader(broken)).toBeUndefined();
  });

  it('gives up on an orientation value outside 1-8', async () => {
    const data = Buffer.from(await noise(30, 20).jpeg().withMetadata({ orientation: 3 }).toBuffer());
    // The orientation entry: tag 0x0112, type SHORT, count 1, then its value.
    const little = Buffer.from([0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00]);
    const big = Buffer.from([0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01]);
    const at = data.indexOf(little) >= 0 ? data.indexOf(little) : data.indexOf(big);
    expect(at).toBeGreaterThan(0);
    const isLittle = data.indexOf(little) >= 0;
    if (isLittle) data.writeUInt16LE(9, at + 8);
    else data.writeUInt16BE(9, at + 8);
    expect(jpegHeader(data)).toBeUndefined();
  });
});
