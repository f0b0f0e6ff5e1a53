import { invalidArgument } from '../errors/index.js';
import { checkIntInRange, checkNumberInRange } from '../validation/check.js';
import type { GeneratorLimits } from './image-generator.js';
import type { RegisteredModel } from './model-registry.js';

/** Boundary checks of generation requests against the proto's ranges and the model's own limits. */

export const MAX_PROMPT = 5000;
export const MAX_SEED = 2 ** 32 - 1;
const DEFAULT_SIDE = 1024;

/** A requested side: 0 is the default (1024, within the model's range); else 64-4096 and the model's range, on its grid. */
export function checkSide(field: string, value: number, model: RegisteredModel): number {
  const { minSide, maxSide, sideMultiple } = model.generator.limits;
  if (value === 0) return Math.max(minSide, Math.min(DEFAULT_SIDE, maxSide));
  checkIntInRange(field, value, 64, 4096);
  if (value < minSide || value > maxSide) throw invalidArgument(field, `an integer from ${minSide} to ${maxSide} for model ${JSON.stringify(model.name)}`, value);
  return Math.max(minSide, value - (value % sideMultiple));
}

/** A requested seed as a number: 0 to 2^32 - 1, the range every provider takes; undefined when none. */
export function checkSeed(field: string, value: bigint | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value < 0n || value > BigInt(MAX_SEED)) throw invalidArgument(field, `an integer from 0 to ${MAX_SEED}`, value);
  return Number(value);
}

export function checkPrompt(field: string, value: string, model: RegisteredModel): string {
  const max = Math.min(MAX_PROMPT, model.generator.limits.maxPromptLength);
  if (value.trim() === '' || value.length > max) {
    throw invalidArgument(field, `1 to ${max} characters`, value.length > 80 ? `${value.length} characters` : value);
  }
  return value;
}

/**
 * How far an image-to-image result may move from its source: 0 (unset in proto3) means the documented
 * default 0.5; otherwise above 0 and at most 1, kept to 6 decimals.
 */
export function checkImageToImageStrength(field: string, value: number): number {
  if (value === 0) return 0.5;
  checkNumberInRange(field, value, 0, 1);
  return Math.round(value * 1e6) / 1e6;
}

export function optionalInRange(field: string, value: number | undefined, range: GeneratorLimits['steps'], model: RegisteredModel, integer: boolean): number | undefined {
  if (value === undefined || range === undefined) return value;
  const ok = Number.isFinite(value) && value >= range.min && value <= range.max && (!integer || Number.isInteger(value));
  if (!ok) throw invalidArgument(field, `${integer ? 'an integer' : 'a number'} from ${range.min} to ${range.max} for model ${JSON.stringify(model.name)}`, value);
  return value;
}

export function inRangeOrUndefined(value: number | undefined, range: GeneratorLimits['steps']): number | undefined {
  if (value === undefined || range === undefined) return undefined;
  return value >= range.min && value <= range.max ? value : undefined;
}

/** The source's size scaled to fit the model's limits, aspect kept, on the model's size grid. */
export function fitSize(width: number, height: number, limits: GeneratorLimits): { width: number; height: number } {
  const scale = Math.min(1, limits.maxSide / Math.max(width, height));
  const fit = (x: number) => {
    const clamped = Math.min(limits.maxSide, Math.max(limits.minSide, Math.round(x * scale)));
    return Math.max(limits.minSide, clamped - (clamped % limits.sideMultiple));
  };
  return { width: fit(width), height: fit(height) };
}

/** A file name from the first words of a prompt. */
export function slug(text: string): string {
  const words = text.toLowerCase().replace(/\.[a-z0-9]+$/, '').match(/[a-z0-9]+/g) ?? [];
  const joined = words.slice(0, 6).join('-').slice(0, 60).replace(/-+$/, '');
  return joined || 'generated';
}
