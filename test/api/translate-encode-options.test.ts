import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { ExportOptionsSchema, type ExportOptions } from '../../gen/image/v1/operations_pb.js';
import { DEFAULT_MAX_SVG_BYTES, DEFAULT_SVG_COLORS, encodeOptions } from '../../src/api/translate/encode-options.js';
import { isAppError, type AppError } from '../../src/errors/index.js';

type Init = Parameters<typeof create<typeof ExportOptionsSchema>>[1];

const opts = (init: Init = {}): ExportOptions => create(ExportOptionsSchema, init);

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (isAppError(e)) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('encodeOptions', () => {
  it.each(['png', 'jpeg', 'webp', 'avif', 'tiff', 'gif'] as const)('takes %s with no options', (format) => {
    expect(encodeOptions(format, undefined, '')).toEqual({ format, field: 'export_options' });
    expect(encodeOptions(format, opts(), '')).toEqual({ format, field: 'export_options' });
  });

  it('takes jpg for jpeg, and names in any case', () => {
    expect(encodeOptions('jpg', undefined, '').format).toBe('jpeg');
    expect(encodeOptions('WebP', undefined, '').format).toBe('webp');
  });

  it('names fields under the message that holds format and export_options', () => {
    expect(encodeOptions('png', undefined, 'variation_configs[2]').field).toBe('variation_configs[2].export_options');
    const error = errorOf(() => encodeOptions('jpeg', opts({ quality: 0 + 101 }), 'variation_configs[2]'));
    expect(error.message).toBe('variation_configs[2].export_options.quality: expected an integer from 1 to 100, received 101');
    const format = errorOf(() => encodeOptions('heic', undefined, 'variation_configs[2]'));
    expect(format.message).toBe('variation_configs[2].format: expected one of png, jpeg, jpg, webp, avif, tiff, gif, svg, received "heic"');
  });

  it('maps jpeg options', () => {
    expect(
      encodeOptions('jpeg', opts({ quality: 70, progressive: true, chromaSubsampling: '4:4:4', backgroundColor: '#00FF00', keepMetadata: true, maxBytes: 5000n }), ''),
    ).toEqual({
      format: 'jpeg',
      quality: 70,
      progressive: true,
      chromaSubsampling: '4:4:4',
      background: '#00ff00',
      keepMetadata: true,
      maxBytes: 5000,
      field: 'export_options',
    });
  });

  it('maps png options: effort, interlacing, and palette implied by colors or quality', () => {
    expect(encodeOptions('png', opts({ effort: 9, progressive: true }), '')).toEqual({ format: 'png', effort: 9, progressive: true, field: 'export_options' });
    expect(encodeOptions('png', opts({ colors: 16 }), '')).toEqual({ format: 'png', colors: 16, palette: true, field: 'export_options' });
    expect(encodeOptions('png', opts({ quality: 60 }), '')).toEqual({ format: 'png', quality: 60, palette: true, field: 'export_options' });
    expect(encodeOptions('png', opts({ palette: true }), '')).toEqual({ format: 'png', palette: true, field: 'export_options' });
  });

  it('maps webp, avif, tiff and gif options', () => {
    expect(encodeOptions('webp', opts({ lossless: true, effort: 6 }), '')).toEqual({ format: 'webp', lossless: true, effort: 6, field: 'export_options' });
    expect(encodeOptions('avif', opts({ quality: 40, effort: 0, chromaSubsampling: '4:2:0' }), '')).toEqual({
      format: 'avif',
      quality: 40,
      effort: 0,
      chromaSubsampling: '4:2:0',
      field: 'export_options',
    });
    expect(encodeOptions('tiff', opts({ quality: 80 }), '')).toEqual({ format: 'tiff', quality: 80, field: 'export_options' });
    expect(encodeOptions('gif', opts({ colors: 8, effort: 1, progressive: true, palette: true }), '')).toEqual({
      format: 'gif',
      colors: 8,
      effort: 1,
      progressive: true,
      field: 'export_options',
    });
  });

  it('maps svg with its defaults and its options', () => {
    expect(encodeOptions('svg', undefined, '')).toEqual({
      format: 'svg',
      colors: DEFAULT_SVG_COLORS,
      maxSvgBytes: DEFAULT_MAX_SVG_BYTES,
      embedRaster: false,
      field: 'export_options',
    });
    expect(encodeOptions('svg', opts({ backgroundColor: '#ffffff', svg: { colors: 4, maxSvgBytes: 1000n, embedRaster: true } }), '')).toEqual({
      format: 'svg',
      colors: 4,
      maxSvgBytes: 1000,
      embedRaster: true,
      background: '#ffffff',
      field: 'export_options',
    });
  });

  describe('errors', () => {
    it.each([
      ['bmp', opts(), 'format: expected one of png, jpeg, jpg, webp, avif, tiff, gif, svg, received "bmp"'],
      ['', opts(), 'format: expected one of png, jpeg, jpg, webp, avif, tiff, gif, svg, received ""'],
      ['jpeg', opts({ quality: 101 }), 'export_options.quality: expected an integer from 1 to 100, received 101'],
      ['webp', opts({ quality: -1 }), 'export_options.quality: expected an integer from 1 to 100, received -1'],
      ['webp', opts({ quality: 80, lossless: true }), 'export_options.quality: expected unset with lossless (lossless coding has no quality), received 80'],
      ['png', opts({ effort: 0 }), 'export_options.effort: expected an integer from 1 to 10, received 0'],
      ['webp', opts({ effort: 7 }), 'export_options.effort: expected an integer from 0 to 6, received 7'],
      ['avif', opts({ effort: 10 }), 'export_options.effort: expected an integer from 0 to 9, received 10'],
      ['gif', opts({ effort: 11 }), 'export_options.effort: expected an integer from 1 to 10, received 11'],
      ['jpeg', opts({ chromaSubsampling: '4:2:2' }), 'export_options.chroma_subsampling: expected one of 4:2:0, 4:4:4, received "4:2:2"'],
      ['png', opts({ colors: 1 }), 'export_options.colors: expected an integer from 2 to 256, received 1'],
      ['gif', opts({ colors: 300 }), 'export_options.colors: expected an integer from 2 to 256, received 300'],
      ['jpeg', opts({ backgroundColor: 'white' }), 'export_options.background_color: expected a colour "#RRGGBB", received "white"'],
      ['jpeg', opts({ backgroundColor: '#ffffff80' }), 'export_options.background_color: expected a colour "#RRGGBB", received "#ffffff80"'],
      ['jpeg', opts({ maxBytes: -5n }), 'export_options.max_bytes: expected an integer from 1 to 2147483647, received -5'],
      ['svg', opts({ svg: { colors: 65 } }), 'export_options.svg.colors: expected an integer from 2 to 64, received 65'],
      ['svg', opts({ svg: { colors: 1 } }), 'export_options.svg.colors: expected an integer from 2 to 64, received 1'],
      ['svg', opts({ svg: { maxSvgBytes: -1n } }), 'export_options.svg.max_svg_bytes: expected an integer from 1 to 2147483647, received -1'],
      // Options the format does not take are refused, not ignored.
      ['jpeg', opts({ lossless: true }), 'export_options.lossless: expected unset for jpeg (only webp and avif take it), received true'],
      ['gif', opts({ quality: 80 }), 'export_options.quality: expected unset for gif (only jpeg, webp, avif, tiff and png take it), received 80'],
      ['webp', opts({ progressive: true }), 'export_options.progressive: expected unset for webp (only jpeg, png and gif take it), received true'],
      ['jpeg', opts({ effort: 3 }), 'export_options.effort: expected unset for jpeg (only png, webp, avif and gif take it), received 3'],
      ['png', opts({ chromaSubsampling: '4:4:4' }), 'export_options.chroma_subsampling: expected unset for png (only jpeg and avif take it), received "4:4:4"'],
      ['webp', opts({ palette: true }), 'export_options.palette: expected unset for webp (only png and gif take it), received true'],
      ['tiff', opts({ colors: 16 }), 'export_options.colors: expected unset for tiff (only png and gif take it), received 16'],
      ['png', opts({ svg: { colors: 4 } }), 'export_options.svg: expected unset for png (only svg takes it), received "svg options"'],
      ['svg', opts({ quality: 80 }), 'export_options.quality: expected unset for svg (only jpeg, webp, avif, tiff and png take it), received 80'],
      ['svg', opts({ keepMetadata: true }), 'export_options.keep_metadata: expected unset for svg (only png, jpeg, webp, avif, tiff and gif take it), received true'],
      ['svg', opts({ maxBytes: 1000n }), 'export_options.max_bytes: expected unset for svg (only png, jpeg, webp, avif, tiff and gif take it), received 1000'],
    ] as const)('refuses %s with %o', (format, options, message) => {
      const error = errorOf(() => encodeOptions(format, options, ''));
      expect(error.kind).toBe('invalid_argument');
      expect(error.message).toBe(message);
      expect(`${error.violations[0].field}: ${error.violations[0].description}`).toBe(message);
    });

    it('calls an unknown format UNSUPPORTED_FORMAT', () => {
      expect(errorOf(() => encodeOptions('bmp', undefined, '')).reason).toBe('UNSUPPORTED_FORMAT');
    });
  });
});
