import { Fit, Gravity, type ResizeOptions } from '../../../gen/image/v1/operations_pb.js';
import { invalidArgument } from '../../errors/index.js';
import type { PipelineStep } from '../../imaging/image-processor.js';
import { checkHexColor, checkIntInRange } from '../../validation/check.js';

type ResizeFields = Pick<ResizeOptions, 'width' | 'height' | 'maintainAspectRatio' | 'fit' | 'gravity' | 'backgroundColor' | 'withoutEnlargement'>;

export const FITS: Record<Exclude<Fit, Fit.UNSPECIFIED>, 'inside' | 'cover' | 'contain' | 'fill' | 'outside'> = {
  [Fit.INSIDE]: 'inside',
  [Fit.COVER]: 'cover',
  [Fit.CONTAIN]: 'contain',
  [Fit.FILL]: 'fill',
  [Fit.OUTSIDE]: 'outside',
};

/** sharp's names for the anchors and the two smart-crop strategies. */
export const POSITIONS: Record<Exclude<Gravity, Gravity.UNSPECIFIED>, string> = {
  [Gravity.CENTER]: 'centre',
  [Gravity.NORTH]: 'north',
  [Gravity.NORTHEAST]: 'northeast',
  [Gravity.EAST]: 'east',
  [Gravity.SOUTHEAST]: 'southeast',
  [Gravity.SOUTH]: 'south',
  [Gravity.SOUTHWEST]: 'southwest',
  [Gravity.WEST]: 'west',
  [Gravity.NORTHWEST]: 'northwest',
  [Gravity.ATTENTION]: 'attention',
  [Gravity.ENTROPY]: 'entropy',
};

/**
 * A resize request as a pipeline step. `maintain_aspect_ratio` is the spec's switch (true fits inside
 * the box, false fills it exactly); `fit` names the other modes and wins when set. 0 for one side
 * derives it from the other and the aspect ratio.
 */
export function resizeStep(r: ResizeFields, prefix: string, maxDimension: number): PipelineStep {
  const width = checkIntInRange(`${prefix}width`, r.width, 0, maxDimension);
  const height = checkIntInRange(`${prefix}height`, r.height, 0, maxDimension);
  if (width === 0 && height === 0) throw invalidArgument(`${prefix}width`, 'a width, a height or both (1 to ' + maxDimension + ')', '0 and 0');
  let fit: 'inside' | 'cover' | 'contain' | 'fill' | 'outside';
  if (r.fit === Fit.UNSPECIFIED) fit = r.maintainAspectRatio ? 'inside' : 'fill';
  else if (FITS[r.fit]) fit = FITS[r.fit];
  else throw invalidArgument(`${prefix}fit`, 'FIT_INSIDE, FIT_COVER, FIT_CONTAIN, FIT_FILL or FIT_OUTSIDE', r.fit);
  // One side alone keeps the aspect ratio whatever the mode: "fill" a 0 height has nothing to fill.
  if ((width === 0 || height === 0) && fit === 'fill') fit = 'inside';
  let position: string | undefined;
  if (r.gravity !== Gravity.UNSPECIFIED) {
    position = POSITIONS[r.gravity];
    if (!position) throw invalidArgument(`${prefix}gravity`, 'a Gravity value', r.gravity);
    if ((r.gravity === Gravity.ATTENTION || r.gravity === Gravity.ENTROPY) && fit !== 'cover') {
      throw invalidArgument(`${prefix}gravity`, 'GRAVITY_ATTENTION or GRAVITY_ENTROPY only with FIT_COVER', `${Gravity[r.gravity]} with fit ${fit}`);
    }
  }
  const background = r.backgroundColor ? checkHexColor(`${prefix}background_color`, r.backgroundColor) : undefined;
  return {
    op: 'resize',
    width: width || undefined,
    height: height || undefined,
    fit,
    position,
    background,
    withoutEnlargement: r.withoutEnlargement || undefined,
    field: prefix.replace(/\.$/, '') || 'resize',
  };
}
