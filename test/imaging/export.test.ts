import { create } from '@bufbuild/protobuf';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { ExportOptionsSchema } from '../../gen/image/v1/operations_pb.js';
import { encodeOptions } from '../../src/api/translate/encode-options.js';
import { isAppError, type AppError } from '../../src/errors/index.js';
import { avifEffort } from '../../src/imaging/avif-effort.js';
import type { EncodedImage } from '../../src/imaging/image-processor.js';
import { paletteColours } from '../../src/imaging/steps/encode.js';
import { createPool, noise } from './images.js';

type Init = Parameters<typeof create<typeof ExportOptionsSchema>>[1];

/** ProcessForExport's path: the request's format and ExportOptions through the boundary, then the pool. */
const sut = createPool();
afterAll(() => sut.close());

function exportAs(input: Uint8Array, format: string, init: Init = {}): Promise<EncodedImage> {
  return sut.run(input, { steps: [], output: encodeOptions(format, create(ExportOptionsSchema, init), '') });
}

async function exportError(input: Uint8Array, format: string, init: Init = {}, pool = sut): Promise<AppError> {
  const error = await pool.run(input, { steps: [], output: encodeOptions(format, create(ExportOptionsSchema, init), '') }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

async function rgba(bytes: Uint8Array): Promise<Buffer> {
  return (await sharp(bytes).ensureAlpha().raw().toBuffer());
}

/** A smooth colourful picture (gradients compress like photos) with a transparent hole in the middle. */
async function picture(width = 160, height = 120, hole = true): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data[i] = Math.round((255 * x) / width);
      data[i + 1] = Math.round((255 * y) / height);
      data[i + 2] = (x * y) % 256;
      const inHole = hole && Math.abs(x - width / 2) < 10 && Math.abs(y - height / 2) < 10;
      data[i + 3] = inHole ? 0 : 255;
    }
  }
  return sharp(data, { raw: { width, height, channels: 4 } }).png().toBuffer();
}

const transparentRed = () => sharp({ create: { width: 20, height: 20, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();

describe('export: per-format options, checked from the output', () => {
  describe('png', () => {
    it('compresses harder with a higher effort (zlib level), same pixels', async () => {
      const input = await picture();
      const fast = await exportAs(input, 'png', { effort: 1 });
      const small = await exportAs(input, 'png', { effort: 10 });
      expect(small.data.length).toBeLessThan(fast.data.length);
      expect((await rgba(small.data)).equals(await rgba(fast.data))).toBe(true);
      expect((await rgba(small.data)).equals(await rgba(input))).toBe(true);
    });

    it('interlaces when progressive', async () => {
      const input = await picture();
      expect((await sharp((await exportAs(input, 'png', { progressive: true })).data).metadata()).isProgressive).toBe(true);
      expect((await sharp((await exportAs(input, 'png')).data).metadata()).isProgressive).toBe(false);
    });

    it('quantises to a palette of the bit depth that holds `colors`', async () => {
      const input = await picture();
      const plain = await sharp((await exportAs(input, 'png')).data).metadata();
      expect(plain.isPalette).toBe(false);
      const cases: [number, number][] = [
        [2, 1],
        [4, 2],
        [8, 4],
        [16, 4],
        [64, 8], // sharp 0.34.5 alone would store 16 colours here
        [256, 8],
      ];
      for (const [colors, bits] of cases) {
        const meta = await sharp((await exportAs(input, 'png', { colors })).data).metadata();
        expect({ colors, isPalette: meta.isPalette, bits: meta.bitsPerSample }).toEqual({ colors, isPalette: true, bits });
      }
      expect((await sharp((await exportAs(input, 'png', { palette: true })).data).metadata()).isPalette).toBe(true);
    });

    it('reports the palette quality it used', async () => {
      expect((await exportAs(await picture(), 'png', { quality: 60 })).quality).toBe(60);
      expect((await exportAs(await picture(), 'png')).quality).toBeUndefined();
    });
  });

  describe('jpeg', () => {
    it('uses the quality asked for, and reports it', async () => {
      const input = await picture();
      const low = await exportAs(input, 'jpeg', { quality: 20 });
      const high = await exportAs(input, 'jpeg', { quality: 95 });
      expect(low).toMatchObject({ format: 'jpeg', contentType: 'image/jpeg', quality: 20 });
      expect(high.quality).toBe(95);
      expect(low.data.length).toBeLessThan(high.data.length);
      expect((await exportAs(input, 'jpeg')).quality).toBe(80);
    });

    it('is progressive only when asked (mozjpeg scan optimisation would force it)', async () => {
      const input = await picture();
      expect((await sharp((await exportAs(input, 'jpeg', { progressive: true })).data).metadata()).isProgressive).toBe(true);
      expect((await sharp((await exportAs(input, 'jpeg')).data).metadata()).isProgressive).toBe(false);
    });

    it('subsamples chroma 4:2:0 by default, 4:4:4 when asked', async () => {
      const input = await picture();
      expect((await sharp((await exportAs(input, 'jpeg')).data).metadata()).chromaSubsampling).toBe('4:2:0');
      expect((await sharp((await exportAs(input, 'jpeg', { chromaSubsampling: '4:4:4' })).data).metadata()).chromaSubsampling).toBe('4:4:4');
    });

    it('flattens transparency onto white, or the background colour asked for', async () => {
      const white = await rgba((await exportAs(await transparentRed(), 'jpeg', { quality: 100 })).data);
      expect([...white.subarray(0, 3)].every((v) => v >= 253)).toBe(true);
      const green = await rgba((await exportAs(await transparentRed(), 'jpeg', { quality: 100, backgroundColor: '#00ff00' })).data);
      expect(green[0]).toBeLessThanOrEqual(2);
      expect(green[1]).toBeGreaterThanOrEqual(253);
      expect(green[2]).toBeLessThanOrEqual(2);
    });
  });

  describe('webp', () => {
    it('keeps every pixel when lossless, and reports no quality', async () => {
      // No transparent hole: lossless webp need not keep the colour under alpha 0.
      const input = await picture(160, 120, false);
      const lossless = await exportAs(input, 'webp', { lossless: true, effort: 6 });
      expect(lossless.quality).toBeUndefined();
      expect((await rgba(lossless.data)).equals(await rgba(input))).toBe(true);
      const lossy = await exportAs(input, 'webp', { quality: 50, effort: 0 });
      expect(lossy.quality).toBe(50);
      expect((await rgba(lossy.data)).equals(await rgba(input))).toBe(false);
    });
  });

  describe('avif', () => {
    it('encodes lossy at the quality asked for, 4:4:4 when asked, and lossless exactly', async () => {
      const input = await picture(64, 48, false);
      const lossy = await exportAs(input, 'avif', { quality: 40, effort: 0 });
      expect(lossy).toMatchObject({ format: 'avif', contentType: 'image/avif', quality: 40 });
      expect((await sharp(lossy.data).metadata()).compression).toBe('av1');
      // sharp's avif default is 4:4:4.
      const full = await exportAs(input, 'avif', { quality: 40, effort: 0, chromaSubsampling: '4:4:4' });
      const half = await exportAs(input, 'avif', { quality: 40, effort: 0, chromaSubsampling: '4:2:0' });
      expect(full.data.equals(lossy.data)).toBe(true);
      expect(half.data.length).toBeLessThan(full.data.length);
      const lossless = await exportAs(input, 'avif', { lossless: true, effort: 0 });
      expect(lossless.quality).toBeUndefined();
      expect((await rgba(lossless.data)).equals(await rgba(input))).toBe(true);
    });

    it('checks the budget against the size a step left unknown', async () => {
      const resized = await sut.run(await picture(600, 400, false), { steps: [{ op: 'resize', width: 150, fit: 'inside' }], output: { format: 'avif', effort: 9 } });
      expect(resized).toMatchObject({ format: 'avif', width: 150, height: 100 });
      const error = await sut
        .run(await picture(300, 200, false), { steps: [{ op: 'resize', width: 600, fit: 'inside' }], output: { format: 'avif', effort: 9 } })
        .catch((e: unknown) => e as AppError);
      expect((error as AppError).message).toBe('export_options.effort: expected at most 8 for a 600x400 avif (higher efforts take longer than 15 s here), received 9');
    });

    it('refuses an effort whose encode would exceed the time budget, naming the largest that fits', async () => {
      const input = await picture(600, 400, false);
      const error = await exportError(input, 'avif', { effort: 9 });
      expect(error.kind).toBe('invalid_argument');
      expect(error.message).toBe('export_options.effort: expected at most 8 for a 600x400 avif (higher efforts take longer than 15 s here), received 9');
    });

    it('lowers the default effort instead of refusing, and refuses what even effort 0 cannot do in time', async () => {
      const tight = createPool({ threads: 1, maxConcurrentOperations: 1, avifBudgetMs: 20 });
      try {
        const input = await picture(160, 120, false);
        // 0.0192 MP: effort 2 takes about 12 ms, effort 3 about 23 ms: the default falls to 2.
        expect((await tight.run(input, { steps: [], output: { format: 'avif' } })).format).toBe('avif');
        const error = await exportError(input, 'avif', { effort: 4 }, tight);
        expect(error.message).toBe('export_options.effort: expected at most 2 for a 160x120 avif (higher efforts take longer than 20 ms here), received 4');
        const big = await noise(1000, 1000).png().toBuffer();
        const none = await exportError(big, 'avif', {}, tight);
        expect(none.message).toBe(
          'export_options.effort: expected an image this service can encode as avif within 20 ms: even effort 0 would take longer for a 1000x1000 avif; use a smaller size or webp, received "the default effort"',
        );
      } finally {
        await tight.close();
      }
    });
  });

  describe('tiff', () => {
    it('is lossless LZW with alpha by default', async () => {
      const input = await picture();
      const tiff = await exportAs(input, 'tiff');
      expect(tiff).toMatchObject({ format: 'tiff', contentType: 'image/tiff' });
      expect(tiff.quality).toBeUndefined();
      expect((await rgba(tiff.data)).equals(await rgba(input))).toBe(true);
    });

    it('is JPEG-compressed with a quality, flattened since that has no alpha', async () => {
      const tiff = await exportAs(await transparentRed(), 'tiff', { quality: 90 });
      expect(tiff.quality).toBe(90);
      const meta = await sharp(tiff.data).metadata();
      expect(meta.hasAlpha).toBe(false);
      const px = await rgba(tiff.data);
      expect([...px.subarray(0, 3)].every((v) => v >= 250)).toBe(true);
    });
  });

  describe('gif', () => {
    it('uses a palette of the bit depth that holds `colors`, with effort and interlacing', async () => {
      const input = await picture();
      const two = await sharp((await exportAs(input, 'gif', { colors: 2, effort: 1 })).data).metadata();
      expect(two).toMatchObject({ format: 'gif', isPalette: true, bitsPerSample: 1, isProgressive: false });
      const many = await sharp((await exportAs(input, 'gif', { colors: 100, effort: 10, progressive: true })).data).metadata();
      expect(many).toMatchObject({ bitsPerSample: 8, isProgressive: true });
    });
  });

  it('flattens any format onto an explicit background colour', async () => {
    const png = await rgba((await exportAs(await transparentRed(), 'png', { backgroundColor: '#0000ff' })).data);
    expect([...png.subarray(0, 4)]).toEqual([0, 0, 255, 255]);
    const webp = await sharp((await exportAs(await transparentRed(), 'webp', { lossless: true, backgroundColor: '#0000ff' })).data).metadata();
    expect(webp.hasAlpha).toBe(false);
    const kept = await rgba((await exportAs(await transparentRed(), 'png')).data);
    expect(kept[3]).toBe(0);
  });

  describe('metadata', () => {
    const tagged = () =>
      sharp({ create: { width: 32, height: 32, channels: 3, background: '#336699' } })
        .jpeg()
        .withExif({ IFD0: { Copyright: 'export-test' } })
        .toBuffer();

    // tiff: libvips writes no EXIF to TIFF, whatever it is asked.
    it.each(['jpeg', 'png', 'webp', 'avif'] as const)('keeps EXIF in %s with keep_metadata, strips it without', async (format) => {
      const kept = await sharp((await exportAs(await tagged(), format, { keepMetadata: true, ...(format === 'avif' ? { effort: 0 } : {}) })).data).metadata();
      expect(kept.exif?.toString('latin1')).toContain('export-test');
      const stripped = await sharp((await exportAs(await tagged(), format, format === 'avif' ? { effort: 0 } : {})).data).metadata();
      expect(stripped.exif).toBeUndefined();
    });
  });

  describe('max_bytes', () => {
    it.each([
      ['jpeg', {}, 80],
      ['webp', {}, 80],
      ['avif', { effort: 0 }, 50],
      ['tiff', { quality: 90 }, 90],
    ] as const)('fits %s in the budget at a lower quality than unbounded', async (format, extra, unboundedQuality) => {
      const input = await picture(200, 150, false);
      const unbounded = await exportAs(input, format, extra);
      expect(unbounded.quality).toBe(unboundedQuality);
      const maxBytes = Math.floor(unbounded.data.length * 0.6);
      const fitted = await exportAs(input, format, { ...extra, maxBytes: BigInt(maxBytes) });
      expect(fitted.format).toBe(format);
      expect(fitted.data.length).toBeLessThanOrEqual(maxBytes);
      expect(fitted.quality).toBeLessThan(unboundedQuality);
      expect(fitted.quality).toBeGreaterThanOrEqual(1);
    });

    it('searches the palette quality of a palette png', async () => {
      const input = await picture(100, 75, false);
      const full = await exportAs(input, 'png', { palette: true });
      const maxBytes = Math.floor(full.data.length * 0.9);
      const fitted = await exportAs(input, 'png', { palette: true, maxBytes: BigInt(maxBytes) });
      expect(fitted.data.length).toBeLessThanOrEqual(maxBytes);
      expect(fitted.quality).toBeLessThan(100);
    });

    it.each([
      ['jpeg', 'jpeg'],
      ['webp', 'webp'],
      ['avif', 'avif'],
    ] as const)('errors when even quality 1 of %s does not fit', async (format, name) => {
      const error = await exportError(await noise(200, 150).png().toBuffer(), format, { maxBytes: 100n, ...(format === 'avif' ? { effort: 0 } : {}) });
      expect(error.kind).toBe('invalid_argument');
      expect(error.message).toMatch(new RegExp(`^export_options\\.max_bytes: expected at least \\d+ bytes, the size of this image as ${name} at quality 1, received 100$`));
    });

    it('errors at once for a lossless encoding that is too big', async () => {
      const error = await exportError(await picture(), 'webp', { lossless: true, maxBytes: 100n });
      expect(error.message).toMatch(/^export_options\.max_bytes: expected at least \d+ bytes: lossless webp is lossless here, so quality cannot shrink it, received 100$/);
      const gif = await exportError(await picture(), 'gif', { maxBytes: 100n });
      expect(gif.message).toMatch(/^export_options\.max_bytes: expected at least \d+ bytes: gif is lossless here/);
    });

    it('names the configuration\'s field in a variation', async () => {
      const output = encodeOptions('jpeg', create(ExportOptionsSchema, { maxBytes: 100n }), 'variation_configs[1]');
      const error = await sut.run(await noise(100, 100).png().toBuffer(), { steps: [], output }).catch((e: unknown) => e as AppError);
      expect((error as AppError).message).toMatch(/^variation_configs\[1\]\.export_options\.max_bytes: /);
    });
  });
});

describe('avifEffort (the AVIF time budget)', () => {
  const base = { lossless: false, effort: undefined, encodes: 1, budgetMs: 15_000, field: 'export_options.effort' };

  it('keeps the default effort 4 for images it can encode in time', () => {
    expect(avifEffort({ ...base, width: 1000, height: 1000 })).toBe(4);
  });

  it('lowers the default for larger images, lossless ones and max_bytes searches', () => {
    expect(avifEffort({ ...base, width: 4000, height: 3000 })).toBe(3);
    expect(avifEffort({ ...base, width: 6000, height: 4000 })).toBe(1);
    expect(avifEffort({ ...base, width: 1000, height: 1000, lossless: true })).toBe(3);
    expect(avifEffort({ ...base, width: 2000, height: 1000, encodes: 8 })).toBe(2);
  });

  it('keeps an explicit effort that fits', () => {
    expect(avifEffort({ ...base, width: 300, height: 300, effort: 9 })).toBe(9);
    expect(avifEffort({ ...base, width: 4000, height: 3000, effort: 0 })).toBe(0);
  });

  it('refuses an explicit effort that does not fit, naming the largest that does', () => {
    expect(() => avifEffort({ ...base, width: 3000, height: 2000, effort: 6 })).toThrow(
      'export_options.effort: expected at most 3 for a 3000x2000 avif (higher efforts take longer than 15 s here), received 6',
    );
    expect(() => avifEffort({ ...base, width: 1000, height: 1000, effort: 9, lossless: true, encodes: 8 })).toThrow(
      'export_options.effort: expected at most 1 for a 1000x1000 lossless avif with a max_bytes search (8 encodes) (higher efforts take longer than 15 s here), received 9',
    );
  });

  it('refuses an image too large for effort 0', () => {
    expect(() => avifEffort({ ...base, width: 16_000, height: 16_000 })).toThrow(/even effort 0 would take longer for a 16000x16000 avif/);
  });
});

describe('paletteColours', () => {
  it('asks sharp for the palette size of the bit depth that holds the count', () => {
    expect([2, 3, 4, 5, 16, 17, 64, 200, 256].map(paletteColours)).toEqual([2, 4, 4, 16, 16, 256, 256, 256, 256]);
    expect(paletteColours(undefined)).toBeUndefined();
  });
});
