import { readdirSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { declaredSize } from '../../src/imaging/declared-size.js';
import { sniffFormat } from '../../src/imaging/sniff.js';
import { haveSharedImages, SHARED_IMAGES, sharedImage } from '../support/shared-images.js';
import { noise, solid, SVG } from './images.js';

/** What libvips reads as the first frame's size: the reference. */
async function sharpSize(data: Buffer): Promise<{ width: number; height: number }> {
  const m = await sharp(data).metadata();
  return { width: m.width, height: m.pageHeight ?? m.height };
}

/** The declared width and height alone, to compare with libvips. */
function declared(data: Buffer): { width: number; height: number } | undefined {
  const size = declaredSize(data, sniffFormat(data)!);
  return size && { width: size.width, height: size.height };
}

/** A BMP file header and BITMAPINFOHEADER (40 bytes) or BITMAPCOREHEADER (12), without the pixels. */
function bmpHeader(width: number, height: number, core = false): Buffer {
  const header = Buffer.alloc(core ? 26 : 54);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(header.length, 2);
  header.writeUInt32LE(header.length, 10);
  header.writeUInt32LE(core ? 12 : 40, 14);
  if (core) {
    header.writeUInt16LE(width, 18);
    header.writeUInt16LE(height, 20);
  } else {
    header.writeInt32LE(width, 18);
    header.writeInt32LE(height, 22);
  }
  return header;
}

describe('declaredSize', () => {
  it('reads PNG, GIF and the three kinds of WebP as libvips does', async () => {
    const images = {
      png: await noise(123, 45).png().toBuffer(),
      gif: await noise(77, 31).gif().toBuffer(),
      webpLossy: await noise(301, 17).webp({ quality: 50 }).toBuffer(),
      webpLossless: await noise(99, 203).webp({ lossless: true }).toBuffer(),
      webpExtended: await solid(150, 60, 4).webp().withMetadata().toBuffer(),
      jpeg: await noise(64, 33).jpeg().toBuffer(),
    };
    expect(String.fromCharCode(...images.webpExtended.subarray(12, 16))).toBe('VP8X');
    expect(String.fromCharCode(...images.webpLossless.subarray(12, 16))).toBe('VP8L');
    expect(String.fromCharCode(...images.webpLossy.subarray(12, 16))).toBe('VP8 ');
    for (const [name, data] of Object.entries(images)) {
      expect({ name, size: declared(data) }).toEqual({ name, size: await sharpSize(data) });
    }
  });

  it('reads BMP headers, top-down ones (negative height) included', () => {
    expect(declaredSize(bmpHeader(640, 480), 'bmp')).toEqual({ width: 640, height: 480, checked: false });
    expect(declaredSize(bmpHeader(640, -480), 'bmp')).toEqual({ width: 640, height: 480, checked: false });
    expect(declaredSize(bmpHeader(32, 16, true), 'bmp')).toEqual({ width: 32, height: 16, checked: false });
  });

  it.skipIf(!haveSharedImages)('agrees with libvips on every real photo', async () => {
    const names = readdirSync(SHARED_IMAGES).filter((n) => /\.(jpe?g|png)$/i.test(n));
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) {
      const data = sharedImage(name);
      expect({ name, size: declared(data) }).toEqual({ name, size: await sharpSize(data) });
    }
  });

  it('says nothing for formats it does not read, or for headers cut short or zero-sized', async () => {
    const avif = await noise(16, 16).avif().toBuffer();
    const tiff = await noise(16, 16).tiff().toBuffer();
    expect(declaredSize(avif, 'avif')).toBeUndefined();
    expect(declaredSize(tiff, 'tiff')).toBeUndefined();
    expect(declaredSize(SVG, 'svg')).toBeUndefined();
    const png = await noise(20, 10).png().toBuffer();
    expect(declaredSize(png.subarray(0, 20), 'png')).toBeUndefined();
    const zeroWide = Buffer.from(png);
    zeroWide.writeUInt32BE(0, 16);
    expect(declaredSize(zeroWide, 'png')).toBeUndefined();
    const webp = await noise(20, 10).webp().toBuffer();
    expect(declaredSize(webp.subarray(0, 24), 'webp')).toBeUndefined();
  });

  it('vouches for JPEG, PNG and WebP sizes, whose headers have structure around them, not for GIF or BMP', async () => {
    for (const data of [await noise(8, 8).jpeg().toBuffer(), await noise(8, 8).png().toBuffer(), await noise(8, 8).webp().toBuffer()]) {
      expect(declaredSize(data, sniffFormat(data)!)).toMatchObject({ width: 8, height: 8, checked: true });
    }
    const gif = await noise(8, 8).gif().toBuffer();
    expect(declaredSize(gif, 'gif')).toEqual({ width: 8, height: 8, checked: false });
    // Text after a GIF signature still reads as a size ("-b" x "ut"): one nothing can vouch for.
    expect(declaredSize(Buffer.from('GIF89a-but-not-really'), 'gif')).toEqual({ width: 0x622d, height: 0x7475, checked: false });
  });

  it('reads no PNG size unless the first chunk is IHDR', async () => {
    const png = Buffer.from(await noise(20, 10).png().toBuffer());
    png.write('IDAT', 12, 'latin1');
    expect(declaredSize(png, 'png')).toBeUndefined();
  });
});
