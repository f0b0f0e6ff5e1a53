import { describe, expect, it } from 'vitest';
import { fromSharpError, isUnrecognisedSharpError } from '../../src/imaging/sharp-error.js';

const ctx = { field: 'image_data', format: 'webp', maxInputPixels: 4_000_000 } as const;

/** sharp's texts for damaged input that the fuzz campaign (test/fuzz) found answered INTERNAL. */
describe('fromSharpError: what libvips says about damaged input is the caller\'s error', () => {
  it.each([
    ['webp2vips: unable to read pixels', 'image_data: truncated or corrupt webp: unable to read pixels'],
    ['source: bad seek to 3074\nsource: bad seek to 3053', 'image_data: truncated or corrupt webp: source: bad seek to 3074'],
    ['source: bad seek to 3022\nheif: Invalid input: Unexpected end of file: Extent in iloc box references data outside of file', 'image_data: truncated or corrupt webp: source: bad seek to 3022'],
    ['tiff2vips: Using code not yet in table', 'image_data: truncated or corrupt webp: Using code not yet in table'],
    ["vips_colourspace: no known route from 'multiband' to 'srgb'", "image_data: a webp whose bands cannot be converted to RGB: vips_colourspace: no known route from 'multiband' to 'srgb'"],
    ['hist_find_ndim: image is not 1 - 3 bands', 'image_data: a webp whose bands cannot be converted to RGB: hist_find_ndim: image is not 1 - 3 bands'],
    ['linear: vector must have 1 or 2 elements', 'image_data: a webp whose bands cannot be converted to RGB: linear: vector must have 1 or 2 elements'],
  ])('%j', (raw, message) => {
    const error = fromSharpError(new Error(raw), ctx);
    expect([error.kind, error.message]).toEqual(['invalid_image', message]);
  });

  it('a message lost or torn by another thread clearing libvips\' error buffer ("Unknown error", nothing, a bare prefix)', () => {
    for (const raw of ['Unknown error', '', 'VipsJpeg: \nsource: bad seek to 3074']) {
      const error = fromSharpError(new Error(raw), ctx);
      expect([error.kind, error.message]).toEqual(['invalid_image', 'image_data: the webp data could not be decoded']);
    }
  });

  it('marks only what it could not classify, which the worker runs once more (another thread may have replaced the text)', () => {
    const unknown = fromSharpError(new Error('extract_area: bad extract area'), ctx);
    expect([unknown.kind, unknown.message, isUnrecognisedSharpError(unknown)]).toEqual(['internal', 'image processing failed', true]);
    for (const raw of ['VipsJpeg: Quantization table 0x01 was not defined', 'Unknown error', 'timeout: 30s exceeded']) {
      expect(isUnrecognisedSharpError(fromSharpError(new Error(raw), ctx))).toBe(false);
    }
  });

  it("a decoder's own size limit is a limit", () => {
    const error = fromSharpError(new Error('heif: Memory allocation error: Security limit exceeded: Image size 2147483647x30000 exceeds the maximum image size 268435456'), ctx);
    expect([error.kind, error.reason, error.message]).toEqual([
      'resource_exhausted',
      'PIXEL_LIMIT_EXCEEDED',
      "image_data: limit is 4000000 pixels, received an image over the decoder's limit (heif: Memory allocation error: Security limit exceeded: Image size 2147483647x30000 exceeds the maximum image size 268435456)",
    ]);
  });

  it('anything else stays internal', () => {
    expect(fromSharpError(new Error('vips_something: a bug of ours'), ctx).kind).toBe('internal');
  });
});
