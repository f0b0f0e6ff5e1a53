import type { PipelineStep } from '../../imaging/image-processor.js';
import { checkIntInRange } from '../../validation/check.js';

/** libvips' largest image side. */
const MAX_COORDINATE = 10_000_000;

/**
 * A crop region as a pipeline step. Whether it lies inside the image is checked in the worker against
 * the oriented size, and the error states that size.
 */
export function cropStep(r: { x: number; y: number; width: number; height: number }, prefix: string): PipelineStep {
  return {
    op: 'crop',
    left: checkIntInRange(`${prefix}x`, r.x, 0, MAX_COORDINATE),
    top: checkIntInRange(`${prefix}y`, r.y, 0, MAX_COORDINATE),
    width: checkIntInRange(`${prefix}width`, r.width, 1, MAX_COORDINATE),
    height: checkIntInRange(`${prefix}height`, r.height, 1, MAX_COORDINATE),
    field: prefix.replace(/\.$/, '') || 'region',
  };
}
