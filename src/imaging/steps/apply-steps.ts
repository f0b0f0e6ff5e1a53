import sharp from 'sharp';
import { isAppError } from '../../errors/index.js';
import type { PipelineStep } from '../image-processor.js';
import { fromSharpOptionError } from '../sharp-error.js';
import { timeoutSeconds } from '../timeout-seconds.js';
import { autoOrient } from './auto-orient.js';
import { crop } from './crop.js';
import { resize } from './resize.js';
import type { StepHandler, StepState } from './step.js';

/** Every member of the PipelineStep union must have a handler: the compiler holds the list complete. */
type Handlers = { [K in PipelineStep['op']]: StepHandler<Extract<PipelineStep, { op: K }>> };

const HANDLERS: Handlers = { autoOrient, crop, resize };

/**
 * Folds the steps over one sharp pipeline. When a step cannot join it (sharp's fixed operation order:
 * a second resize, a crop after a post-resize crop) or needs a size only sharp knows, the pixels so far
 * are rendered to raw memory in this same worker task and a new pipeline continues from them. The usual
 * lists (orient, crop, resize; orient, resize) stay one pipeline.
 */
export async function applySteps(start: StepState, steps: readonly PipelineStep[]): Promise<StepState> {
  let state = start;
  for (const [index, step] of steps.entries()) {
    // The mapped type guarantees the handler matches step.op; TypeScript cannot correlate the two.
    const handler = HANDLERS[step.op] as StepHandler<PipelineStep>;
    if (!handler.fits(state, step) || (handler.needsSize && state.size === undefined)) {
      state = await restart(state);
    }
    const field = step.field ?? `steps[${index}]`;
    try {
      state = handler.apply(state, step, field);
    } catch (error) {
      if (isAppError(error)) throw error;
      throw fromSharpOptionError(error, field) ?? error;
    }
  }
  return state;
}

/**
 * Renders the pipeline so far and starts a new one on its pixels. Metadata does not survive raw pixels,
 * so EXIF and ICC are not kept for lists that need this (rare: see applySteps).
 */
async function restart(state: StepState): Promise<StepState> {
  const { data, info } = await state.image.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const image = sharp(data, {
    raw: { width: info.width, height: info.height, channels: info.channels },
    // Our own intermediate, already bounded by the input limit and maxOutputDimension.
    limitInputPixels: false,
  }).timeout({ seconds: timeoutSeconds(state.deadline) });
  return { ...state, image, size: { width: info.width, height: info.height }, used: new Set() };
}
