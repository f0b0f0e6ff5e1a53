import sharp from 'sharp';
import { encodeOutput, type EncodeContext } from './encode-output.js';
import type { OutputOptions, PipelineSpec, PipelineStep } from './image-processor.js';
import { keptFormat } from './image-formats.js';
import { planPixels } from './plan-pixels.js';
import { readPipelineHeader } from './read-header.js';
import { fromSharpError, type ErrorContext } from './sharp-error.js';
import { applySteps, settleBeforeFlatten } from './steps/apply-steps.js';
import { parseLutSteps } from './steps/lut3d.js';
import { flattens } from './steps/encode.js';
import type { WireImage } from './task-protocol.js';
import { timeoutSeconds } from './timeout-seconds.js';

export interface RunContext extends ErrorContext, EncodeContext {
  maxOutputPixels: number;
}


/**
 * A "contain" resize pads with transparency, or with the flattening colour (white by default) when
 * the output has no alpha: sharp would otherwise pad with opaque black, and flatten before padding.
 */
function withPaddingColour(steps: readonly PipelineStep[], padding: string): PipelineStep[] {
  return steps.map((s) => (s.op === 'resize' && s.fit === 'contain' && s.background === undefined ? { ...s, background: padding } : s));
}

/** Worker side of ImageProcessor.run: header and limits, the steps, then the encoding. */
export async function runPipeline(input: Buffer, given: PipelineSpec, ctx: RunContext): Promise<WireImage> {
  const spec = { ...given, steps: parseLutSteps(given.steps) };
  const header = await readPipelineHeader(input, ctx);
  const orient = spec.autoOrient !== false || spec.steps.some((s) => s.op === 'autoOrient');
  const output: OutputOptions = spec.output ?? { format: keptFormat(ctx.format) };
  const size = orient ? { width: header.orientedWidth, height: header.orientedHeight } : { width: header.width, height: header.height };
  // The main thread planned from a declared size, when it could read one; this is the real one.
  planPixels(spec.steps, size, ctx.maxOutputPixels);
  try {
    const image = sharp(input, { limitInputPixels: ctx.maxInputPixels, failOn: 'truncated', autoOrient: orient }).timeout({
      seconds: timeoutSeconds(ctx.deadline),
    });
    // The encoder may flatten (steps/encode.ts), and sharp flattens before the colour operations.
    const flattening = output.format === 'svg' ? output.background !== undefined : flattens(output);
    const stepped = await applySteps(
      { image, size, used: new Set(), hasAlpha: header.hasAlpha, maxOutputDimension: ctx.maxOutputDimension, deadline: ctx.deadline },
      withPaddingColour(spec.steps, flattening ? (output.background ?? '#ffffff') : '#00000000'),
    );
    const state = flattening ? await settleBeforeFlatten(stepped) : stepped;
    return await encodeOutput(state.image, state.size, output, ctx);
  } catch (error) {
    throw fromSharpError(error, ctx);
  }
}
