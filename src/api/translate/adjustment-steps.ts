import type {
  BrightnessFilter,
  ContrastFilter,
  GammaFilter,
  NormalizeFilter,
  PosterizeFilter,
  SaturationFilter,
  SepiaFilter,
  TintFilter,
} from '../../../gen/image/v1/operations_pb.js';
import { invalidArgument } from '../../errors/index.js';
import type { PipelineStep } from '../../imaging/image-processor.js';
import { checkHexColor, checkIntInRange, checkNumberInRange } from '../../validation/check.js';
import { floatValue } from './float-value.js';

/**
 * The adjustments Filter and ColorTransformation share (same messages, same meaning), as pipeline
 * steps. `at` names the message in errors, e.g. "filter.sepia" or "transformations[2].sepia".
 */

/** Rec.709 luma weights of R'G'B'. */
const REC709 = [0.2126, 0.7152, 0.0722] as const;

/** Every channel the Rec.709 luma: r = g = b, no chroma left. */
export function grayscaleSteps(): PipelineStep[] {
  return [{ op: 'recomb', matrix: [[...REC709], [...REC709], [...REC709]] }];
}

/** The standard sepia matrix (as in CSS filter effects and most editors). */
const SEPIA = [
  [0.393, 0.769, 0.189],
  [0.349, 0.686, 0.168],
  [0.272, 0.534, 0.131],
];

/** intensity 0 to 1, default 1: the sepia matrix blended with the identity. */
export function sepiaSteps(m: SepiaFilter, at: string): PipelineStep[] {
  const intensity = m.intensity === 0 ? 1 : checkNumberInRange(`${at}.intensity`, floatValue(m.intensity), 0, 1);
  const matrix = SEPIA.map((row, r) => row.map((v, c) => intensity * v + (1 - intensity) * (r === c ? 1 : 0)));
  return [{ op: 'recomb', matrix }];
}

export function invertSteps(): PipelineStep[] {
  return [{ op: 'negate' }];
}

/** factor 0 to 10, 1 unchanged: multiplies LCh lightness. */
export function brightnessSteps(m: BrightnessFilter, at: string): PipelineStep[] {
  return [{ op: 'modulate', brightness: checkNumberInRange(`${at}.factor`, floatValue(m.factor), 0, 10) }];
}

/** factor 0 to 10, 1 unchanged: scales each channel's distance from mid-grey. */
export function contrastSteps(m: ContrastFilter, at: string): PipelineStep[] {
  const factor = checkNumberInRange(`${at}.factor`, floatValue(m.factor), 0, 10);
  return [{ op: 'linear', a: [factor], b: [127.5 * (1 - factor)] }];
}

/** factor 0 to 10: 0 grey, 1 unchanged; multiplies LCh chroma. */
export function saturationSteps(m: SaturationFilter, at: string): PipelineStep[] {
  return [{ op: 'modulate', saturation: checkNumberInRange(`${at}.factor`, floatValue(m.factor), 0, 10) }];
}

/** degrees -360 to 360, rotating LCh hue (whole degrees). */
export function hueSteps(m: { degrees: number }, at: string): PipelineStep[] {
  return [{ op: 'modulate', hue: checkNumberInRange(`${at}.degrees`, floatValue(m.degrees), -360, 360) }];
}

/** gamma 1 to 3, default 2.2: out = in ^ (1 / gamma). */
export function gammaSteps(m: GammaFilter, at: string): PipelineStep[] {
  return [{ op: 'gamma', gamma: m.gamma === 0 ? 2.2 : checkNumberInRange(`${at}.gamma`, floatValue(m.gamma), 1, 3) }];
}

/** color "#RRGGBB": luminance kept, chroma replaced. */
export function tintSteps(m: TintFilter, at: string): PipelineStep[] {
  return [{ op: 'tint', color: checkHexColor(`${at}.color`, m.color, false) }];
}

/** levels 2 to 256 per channel. */
export function posterizeSteps(m: PosterizeFilter, at: string): PipelineStep[] {
  return [{ op: 'posterize', levels: checkIntInRange(`${at}.levels`, m.levels, 2, 256) }];
}

/** Percentiles lower (default 1) to black and upper (default 99) to white. */
export function normalizeSteps(m: NormalizeFilter, at: string): PipelineStep[] {
  const lower = m.lower === 0 ? 1 : checkIntInRange(`${at}.lower`, m.lower, 0, 99);
  const upper = m.upper === 0 ? 99 : checkIntInRange(`${at}.upper`, m.upper, 1, 100);
  if (upper <= lower) throw invalidArgument(`${at}.upper`, `a percentile above lower (${lower})`, upper);
  return [{ op: 'normalise', lower, upper }];
}
