import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { FilterSchema, type Filter } from '../../gen/image/v1/operations_pb.js';
import { FILTER_NAMES, filterSteps } from '../../src/api/translate/filter-steps.js';
import { isAppError, type AppError } from '../../src/errors/index.js';

type FilterInit = NonNullable<Parameters<typeof create<typeof FilterSchema>>[1]>['filterType'];

const filter = (filterType: FilterInit): Filter => create(FilterSchema, { filterType });

function errorOf(f: Filter | undefined): AppError {
  try {
    filterSteps(f, 'filter');
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  throw new Error('expected filterSteps to throw');
}

const ALL = 'gaussian_blur, sharpen, unsharp_mask, median, grayscale, sepia, invert, brightness, contrast, saturation, hue_rotate, gamma, tint, vignette, pixelate, posterize, threshold, emboss, edge_detect, normalize, clahe';

describe('filterSteps', () => {
  it('knows the 21 filters of the proto, by their proto names', () => {
    expect(FILTER_NAMES.join(', ')).toBe(ALL);
  });

  it('refuses a missing filter, listing the supported ones', () => {
    for (const missing of [undefined, create(FilterSchema)]) {
      const error = errorOf(missing);
      expect(error.kind).toBe('invalid_argument');
      expect(error.message).toBe(`filter: expected one of ${ALL}, received "none"`);
      expect(error.violations).toEqual([{ field: 'filter', description: `expected one of ${ALL}, received "none"` }]);
    }
  });

  it('names each step after its filter, under the given field', () => {
    expect(filterSteps(filter({ case: 'gaussianBlur', value: { sigma: 2 } }), 'variation_configs[1].filter')).toEqual([
      { op: 'blur', sigma: 2, field: 'variation_configs[1].filter.gaussian_blur' },
    ]);
  });

  it('applies the documented defaults for 0 (unset)', () => {
    const steps = (f: FilterInit) => filterSteps(filter(f), 'filter').map(({ field: _field, ...step }) => step);
    expect(steps({ case: 'median', value: {} })).toEqual([{ op: 'median', size: 3 }]);
    expect(steps({ case: 'sepia', value: {} })).toEqual([{ op: 'recomb', matrix: [[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]] }]);
    expect(steps({ case: 'gamma', value: {} })).toEqual([{ op: 'gamma', gamma: 2.2 }]);
    expect(steps({ case: 'threshold', value: {} })).toEqual([{ op: 'threshold', level: 128, perChannel: false }]);
    expect(steps({ case: 'emboss', value: {} })).toEqual([{ op: 'convolve', width: 3, height: 3, kernel: [-1, -1, 0, -1, 1, 1, 0, 1, 1] }]);
    expect(steps({ case: 'normalize', value: {} })).toEqual([{ op: 'normalise', lower: 1, upper: 99 }]);
    expect(steps({ case: 'clahe', value: {} })).toEqual([{ op: 'clahe', width: 64, height: 64, maxSlope: 3 }]);
    // sigma 0: sharp's fast mild sharpen; m1/m2 0: sharp's own defaults.
    expect(steps({ case: 'sharpen', value: {} })).toEqual([{ op: 'sharpen' }]);
    expect(steps({ case: 'sharpen', value: { sigma: 1.5, m2: 3 } })).toEqual([{ op: 'sharpen', sigma: 1.5, m2: 3 }]);
    expect(steps({ case: 'unsharpMask', value: { radius: 2, amount: 0.8 } })).toEqual([{ op: 'unsharpMask', radius: 2, amount: 0.8, threshold: 0 }]);
  });

  it('builds the colour filters', () => {
    const steps = (f: FilterInit) => filterSteps(filter(f), 'filter').map(({ field: _field, ...step }) => step);
    expect(steps({ case: 'grayscale', value: {} })).toEqual([{ op: 'recomb', matrix: Array(3).fill([0.2126, 0.7152, 0.0722]) }]);
    expect(steps({ case: 'invert', value: {} })).toEqual([{ op: 'negate' }]);
    expect(steps({ case: 'brightness', value: { factor: 1.5 } })).toEqual([{ op: 'modulate', brightness: 1.5 }]);
    expect(steps({ case: 'contrast', value: { factor: 2 } })).toEqual([{ op: 'linear', a: [2], b: [-127.5] }]);
    expect(steps({ case: 'saturation', value: { factor: 0 } })).toEqual([{ op: 'modulate', saturation: 0 }]);
    expect(steps({ case: 'hueRotate', value: { degrees: -90 } })).toEqual([{ op: 'modulate', hue: -90 }]);
    expect(steps({ case: 'tint', value: { color: '#FF8000' } })).toEqual([{ op: 'tint', color: '#ff8000' }]);
    expect(steps({ case: 'vignette', value: { strength: 0.5, radius: 0.6 } })).toEqual([{ op: 'vignette', strength: 0.5, radius: 0.6 }]);
    expect(steps({ case: 'pixelate', value: { blockSize: 8 } })).toEqual([{ op: 'pixelate', blockSize: 8 }]);
    expect(steps({ case: 'posterize', value: { levels: 4 } })).toEqual([{ op: 'posterize', levels: 4 }]);
    expect(steps({ case: 'edgeDetect', value: {} })).toEqual([{ op: 'convolve', width: 3, height: 3, kernel: [-1, -1, -1, -1, 8, -1, -1, -1, -1] }]);
  });

  it('reads float fields as the caller wrote them (the wire carries float32)', () => {
    expect(filterSteps(filter({ case: 'gaussianBlur', value: { sigma: Math.fround(0.3) } }), 'filter')[0]).toMatchObject({ sigma: 0.3 });
    expect(filterSteps(filter({ case: 'sharpen', value: { sigma: Math.fround(0.000001) } }), 'filter')[0]).toMatchObject({ sigma: 0.000001 });
    expect(errorOf(filter({ case: 'gaussianBlur', value: { sigma: Math.fround(0.1) } })).message).toBe(
      'filter.gaussian_blur.sigma: expected a number from 0.3 to 1000, received 0.1',
    );
  });

  it.each<[string, FilterInit, string]>([
    ['blur sigma too small', { case: 'gaussianBlur', value: { sigma: 0.1 } }, 'filter.gaussian_blur.sigma: expected a number from 0.3 to 1000, received 0.1'],
    ['blur sigma unset', { case: 'gaussianBlur', value: {} }, 'filter.gaussian_blur.sigma: expected a number from 0.3 to 1000, received 0'],
    ['blur sigma NaN', { case: 'gaussianBlur', value: { sigma: NaN } }, 'filter.gaussian_blur.sigma: expected a number from 0.3 to 1000, received NaN'],
    ['sharpen sigma', { case: 'sharpen', value: { sigma: 11 } }, 'filter.sharpen.sigma: expected a number from 0.000001 to 10, received 11'],
    ['sharpen m1', { case: 'sharpen', value: { sigma: 1, m1: -1 } }, 'filter.sharpen.m1: expected a number from 0 to 1000000, received -1'],
    ['sharpen m2', { case: 'sharpen', value: { sigma: 1, m2: 2e6 } }, 'filter.sharpen.m2: expected a number from 0 to 1000000, received 2000000'],
    ['unsharp radius', { case: 'unsharpMask', value: { amount: 1 } }, 'filter.unsharp_mask.radius: expected a number from 0.3 to 100, received 0'],
    ['unsharp amount', { case: 'unsharpMask', value: { radius: 1, amount: 11 } }, 'filter.unsharp_mask.amount: expected a number from 0 to 10, received 11'],
    ['unsharp threshold', { case: 'unsharpMask', value: { radius: 1, amount: 1, threshold: 256 } }, 'filter.unsharp_mask.threshold: expected a number from 0 to 255, received 256'],
    ['median even', { case: 'median', value: { size: 4 } }, 'filter.median.size: expected an odd integer from 3 to 15, received 4'],
    ['median large', { case: 'median', value: { size: 17 } }, 'filter.median.size: expected an odd integer from 3 to 15, received 17'],
    ['sepia', { case: 'sepia', value: { intensity: 1.5 } }, 'filter.sepia.intensity: expected a number from 0 to 1, received 1.5'],
    ['brightness', { case: 'brightness', value: { factor: 11 } }, 'filter.brightness.factor: expected a number from 0 to 10, received 11'],
    ['contrast', { case: 'contrast', value: { factor: -1 } }, 'filter.contrast.factor: expected a number from 0 to 10, received -1'],
    ['saturation', { case: 'saturation', value: { factor: 10.5 } }, 'filter.saturation.factor: expected a number from 0 to 10, received 10.5'],
    ['hue_rotate', { case: 'hueRotate', value: { degrees: 400 } }, 'filter.hue_rotate.degrees: expected a number from -360 to 360, received 400'],
    ['gamma', { case: 'gamma', value: { gamma: 0.5 } }, 'filter.gamma.gamma: expected a number from 1 to 3, received 0.5'],
    ['tint unset', { case: 'tint', value: {} }, 'filter.tint.color: expected a colour "#RRGGBB", received ""'],
    ['tint with alpha', { case: 'tint', value: { color: '#ff000080' } }, 'filter.tint.color: expected a colour "#RRGGBB", received "#ff000080"'],
    ['vignette strength', { case: 'vignette', value: { strength: 2, radius: 0.5 } }, 'filter.vignette.strength: expected a number from 0 to 1, received 2'],
    ['vignette radius', { case: 'vignette', value: { strength: 0.5 } }, 'filter.vignette.radius: expected a number from 0.1 to 1.5, received 0'],
    ['pixelate', { case: 'pixelate', value: { blockSize: 1 } }, 'filter.pixelate.block_size: expected an integer from 2 to 512, received 1'],
    ['posterize', { case: 'posterize', value: { levels: 257 } }, 'filter.posterize.levels: expected an integer from 2 to 256, received 257'],
    ['threshold', { case: 'threshold', value: { level: 300 } }, 'filter.threshold.level: expected an integer from 0 to 255, received 300'],
    ['emboss', { case: 'emboss', value: { strength: 11 } }, 'filter.emboss.strength: expected a number from 0 to 10, received 11'],
    ['normalize lower', { case: 'normalize', value: { lower: 100 } }, 'filter.normalize.lower: expected an integer from 0 to 99, received 100'],
    ['normalize upper', { case: 'normalize', value: { upper: 101 } }, 'filter.normalize.upper: expected an integer from 1 to 100, received 101'],
    ['normalize order', { case: 'normalize', value: { lower: 50, upper: 40 } }, 'filter.normalize.upper: expected a percentile above lower (50), received 40'],
    ['clahe width', { case: 'clahe', value: { width: 1001 } }, 'filter.clahe.width: expected an integer from 1 to 1000, received 1001'],
    ['clahe height', { case: 'clahe', value: { height: -1 } }, 'filter.clahe.height: expected an integer from 1 to 1000, received -1'],
    ['clahe max_slope', { case: 'clahe', value: { maxSlope: 101 } }, 'filter.clahe.max_slope: expected an integer from 0 to 100, received 101'],
  ])('refuses %s with a message naming the field, the range and the value', (_name, f, message) => {
    const error = errorOf(filter(f));
    expect(error.kind).toBe('invalid_argument');
    expect(error.reason).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(message);
    expect(error.violations[0].field).toBe(message.slice(0, message.indexOf(':')));
  });
});
