import { deadlineExceeded, isAppError } from '../../errors/index.js';
import type { PipelineStep } from '../image-processor.js';
import { fromSharpOptionError } from '../sharp-error.js';
import { autoOrient } from './auto-orient.js';
import { blur } from './blur.js';
import { clahe } from './clahe.js';
import { convolve } from './convolve.js';
import { crop } from './crop.js';
import { duotone } from './duotone.js';
import { gamma } from './gamma.js';
import { levels } from './levels.js';
import { linear } from './linear.js';
import { lut3d } from './lut3d.js';
import { median } from './median.js';
import { modulate } from './modulate.js';
import { negate } from './negate.js';
import { normalise } from './normalise.js';
import { pixelate } from './pixelate.js';
import { posterize } from './posterize.js';
import { renderPixels, sharpFromPixels, type RawPixels } from './raw-pixels.js';
import { recolor } from './recolor.js';
import { recomb } from './recomb.js';
import { resize } from './resize.js';
import { sharpen } from './sharpen.js';
import { flattenFits, type AnyStepHandler, type RawStepHandler, type StepHandler, type StepState } from './step.js';
import { threshold } from './threshold.js';
import { tint } from './tint.js';
import { unsharpMask } from './unsharp-mask.js';
import { vignette } from './vignette.js';

/** Every member of the PipelineStep union must have a handler: the compiler holds the list complete. */
type Handlers = { [K in PipelineStep['op']]: AnyStepHandler<Extract<PipelineStep, { op: K }>> };

const HANDLERS: Handlers = {
  autoOrient,
  crop,
  resize,
  blur,
  sharpen,
  unsharpMask,
  median,
  recomb,
  modulate,
  linear,
  gamma,
  negate,
  tint,
  normalise,
  clahe,
  convolve,
  vignette,
  pixelate,
  posterize,
  threshold,
  duotone,
  levels,
  lut3d,
  recolor,
};

/**
 * Folds the steps over one sharp pipeline. When a step cannot join it (sharp's fixed operation order,
 * see step.ts: a second resize, a colour operation sharp would run before one already there) or needs a
 * size only sharp knows, the pixels so far are rendered to raw memory in this same worker task and a
 * new pipeline continues from them. Raw steps (what sharp has no operation for) work on such a
 * rendering; consecutive ones share it. The usual lists (orient, crop, resize, one filter) stay one
 * pipeline. The deadline is checked between steps, since raw work is plain JavaScript that sharp's own
 * timeout cannot stop.
 */
export async function applySteps(start: StepState, steps: readonly PipelineStep[]): Promise<StepState> {
  let state = start;
  for (const [index, step] of steps.entries()) {
    checkDeadline(state.deadline);
    // The mapped type guarantees the handler matches step.op; TypeScript cannot correlate the two.
    const handler = HANDLERS[step.op] as AnyStepHandler<PipelineStep>;
    const field = step.field ?? `steps[${index}]`;
    try {
      state = isRaw(handler) ? await applyRaw(state, handler, step, field) : await applySharp(state, handler, step, field);
    } catch (error) {
      if (isAppError(error)) throw error;
      throw fromSharpOptionError(error, field) ?? error;
    }
  }
  return state;
}

/**
 * Renders now if flattening (which sharp runs near the start of a pipeline) would otherwise come before
 * a colour operation already in it: jpeg output of an image with alpha must be flattened after the steps.
 */
export async function settleBeforeFlatten(state: StepState): Promise<StepState> {
  return state.hasAlpha && !flattenFits(state.used) ? restart(state) : state;
}

function isRaw(handler: AnyStepHandler<PipelineStep>): handler is RawStepHandler<PipelineStep> {
  return 'raw' in handler;
}

async function applySharp(state: StepState, handler: StepHandler<PipelineStep>, step: PipelineStep, field: string): Promise<StepState> {
  let current = state;
  if (!handler.fits(current, step) || (handler.needsSize && current.size === undefined)) current = await restart(current);
  // The pipeline now has an operation: its source pixels are no longer what it renders.
  return { ...handler.apply(current, step, field), pixels: undefined };
}

async function applyRaw(state: StepState, handler: RawStepHandler<PipelineStep>, step: PipelineStep, field: string): Promise<StepState> {
  const pixels = state.pixels ?? (await renderPixels(state.image));
  checkDeadline(state.deadline);
  return fromPixels(state, await handler.apply(pixels, step, field, state.deadline));
}

/**
 * Renders the pipeline so far and starts a new one on its pixels. Metadata does not survive raw pixels,
 * so EXIF and ICC are not kept for lists that need this (see applySteps).
 */
async function restart(state: StepState): Promise<StepState> {
  return fromPixels(state, state.pixels ?? (await renderPixels(state.image)));
}

function fromPixels(state: StepState, pixels: RawPixels): StepState {
  return {
    ...state,
    image: sharpFromPixels(pixels, state.deadline),
    size: { width: pixels.width, height: pixels.height },
    used: new Set(),
    hasAlpha: pixels.channels === 4,
    pixels,
  };
}

function checkDeadline(deadline: number): void {
  if (Date.now() >= deadline) throw deadlineExceeded('image processing was stopped at the deadline (between steps)');
}
