import { tooLarge, type AppError } from '../errors/index.js';
import type { PipelineStep } from './image-processor.js';

export interface Size {
  width: number;
  height: number;
}

export interface PixelPlan {
  /** The largest of the input, every planned intermediate and every planned output, in pixels. */
  peakPixels: number;
  /** The pipeline's result, when it can be told without running it. */
  output: Size | undefined;
}

type ResizeStep = Extract<PipelineStep, { op: 'resize' }>;

/**
 * The sizes a pipeline will make, from its input's size (as the steps see it, after any orientation)
 * and without running it, each refused when over `maxOutputPixels`: a tiny input resized to a huge box
 * costs the box, not the input. An unknown input size (a format whose header is not read on the main
 * thread) still plans what does not depend on it: a crop, and a fill, cover or contain of a whole box.
 * Throws resource_exhausted (PIXEL_LIMIT_EXCEEDED) naming the step's field, the planned size and the limit.
 */
export function planPixels(steps: readonly PipelineStep[], input: Size | undefined, maxOutputPixels: number): PixelPlan {
  let size = input;
  let peak = input ? input.width * input.height : 0;
  const planned = (what: string, next: Size, field: string): void => {
    checkOutputPixels(field, next.width, next.height, maxOutputPixels, what);
    peak = Math.max(peak, next.width * next.height);
  };
  for (const [index, step] of steps.entries()) {
    const field = step.field ?? `steps[${index}]`;
    if (step.op === 'crop') {
      size = { width: step.width, height: step.height };
      planned('output', size, field);
    } else if (step.op === 'resize') {
      const { scaled, output } = resized(step, size);
      if (scaled) planned('intermediate', scaled, field);
      if (output) planned('output', output, field);
      size = output;
    }
    // Every other step keeps the size it is given.
  }
  return { peakPixels: peak, output: size };
}

/** The one rule for an output size: at most maxOutputPixels, else resource_exhausted naming both. */
export function checkOutputPixels(field: string, width: number, height: number, maxOutputPixels: number, what = 'output'): void {
  if (width * height > maxOutputPixels) throw outputPixelsError(field, width, height, maxOutputPixels, what);
}

function outputPixelsError(field: string, width: number, height: number, maxOutputPixels: number, what: string): AppError {
  return tooLarge(field, `${maxOutputPixels} output pixels`, `a planned ${what} of ${width}x${height} = ${width * height} pixels`, 'PIXEL_LIMIT_EXCEEDED');
}

/**
 * sharp's own arithmetic (ResolveShrink in its common.cc, then the embed or crop of pipeline.cc): a
 * shrink factor per axis from the box and the fit, clamped at 1 by withoutEnlargement, then contain
 * pads the scaled image up to the box and cover crops it down to the box. `scaled` is what cover
 * resamples before its crop.
 */
function resized(step: ResizeStep, input: Size | undefined): { scaled?: Size; output?: Size } {
  const { width: w, height: h, fit } = step;
  if (input === undefined) {
    const whole = w !== undefined && h !== undefined && !step.withoutEnlargement && (fit === 'fill' || fit === 'cover' || fit === 'contain');
    return whole ? { output: { width: w, height: h } } : {};
  }
  const { width: W, height: H } = input;
  let hShrink = 1;
  let vShrink = 1;
  if (w !== undefined && h !== undefined) {
    hShrink = W / w;
    vShrink = H / h;
    if (fit === 'cover' || fit === 'outside') hShrink = vShrink = Math.min(hShrink, vShrink);
    else if (fit === 'contain' || fit === 'inside') hShrink = vShrink = Math.max(hShrink, vShrink);
  } else if (w !== undefined) {
    hShrink = W / w;
    if (fit !== 'fill') vShrink = hShrink;
  } else if (h !== undefined) {
    vShrink = H / h;
    if (fit !== 'fill') hShrink = vShrink;
  }
  if (step.withoutEnlargement) {
    hShrink = Math.max(1, hShrink);
    vShrink = Math.max(1, vShrink);
  }
  const scaled = { width: Math.max(1, Math.round(W / Math.min(hShrink, W))), height: Math.max(1, Math.round(H / Math.min(vShrink, H))) };
  if (fit === 'contain') return { output: { width: Math.max(scaled.width, w ?? 0), height: Math.max(scaled.height, h ?? 0) } };
  // Only cover resamples to more than it keeps.
  if (fit === 'cover') return { scaled, output: { width: Math.min(scaled.width, w ?? scaled.width), height: Math.min(scaled.height, h ?? scaled.height) } };
  return { output: scaled };
}

/**
 * planPixels from a header's stored size when the EXIF orientation is not known (the main thread reads
 * sizes, not orientations): an oriented image may be turned, so the plan is refused only when it is
 * refused either way round, and weighs the larger peak. The worker plans again with the real header.
 */
export function planEitherWay(steps: readonly PipelineStep[], stored: Size | undefined, orient: boolean, maxOutputPixels: number): PixelPlan {
  const asStored = attempt(() => planPixels(steps, stored, maxOutputPixels));
  if (!orient || stored === undefined || stored.width === stored.height) return unwrap(asStored);
  const turned = attempt(() => planPixels(steps, { width: stored.height, height: stored.width }, maxOutputPixels));
  if ('error' in asStored && 'error' in turned) throw asStored.error;
  const plans = [asStored, turned].flatMap((p) => ('plan' in p ? [p.plan] : []));
  return plans.reduce((a, b) => (b.peakPixels > a.peakPixels ? b : a));
}

function attempt(plan: () => PixelPlan): { plan: PixelPlan } | { error: unknown } {
  try {
    return { plan: plan() };
  } catch (error) {
    return { error };
  }
}

function unwrap(result: { plan: PixelPlan } | { error: unknown }): PixelPlan {
  if ('error' in result) throw result.error;
  return result.plan;
}
