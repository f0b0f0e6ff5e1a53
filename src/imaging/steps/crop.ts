import { invalidArgument } from '../../errors/index.js';
import type { PipelineStep } from '../image-processor.js';
import { checkIntInRange } from '../../validation/check.js';
import { canJoin, withSlot, type Slot, type StepHandler, type StepState } from './step.js';

type CropStep = Extract<PipelineStep, { op: 'crop' }>;

/** libvips' largest image side. */
const MAX_COORDINATE = 10_000_000;

export const crop: StepHandler<CropStep> = {
  needsSize: true,
  fits: (state) => canJoin(state.used, cropSlot(state)),
  apply(state, step, field) {
    const size = state.size;
    if (size === undefined) throw new Error('crop applied without a known size'); // apply-steps guarantees one
    const left = checkIntInRange(`${field}.left`, step.left, 0, MAX_COORDINATE);
    const top = checkIntInRange(`${field}.top`, step.top, 0, MAX_COORDINATE);
    const width = checkIntInRange(`${field}.width`, step.width, 1, MAX_COORDINATE);
    const height = checkIntInRange(`${field}.height`, step.height, 1, MAX_COORDINATE);
    // Checked here, against the oriented size, because sharp's own refusal ("bad extract area") names
    // neither the region nor the image.
    if (left + width > size.width || top + height > size.height) {
      throw invalidArgument(field, `a region inside the ${size.width}x${size.height} image`, { left, top, width, height }, 'CROP_OUT_OF_BOUNDS');
    }
    state.image.extract({ left, top, width, height });
    return { ...state, size: { width, height }, used: withSlot(state.used, cropSlot(state)) };
  },
};

/** sharp's rule: an extract called once a resize or an earlier extract is set happens after the resize. */
function cropSlot(state: StepState): Slot {
  return state.used.has('resize') || state.used.has('extractBeforeResize') ? 'extractAfterResize' : 'extractBeforeResize';
}
