import { FilterSchema, type Filter } from '../../../gen/image/v1/operations_pb.js';
import { invalidArgument } from '../../errors/index.js';
import type { PipelineStep } from '../../imaging/image-processor.js';
import { checkIntInRange, checkNumberInRange } from '../../validation/check.js';
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

type FilterType = Filter['filterType'];
type FilterCase = NonNullable<FilterType['case']>;
type Translators = { [K in FilterCase]: (value: Extract<FilterType, { case: K }>['value'], at: string) => PipelineStep[] };

/** The filters by their proto names, from the generated descriptor: errors list exactly what the proto has. */
export const FILTER_NAMES: readonly string[] = FilterSchema.oneofs[0].fields.map((f) => f.name);

/**
 * A Filter as pipeline steps, with the documented defaults for 0 (unset) and every parameter checked.
 * `field` is where the filter sits in the request ("filter"); errors name e.g. "filter.gaussian_blur.sigma".
 */
export function filterSteps(filter: Filter | undefined, field: string): PipelineStep[] {
  const type = filter?.filterType;
  if (type?.case === undefined) throw invalidArgument(field, `one of ${FILTER_NAMES.join(', ')}`, 'none');
  const at = `${field}.${FilterSchema.field[type.case].name}`;
  // The mapped type holds each translator to its case; TypeScript cannot correlate the two here.
  const translate = TRANSLATORS[type.case] as (value: unknown, at: string) => PipelineStep[];
  return translate(type.value, at).map((step) => ({ ...step, field: at }));
}

/** Edge detection: the 8-neighbour Laplacian (0 on flat areas). */
const LAPLACIAN = [-1, -1, -1, -1, 8, -1, -1, -1, -1];

const TRANSLATORS: Translators = {
  gaussianBlur: (m, at) => [{ op: 'blur', sigma: checkNumberInRange(`${at}.sigma`, floatValue(m.sigma), 0.3, 1000) }],
  // sigma 0 is sharp's fast mild sharpen; m1 and m2 at 0 (unset) take sharp's defaults, 1 and 2.
  sharpen: (m, at) => {
    const m1 = checkNumberInRange(`${at}.m1`, floatValue(m.m1), 0, 1_000_000);
    const m2 = checkNumberInRange(`${at}.m2`, floatValue(m.m2), 0, 1_000_000);
    if (m.sigma === 0) return [{ op: 'sharpen' }];
    const sigma = checkNumberInRange(`${at}.sigma`, floatValue(m.sigma), 0.000001, 10);
    return [{ op: 'sharpen', sigma, ...(m1 !== 0 ? { m1 } : {}), ...(m2 !== 0 ? { m2 } : {}) }];
  },
  unsharpMask: (m, at) => [
    {
      op: 'unsharpMask',
      radius: checkNumberInRange(`${at}.radius`, floatValue(m.radius), 0.3, 100),
      amount: checkNumberInRange(`${at}.amount`, floatValue(m.amount), 0, 10),
      threshold: checkNumberInRange(`${at}.threshold`, floatValue(m.threshold), 0, 255),
    },
  ],
  median: (m, at) => {
    const size = m.size === 0 ? 3 : m.size;
    if (!Number.isInteger(size) || size < 3 || size > 15 || size % 2 === 0) throw invalidArgument(`${at}.size`, 'an odd integer from 3 to 15', size);
    return [{ op: 'median', size }];
  },
  grayscale: () => grayscaleSteps(),
  sepia: sepiaSteps,
  invert: () => invertSteps(),
  brightness: brightnessSteps,
  contrast: contrastSteps,
  saturation: saturationSteps,
  hueRotate: hueSteps,
  gamma: gammaSteps,
  tint: tintSteps,
  vignette: (m, at) => [
    {
      op: 'vignette',
      strength: checkNumberInRange(`${at}.strength`, floatValue(m.strength), 0, 1),
      radius: checkNumberInRange(`${at}.radius`, floatValue(m.radius), 0.1, 1.5),
    },
  ],
  pixelate: (m, at) => [{ op: 'pixelate', blockSize: checkIntInRange(`${at}.block_size`, m.blockSize, 2, 512) }],
  posterize: posterizeSteps,
  threshold: (m, at) => [{ op: 'threshold', level: m.level === 0 ? 128 : checkIntInRange(`${at}.level`, m.level, 0, 255), perChannel: m.perChannel }],
  // The identity plus `strength` times a diagonal relief: flat areas keep their colour, edges stand out.
  emboss: (m, at) => {
    const s = m.strength === 0 ? 1 : checkNumberInRange(`${at}.strength`, floatValue(m.strength), 0, 10);
    return [{ op: 'convolve', width: 3, height: 3, kernel: [-s, -s, 0, -s, 1, s, 0, s, s] }];
  },
  edgeDetect: () => [{ op: 'convolve', width: 3, height: 3, kernel: LAPLACIAN }],
  normalize: normalizeSteps,
  clahe: (m, at) => [
    {
      op: 'clahe',
      width: m.width === 0 ? 64 : checkIntInRange(`${at}.width`, m.width, 1, 1000),
      height: m.height === 0 ? 64 : checkIntInRange(`${at}.height`, m.height, 1, 1000),
      maxSlope: m.maxSlope === 0 ? 3 : checkIntInRange(`${at}.max_slope`, m.maxSlope, 0, 100),
    },
  ],
};
