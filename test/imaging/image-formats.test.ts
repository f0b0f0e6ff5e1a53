import { describe, expect, it } from 'vitest';
import { EXPORT_FORMATS, keptFormat, OUTPUT_FORMATS, parseFormat } from '../../src/imaging/image-formats.js';

describe('parseFormat', () => {
  it('takes any case and jpg for jpeg', () => {
    expect(parseFormat('format', 'PNG', OUTPUT_FORMATS)).toBe('png');
    expect(parseFormat('format', 'jpg', OUTPUT_FORMATS)).toBe('jpeg');
    expect(parseFormat('format', 'Jpeg', OUTPUT_FORMATS)).toBe('jpeg');
    expect(parseFormat('format', 'svg', EXPORT_FORMATS)).toBe('svg');
  });

  it('refuses a name outside the accepted list as UNSUPPORTED_FORMAT, naming the field, the names and what was sent', () => {
    expect(() => parseFormat('variation_configs[1].format', 'svg', OUTPUT_FORMATS)).toThrow(
      expect.objectContaining({
        kind: 'invalid_argument',
        reason: 'UNSUPPORTED_FORMAT',
        message: 'variation_configs[1].format: expected one of png, jpeg, jpg, webp, avif, tiff, gif, received "svg"',
      }),
    );
    expect(() => parseFormat('format', '', EXPORT_FORMATS)).toThrow('format: expected one of png, jpeg, jpg, webp, avif, tiff, gif, svg, received ""');
  });
});

describe('keptFormat', () => {
  it("keeps the input's format when the service writes it, else png", () => {
    expect(keptFormat('webp')).toBe('webp');
    expect(keptFormat('heif')).toBe('png');
    expect(keptFormat('svg+xml')).toBe('png');
    expect(keptFormat(undefined)).toBe('png');
  });
});
