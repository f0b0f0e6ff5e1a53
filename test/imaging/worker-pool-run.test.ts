import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError, type AppError } from '../../src/errors/index.js';
import type { EncodeOptions, PipelineSpec } from '../../src/imaging/image-processor.js';
import type { OutputFormat } from '../../src/imaging/image-formats.js';
import { sniffFormat } from '../../src/imaging/sniff.js';
import { haveSharedImages, sharedImage } from '../support/shared-images.js';
import { createPool, noise, solid, SVG } from './images.js';

const sut = createPool({ maxOutputDimension: 4096 });
afterAll(() => sut.close());

async function runError(input: Uint8Array, spec: PipelineSpec): Promise<AppError> {
  const error = await sut.run(input, spec).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

const FORMATS: OutputFormat[] = ['png', 'jpeg', 'webp', 'avif', 'tiff', 'gif'];
const XMP = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="pool-test"/></rdf:RDF></x:xmpmeta>';

describe('WorkerPool.run', () => {
  it.each(FORMATS)('encodes %s that decodes to that format and size', async (format) => {
    const input = await solid(120, 90, 4).png().toBuffer();
    const result = await sut.run(input, { steps: [{ op: 'resize', width: 50, height: 40, fit: 'fill' }], output: { format } });
    expect(result).toMatchObject({ format, contentType: `image/${format}`, width: 50, height: 40 });
    expect(Buffer.isBuffer(result.data)).toBe(true);
    expect(sniffFormat(result.data)).toBe(format);
    const decoded = await sharp(result.data).metadata();
    expect([decoded.width, decoded.height]).toEqual([50, 40]);
  });

  it('passes format options through (progressive jpeg, 4:4:4, palette png, lossless webp)', async () => {
    const input = await solid(64, 64).png().toBuffer();
    const jpeg = await sut.run(input, { steps: [], output: { format: 'jpeg', quality: 90, progressive: true, chromaSubsampling: '4:4:4' } });
    expect(await sharp(jpeg.data).metadata()).toMatchObject({ isProgressive: true, chromaSubsampling: '4:4:4' });
    expect(jpeg.quality).toBe(90);
    const png = await sut.run(input, { steps: [], output: { format: 'png', palette: true, colors: 4 } });
    expect(await sharp(png.data).metadata()).toMatchObject({ isPalette: true });
    const webp = await sut.run(input, { steps: [], output: { format: 'webp', lossless: true } });
    expect(webp.quality).toBeUndefined();
  });

  it("keeps the input's format without output options, and makes png of formats it cannot write", async () => {
    const webp = await solid().webp().toBuffer();
    expect((await sut.run(webp, { steps: [] })).format).toBe('webp');
    const fromSvg = await sut.run(SVG, { steps: [] });
    expect(fromSvg).toMatchObject({ format: 'png', width: 40, height: 30 });
  });

  it('applies the EXIF orientation first by default, and not when the caller opts out', async () => {
    const rotated = await solid(30, 20).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(await sut.run(rotated, { steps: [], output: { format: 'png' } })).toMatchObject({ width: 20, height: 30 });
    expect(await sut.run(rotated, { steps: [], autoOrient: false, output: { format: 'png' } })).toMatchObject({ width: 30, height: 20 });
  });

  it('crops and resizes in either order, and after a resize whose size only sharp knows', async () => {
    const input = await noise(400, 300).png().toBuffer();
    const cropThenResize = await sut.run(input, {
      steps: [
        { op: 'crop', left: 10, top: 20, width: 200, height: 100 },
        { op: 'resize', width: 100, fit: 'inside' },
      ],
    });
    expect(cropThenResize).toMatchObject({ width: 100, height: 50 });
    const resizeThenCrop = await sut.run(input, {
      steps: [
        { op: 'resize', width: 200, height: 200, fit: 'cover' },
        { op: 'crop', left: 50, top: 50, width: 100, height: 100 },
      ],
    });
    expect(resizeThenCrop).toMatchObject({ width: 100, height: 100 });
    const insideThenCrop = await sut.run(input, {
      steps: [
        { op: 'resize', width: 200, fit: 'inside' },
        { op: 'crop', left: 0, top: 0, width: 200, height: 150 },
        { op: 'resize', width: 20, height: 20, fit: 'fill' },
      ],
    });
    expect(insideThenCrop).toMatchObject({ width: 20, height: 20 });
  });

  it('runs two resizes in a row (a second pipeline on the pixels of the first)', async () => {
    const input = await noise(400, 300).png().toBuffer();
    const result = await sut.run(input, {
      steps: [
        { op: 'resize', width: 100, height: 100, fit: 'cover' },
        { op: 'resize', width: 30, fit: 'inside' },
      ],
    });
    expect(result).toMatchObject({ width: 30, height: 30 });
  });

  it('refuses truncated input as invalid_image naming the field', async () => {
    const png = await noise(300, 200).png().toBuffer();
    const error = await sut.run(png.subarray(0, png.length >> 1), { steps: [] }, { field: 'source_image' }).then(
      () => undefined,
      (e: unknown) => e as AppError,
    );
    expect(error?.kind).toBe('invalid_image');
    expect(error?.message).toMatch(/^source_image: truncated png: expected the IEND chunk/);
  });

  it('refuses a truncated JPEG whose header is whole (read without sharp) as invalid_image', async () => {
    const jpeg = await noise(300, 200).jpeg().toBuffer();
    const error = await sut.run(jpeg.subarray(0, jpeg.length >> 1), { steps: [{ op: 'resize', width: 50, fit: 'inside' }] }, { field: 'image_data' }).then(
      () => undefined,
      (e: unknown) => e as AppError,
    );
    expect(error?.kind).toBe('invalid_image');
    expect(error?.message).toMatch(/^image_data: truncated jpeg: expected the end-of-image marker/);
  });

  it('refuses a crop outside the image, naming the region and the oriented size', async () => {
    const rotated = await solid(30, 20).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const inside = await sut.run(rotated, { steps: [{ op: 'crop', left: 0, top: 10, width: 20, height: 20 }] });
    expect(inside).toMatchObject({ width: 20, height: 20 });
    const error = await runError(rotated, { steps: [{ op: 'crop', left: 5, top: 0, width: 20, height: 10, field: 'crop' }] });
    expect(error.kind).toBe('invalid_argument');
    expect(error.reason).toBe('CROP_OUT_OF_BOUNDS');
    expect(error.message).toBe('crop: expected a region inside the 20x30 image, received {"left":5,"top":0,"width":20,"height":10}');
  });

  it('refuses step parameters out of range, naming the field', async () => {
    const input = await solid().png().toBuffer();
    const tooWide = await runError(input, { steps: [{ op: 'resize', width: 5000, fit: 'inside' }] });
    expect(tooWide.kind).toBe('invalid_argument');
    expect(tooWide.message).toBe('steps[0].width: expected an integer from 1 to 4096, received 5000');
    const badQuality = await runError(input, { steps: [], output: { format: 'jpeg', quality: 0 } });
    expect(badQuality.kind).toBe('invalid_argument');
    expect(badQuality.message).toMatch(/^export_options\.quality: expected integer between 1 and 100, received 0/);
    const badPosition = await runError(input, { steps: [{ op: 'resize', width: 10, height: 10, fit: 'cover', position: 'upwards' }] });
    expect(badPosition.kind).toBe('invalid_argument');
    expect(badPosition.message).toMatch(/^steps\[0\]\.position: expected valid position\/gravity\/strategy/);
  });

  it('flattens transparency onto the background for jpeg', async () => {
    const input = await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const onWhite = await sut.run(input, { steps: [], output: { format: 'jpeg' } });
    const onGreen = await sut.run(input, { steps: [], output: { format: 'jpeg', background: '#00ff00' } });
    const pixel = async (data: Buffer) => [...(await sharp(data).raw().toBuffer()).subarray(0, 3)];
    expect((await pixel(onWhite.data)).every((v) => v > 240)).toBe(true);
    const [r, g, b] = await pixel(onGreen.data);
    expect(r < 20 && g > 230 && b < 20).toBe(true);
  });

  describe('metadata', () => {
    const tagged = () =>
      solid(40, 30)
        .jpeg()
        .withExif({ IFD0: { Copyright: 'pool-test-copyright' } })
        .withIccProfile('p3')
        .toBuffer();

    it('keeps EXIF and ICC with keepMetadata, and writes the XMP packet', async () => {
      const result = await sut.run(await tagged(), { steps: [], output: { format: 'jpeg', keepMetadata: true, xmp: XMP } });
      const meta = await sharp(result.data).metadata();
      expect(meta.exif?.toString('latin1')).toContain('pool-test-copyright');
      expect(meta.icc).toBeDefined();
      expect(meta.hasProfile).toBe(true);
      expect(meta.xmp?.toString('utf8')).toContain('pool-test');
    });

    it('strips all metadata (and the ICC profile) without keepMetadata', async () => {
      const result = await sut.run(await tagged(), { steps: [], output: { format: 'jpeg' } });
      const meta = await sharp(result.data).metadata();
      expect(meta.exif).toBeUndefined();
      expect(meta.icc).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(meta.hasProfile).toBe(false);
    });

    it('does not keep an orientation tag that would rotate the oriented pixels again', async () => {
      const rotated = await solid(30, 20).jpeg().withMetadata({ orientation: 6 }).toBuffer();
      const result = await sut.run(rotated, { steps: [], output: { format: 'jpeg', keepMetadata: true } });
      const meta = await sharp(result.data).metadata();
      expect([meta.width, meta.height]).toEqual([20, 30]);
      expect(meta.orientation ?? 1).toBe(1);
    });
  });

  describe('maxBytes', () => {
    it.each(['jpeg', 'webp', 'avif'] as const)('finds the highest %s quality that fits', async (format) => {
      const input = await noise(160, 120).png().toBuffer();
      const unbounded = await sut.run(input, { steps: [], output: { format, quality: 90 } });
      const maxBytes = Math.floor(unbounded.data.length / 2);
      const output: EncodeOptions = { format, quality: 90, maxBytes };
      const fitted = await sut.run(input, { steps: [], output });
      expect(fitted.data.length).toBeLessThanOrEqual(maxBytes);
      expect(fitted.quality).toBeGreaterThanOrEqual(1);
      expect(fitted.quality).toBeLessThan(90);
      const oneHigher = await sut.run(input, { steps: [], output: { format, quality: fitted.quality! + 1 } });
      expect(oneHigher.data.length).toBeGreaterThan(maxBytes);
    });

    it('searches with kept metadata too', async () => {
      const input = await noise(160, 120).jpeg().withExif({ IFD0: { Copyright: 'kept' } }).toBuffer();
      const fitted = await sut.run(input, { steps: [], output: { format: 'jpeg', keepMetadata: true, maxBytes: 8000 } });
      expect(fitted.data.length).toBeLessThanOrEqual(8000);
      expect((await sharp(fitted.data).metadata()).exif?.toString('latin1')).toContain('kept');
    });

    it('fails naming export_options.max_bytes when even quality 1 does not fit', async () => {
      const input = await noise(160, 120).png().toBuffer();
      const error = await runError(input, { steps: [], output: { format: 'jpeg', maxBytes: 100 } });
      expect(error.kind).toBe('invalid_argument');
      expect(error.message).toMatch(/^export_options\.max_bytes: expected at least \d+ bytes, the size of this image as jpeg at quality 1, received 100$/);
    });

    it('fails for a lossless format that is too big, without a search', async () => {
      const input = await noise(160, 120).png().toBuffer();
      const error = await runError(input, { steps: [], output: { format: 'png', maxBytes: 100 } });
      expect(error.kind).toBe('invalid_argument');
      expect(error.message).toMatch(/^export_options\.max_bytes: expected at least \d+ bytes: png is lossless here, so quality cannot shrink it, received 100$/);
    });
  });

  it('leaves the caller\'s buffer usable, including a view into a larger buffer', async () => {
    const png = await solid(20, 20).png().toBuffer();
    const backing = new Uint8Array(png.length + 10);
    backing.set(png, 10);
    const view = backing.subarray(10);
    const before = Buffer.from(view);
    await sut.run(view, { steps: [], output: { format: 'webp' } });
    await sut.probe(png, 'image');
    expect(view.byteLength).toBe(png.length);
    expect(backing.buffer.byteLength).toBe(png.length + 10);
    expect(Buffer.from(view).equals(before)).toBe(true);
    expect(png.byteLength).toBeGreaterThan(0);
  });

  describe('giveInput', () => {
    /** A large PNG (noise does not compress) inside a buffer of its own, with `slack` bytes before it. */
    async function ownedPng(slack: number): Promise<{ view: Uint8Array; backing: ArrayBuffer; length: number }> {
      const png = await noise(256, 256).png({ compressionLevel: 0 }).toBuffer();
      const backing = new ArrayBuffer(png.length + slack);
      const view = new Uint8Array(backing, slack, png.length);
      view.set(png);
      return { view, backing, length: png.length };
    }

    it('moves bytes that fill their buffer to the worker instead of copying them: the caller\'s view is emptied', async () => {
      const { view, backing, length } = await ownedPng(100);
      expect(length).toBeGreaterThan(128 * 1024);
      const result = await sut.run(view, { steps: [{ op: 'resize', width: 32, height: 32, fit: 'fill' }], output: { format: 'png' } }, { giveInput: true });
      expect([result.width, result.height]).toEqual([32, 32]);
      expect(backing.byteLength).toBe(0);
      expect(view.byteLength).toBe(0);
    });

    it('copies instead when the bytes share their buffer with more than 64 KiB of other data, or are small', async () => {
      const shared = await ownedPng(64 * 1024 + 1);
      await sut.run(shared.view, { steps: [], output: { format: 'webp' } }, { giveInput: true });
      expect(shared.backing.byteLength).toBe(shared.length + 64 * 1024 + 1);

      const small = await solid(20, 20).png().toBuffer();
      const smallBuffer = new Uint8Array(small).buffer;
      await sut.run(new Uint8Array(smallBuffer), { steps: [], output: { format: 'webp' } }, { giveInput: true });
      expect(smallBuffer.byteLength).toBe(small.length);
    });

    it('copies without the option', async () => {
      const { view, backing, length } = await ownedPng(0);
      await sut.run(view, { steps: [], output: { format: 'webp' } });
      expect(backing.byteLength).toBe(length);
    });
  });

  it('refuses an output larger than maxOutputDimension', async () => {
    const input = await solid(5000, 10).png().toBuffer();
    const error = await runError(input, { steps: [], output: { format: 'png' } });
    expect(error.kind).toBe('resource_exhausted');
    expect(error.message).toBe('output image: limit is 4096 pixels per side, received 5000x10');
  });

  it.skipIf(!haveSharedImages)('resizes an 18 MP photo and a real PNG', async () => {
    const photo = await sut.run(sharedImage('elephants-5640x3172.jpg'), {
      steps: [{ op: 'resize', width: 800, fit: 'inside' }],
      output: { format: 'webp', quality: 75 },
    });
    expect(photo).toMatchObject({ format: 'webp', width: 800, height: 450 });
    const png = await sut.run(sharedImage('coffee.png'), { steps: [{ op: 'resize', width: 100, height: 100, fit: 'cover', position: 'attention' }], output: { format: 'avif' } });
    expect(png).toMatchObject({ format: 'avif', width: 100, height: 100, quality: 50 });
  });
});
