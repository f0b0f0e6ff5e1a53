import { isAppError } from '../errors/index.js';
import type { ProbeResult } from '../imaging/image-processor.js';
import type { RegisteredModel } from './model-registry.js';
import { invalidOutput } from './providers/provider-output.js';

/**
 * Checks of what a provider returned, before anything is stored: the bytes must decode fully as an
 * image of a plausible size, else the call fails with INVALID_PROVIDER_OUTPUT (UNAVAILABLE).
 */

/** A provider's image smaller than this on a side is not a plausible result. */
const MIN_OUTPUT_SIDE = 16;

type Producer = Pick<RegisteredModel, 'name' | 'provider'>;

function unusable(model: Producer, detail: string, cause?: unknown): Error {
  return invalidOutput({ model: model.name, provider: model.provider }, `${detail}; nothing was stored`, cause);
}

export function checkOutputBytes(model: Producer, data: Uint8Array): void {
  if (data.byteLength === 0) throw unusable(model, 'no image bytes');
}

/**
 * What a failed probe of the provider's bytes means: bytes that are no usable image are the
 * provider's fault; the service's own refusals (overloaded, cancelled, past the deadline) pass as
 * they are.
 */
export function probeFailure(model: Producer, error: unknown): unknown {
  if (isAppError(error) && (error.kind === 'invalid_image' || error.kind === 'resource_exhausted') && error.reason !== 'OVERLOADED') {
    return unusable(model, `bytes that are not a usable image (${error.message})`, error);
  }
  return error;
}

export function checkOutputSize(model: Producer, probe: Pick<ProbeResult, 'width' | 'height'>, maxSide: number): void {
  const { width, height } = probe;
  if (width < MIN_OUTPUT_SIDE || height < MIN_OUTPUT_SIDE || width > maxSide || height > maxSide) {
    throw unusable(model, `an image of implausible size ${width}x${height} (expected ${MIN_OUTPUT_SIDE} to ${maxSide} pixels per side)`);
  }
}
