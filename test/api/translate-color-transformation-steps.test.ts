import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { ColorTransformationSchema, type ColorTransformation } from '../../gen/image/v1/operations_pb.js';
import { checkLuts } from '../../src/api/translate/check-luts.js';
import { COLOR_TRANSFORMATION_NAMES, colorTransformationSteps } from '../../src/api/translate/color-transformation-steps.js';
import { isAppError, type AppError } from '../../src/errors/index.js';
import { parseLutSteps } from '../../src/imaging/steps/lut3d.js';

type KindInit = NonNullable<Parameters<typeof create<typeof ColorTransformationSchema>>[1]>['kind'];

const t = (kind: KindInit): ColorTransformation => create(ColorTransformationSchema, { kind });

function errorOf(list: ColorTransformation[]): AppError {
  try {
    colorTransformationSteps(list, 'transformations');
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  throw new Error('expected colorTransformationSteps to throw');
}

const KINDS = 'grayscale, sepia, invert, brightness, contrast, saturation, hue_shift, gamma, tint, temperature, duotone, posterize, levels, normalize, channel_mix, lut';
const IDENTITY_CUBE = 'LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n';

describe('colorTransformationSteps', () => {
  it('knows the 16 kinds of the proto, by their proto names', () => {
    expect(COLOR_TRANSFORMATION_NAMES.join(', ')).toBe(KINDS);
  });

  it('turns an empty list into no steps', () => {
    expect(colorTransformationSteps([], 'transformations')).toEqual([]);
  });

  it('keeps the order, names each step by index and kind, and applies defaults for 0', () => {
    const steps = colorTransformationSteps(
      [t({ case: 'grayscale', value: {} }), t({ case: 'gamma', value: {} }), t({ case: 'levels', value: { blackPoint: 10 } }), t({ case: 'hueShift', value: { degrees: 30 } })],
      'transformations',
    );
    expect(steps).toEqual([
      { op: 'recomb', matrix: Array(3).fill([0.2126, 0.7152, 0.0722]), field: 'transformations[0].grayscale' },
      { op: 'gamma', gamma: 2.2, field: 'transformations[1].gamma' },
      { op: 'levels', blackPoint: 10, whitePoint: 255, gamma: 1, field: 'transformations[2].levels' },
      { op: 'modulate', hue: 30, field: 'transformations[3].hue_shift' },
    ]);
  });

  it('builds temperature, duotone, channel_mix and lut steps', () => {
    const [warm, duotone, mix, lut] = colorTransformationSteps(
      [
        t({ case: 'temperature', value: { amount: 1 } }),
        t({ case: 'duotone', value: { shadowColor: '#000080', highlightColor: '#FFFF00' } }),
        t({ case: 'channelMix', value: { matrix: [0, 0, 1, 0, 1, 0, 1, 0, 0] } }),
        t({ case: 'lut', value: { cube: IDENTITY_CUBE } }),
      ],
      'transformations',
    );
    expect(warm).toMatchObject({ op: 'recomb', matrix: [[1.25, 0, 0], [0, 1, 0], [0, 0, 0.75]] });
    expect(duotone).toMatchObject({ op: 'duotone', shadow: '#000080', highlight: '#ffff00' });
    expect(mix).toMatchObject({ op: 'recomb', matrix: [[0, 0, 1], [0, 1, 0], [1, 0, 0]] });
    // The text goes to the worker, which parses it before decoding.
    expect(lut).toEqual({ op: 'lut3d', cube: IDENTITY_CUBE, field: 'transformations[3].lut' });
    const [parsed] = parseLutSteps([lut]);
    expect(parsed.op === 'lut3d' && 'table' in parsed && [...parsed.table]).toEqual([0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1]);
  });

  it('leaves a bad .cube to the worker, which names its field and line', () => {
    const [lut] = colorTransformationSteps([t({ case: 'invert', value: {} }), t({ case: 'lut', value: { cube: 'LUT_3D_SIZE 2\n0 0 0\n1 0\n' } })], 'transformations').slice(1);
    let error: unknown;
    try {
      parseLutSteps([lut]);
    } catch (e) {
      error = e;
    }
    expect(isAppError(error) && error.message).toBe('transformations[1].lut.cube: expected a row of 3 numbers on line 3, received "1 0"');
  });

  it('refuses an unset (or unknown) kind as an unsupported transformation, naming its index and the kinds', () => {
    const error = errorOf([t({ case: 'invert', value: {} }), create(ColorTransformationSchema)]);
    expect(error.kind).toBe('unsupported_operation');
    expect(error.reason).toBe('UNSUPPORTED_OPERATION');
    expect(error.message).toBe(`transformations[1]: unsupported transformation: expected one of ${KINDS}, received none`);
    expect(error.violations[0].field).toBe('transformations[1]');
  });

  it.each<[string, KindInit, string]>([
    ['gamma', { case: 'gamma', value: { gamma: 5 } }, 'transformations[2].gamma.gamma: expected a number from 1 to 3, received 5'],
    ['sepia', { case: 'sepia', value: { intensity: -0.5 } }, 'transformations[2].sepia.intensity: expected a number from 0 to 1, received -0.5'],
    ['brightness', { case: 'brightness', value: { factor: 12 } }, 'transformations[2].brightness.factor: expected a number from 0 to 10, received 12'],
    ['contrast', { case: 'contrast', value: { factor: 12 } }, 'transformations[2].contrast.factor: expected a number from 0 to 10, received 12'],
    ['saturation', { case: 'saturation', value: { factor: -2 } }, 'transformations[2].saturation.factor: expected a number from 0 to 10, received -2'],
    ['hue_shift', { case: 'hueShift', value: { degrees: -361 } }, 'transformations[2].hue_shift.degrees: expected a number from -360 to 360, received -361'],
    ['tint', { case: 'tint', value: { color: 'red' } }, 'transformations[2].tint.color: expected a colour "#RRGGBB", received "red"'],
    ['temperature', { case: 'temperature', value: { amount: 1.5 } }, 'transformations[2].temperature.amount: expected a number from -1 to 1, received 1.5'],
    ['duotone shadow', { case: 'duotone', value: { highlightColor: '#ffffff' } }, 'transformations[2].duotone.shadow_color: expected a colour "#RRGGBB", received ""'],
    ['duotone highlight', { case: 'duotone', value: { shadowColor: '#000000', highlightColor: '#fff' } }, 'transformations[2].duotone.highlight_color: expected a colour "#RRGGBB", received "#fff"'],
    ['posterize', { case: 'posterize', value: {} }, 'transformations[2].posterize.levels: expected an integer from 2 to 256, received 0'],
    ['levels black', { case: 'levels', value: { blackPoint: 300 } }, 'transformations[2].levels.black_point: expected an integer from 0 to 255, received 300'],
    ['levels white', { case: 'levels', value: { whitePoint: 256 } }, 'transformations[2].levels.white_point: expected an integer from 0 to 255, received 256'],
    ['levels order', { case: 'levels', value: { blackPoint: 100, whitePoint: 50 } }, 'transformations[2].levels.white_point: expected a white point above black_point (100), received 50'],
    ['levels gamma', { case: 'levels', value: { gamma: 20 } }, 'transformations[2].levels.gamma: expected a number from 0.1 to 10, received 20'],
    ['normalize', { case: 'normalize', value: { lower: 99, upper: 98 } }, 'transformations[2].normalize.upper: expected a percentile above lower (99), received 98'],
    ['channel_mix size', { case: 'channelMix', value: { matrix: [1, 0, 0, 1] } }, 'transformations[2].channel_mix.matrix: expected 9 values (a 3x3 matrix in row order), received "4 values"'],
    ['channel_mix value', { case: 'channelMix', value: { matrix: [1, 0, 0, 0, 11, 0, 0, 0, 1] } }, 'transformations[2].channel_mix.matrix[4]: expected a number from -10 to 10, received 11'],
  ])('refuses a bad %s at its index, naming the field, the range and the value', (_name, kind, message) => {
    const error = errorOf([t({ case: 'invert', value: {} }), t({ case: 'grayscale', value: {} }), t(kind)]);
    expect(error.kind).toBe('invalid_argument');
    expect(error.message).toBe(message);
    expect(error.violations[0].field).toBe(message.slice(0, message.indexOf(':')));
  });
});

describe('checkLuts', () => {
  const lut = (cube = IDENTITY_CUBE) => t({ case: 'lut', value: { cube } });
  const limits = { maxLutsPerRequest: 2, maxLutBytes: 100 };

  function refusal(check: () => void): AppError {
    try {
      check();
    } catch (e) {
      if (isAppError(e)) return e;
      throw e;
    }
    throw new Error('expected checkLuts to throw');
  }

  it('counts the LUTs of every list of a request against one bound', () => {
    expect(() => checkLuts([{ transformations: [lut(), t({ case: 'invert', value: {} }), lut()], field: 'transformations' }], 'transformations', limits)).not.toThrow();
    const lists = [0, 1, 2].map((i) => ({ transformations: [lut()], field: `variation_configs[${i}].color_transform` }));
    const error = refusal(() => checkLuts(lists, 'variation_configs', limits));
    expect(error.kind).toBe('invalid_argument');
    expect(error.message).toBe('variation_configs: expected at most 2 lut transformations in one request, received 3');
  });

  it('refuses a .cube text over the size limit, naming where it is', () => {
    const error = refusal(() => checkLuts([{ transformations: [t({ case: 'invert', value: {} }), lut('#'.repeat(101))], field: 'transformations' }], 'transformations', limits));
    expect(error.kind).toBe('resource_exhausted');
    expect(error.reason).toBe('LUT_TOO_LARGE');
    expect(error.message).toBe('transformations[1].lut.cube: limit is 100 bytes, received 101 bytes');
  });
});
