import { ColorTransformationSchema, type ColorTransformation } from '../../../gen/image/v1/operations_pb.js';
import { invalidArgument, unsupportedOperation } from '../../errors/index.js';
import type { PipelineStep } from '../../imaging/image-processor.js';
import { checkHexColor, checkIntInRange, checkNumberInRange } from '../../validation/check.js';
import {
  brightnessSteps,
  contrastSteps,
  gammaSteps,
  grayscaleSteps,
  hueSteps,
  invertSteps,
  normalizeSteps,
  posterizeSteps,
  saturationSteps,
  sepiaSteps,
  tintSteps,
} from './adjustment-steps.js';
import { floatValue } from './float-value.js';

type Kind = ColorTransformation['kind'];
type KindCase = NonNullable<Kind['case']>;
type Translators = { [K in KindCase]: (value: Extract<Kind, { case: K }>['value'], at: string) => PipelineStep[] };

/** The transformation kinds by their proto names, from the generated descriptor. */
export const COLOR_TRANSFORMATION_NAMES: readonly string[] = ColorTransformationSchema.oneofs[0].fields.map((f) => f.name);

/**
 * An ordered list of ColorTransformations as pipeline steps, in the same order, with the documented
 * defaults for 0 (unset) and every parameter checked. `field` names the list ("transformations");
 * errors name e.g. "transformations[2].gamma.gamma". A `.cube` LUT goes to the worker as its text, which
 * parses it before decoding the image (see check-luts.ts for the bounds on how many and how large).
 */
export function colorTransformationSteps(list: ColorTransformation[], field: string): PipelineStep[] {
  return list.flatMap((transformation, index) => {
    const kind = transformation.kind;
    const item = `${field}[${index}]`;
    if (kind.case === undefined) {
      // Unset, or a kind newer than this server (an unknown oneof field).
      throw unsupportedOperation(
        `${item}: unsupported transformation: expected one of ${COLOR_TRANSFORMATION_NAMES.join(', ')}, received none`,
        item,
      );
    }
    const at = `${item}.${ColorTransformationSchema.field[kind.case].name}`;
    const translate = TRANSLATORS[kind.case] as (value: unknown, at: string) => PipelineStep[];
    return translate(kind.value, at).map((step) => ({ ...step, field: at }));
  });
}

/** How far amount 1 moves the red and blue gains (1 +- this). */
const TEMPERATURE_GAIN = 0.25;

const TRANSLATORS: Translators = {
  grayscale: () => grayscaleSteps(),
  sepia: sepiaSteps,
  invert: () => invertSteps(),
  brightness: brightnessSteps,
  contrast: contrastSteps,
  saturation: saturationSteps,
  hueShift: hueSteps,
  gamma: gammaSteps,
  tint: tintSteps,
  // Warm (amount > 0) raises red and lowers blue; cool the reverse; green stays.
  temperature: (m, at) => {
    const k = TEMPERATURE_GAIN * checkNumberInRange(`${at}.amount`, floatValue(m.amount), -1, 1);
    return [{ op: 'recomb', matrix: [[1 + k, 0, 0], [0, 1, 0], [0, 0, 1 - k]] }];
  },
  duotone: (m, at) => [
    { op: 'duotone', shadow: checkHexColor(`${at}.shadow_color`, m.shadowColor, false), highlight: checkHexColor(`${at}.highlight_color`, m.highlightColor, false) },
  ],
  posterize: posterizeSteps,
  // A white point of 0 can only mean unset (it must be above the black point): 255.
  levels: (m, at) => {
    const blackPoint = checkIntInRange(`${at}.black_point`, m.blackPoint, 0, 255);
    const whitePoint = m.whitePoint === 0 ? 255 : checkIntInRange(`${at}.white_point`, m.whitePoint, 0, 255);
    if (whitePoint <= blackPoint) throw invalidArgument(`${at}.white_point`, `a white point above black_point (${blackPoint})`, whitePoint);
    const gamma = m.gamma === 0 ? 1 : checkNumberInRange(`${at}.gamma`, floatValue(m.gamma), 0.1, 10);
    return [{ op: 'levels', blackPoint, whitePoint, gamma }];
  },
  normalize: normalizeSteps,
  channelMix: (m, at) => {
    if (m.matrix.length !== 9) throw invalidArgument(`${at}.matrix`, '9 values (a 3x3 matrix in row order)', `${m.matrix.length} values`);
    const values = m.matrix.map((v, i) => checkNumberInRange(`${at}.matrix[${i}]`, floatValue(v), -10, 10));
    return [{ op: 'recomb', matrix: [values.slice(0, 3), values.slice(3, 6), values.slice(6, 9)] }];
  },
  lut: (m) => [{ op: 'lut3d', cube: m.cube }],
};
