import type { ImageToImageInput } from './image-generator.js';
import type { RegisteredModel } from './model-registry.js';
import { fitSize, inRangeOrUndefined } from './request-checks.js';
import type { SourceGeneration } from './source-generation.js';

/** The source formats every provider's image-to-image takes; anything else is converted to png first. */
const PROVIDER_SOURCE_TYPES = ['image/png', 'image/jpeg', 'image/webp'];

export function providerTakesSource(contentType: string): boolean {
  return PROVIDER_SOURCE_TYPES.includes(contentType);
}

/** What every image-to-image call of one request shares: the source, the size and the settings. */
export type ImageToImageBase = Omit<ImageToImageInput, 'mode' | 'strength' | 'seed'>;

/**
 * The shared part of a request's image-to-image inputs: the size fitted to the model's limits (aspect
 * kept), the prompt cut to the model's length, and the source's steps and guidance where the model
 * takes them.
 */
export function imageToImageBase(model: RegisteredModel, source: ImageToImageInput['source'], generation: SourceGeneration, prompt: string): ImageToImageBase {
  const limits = model.generator.limits;
  const { width, height } = fitSize(source.width, source.height, limits);
  return {
    prompt: prompt.slice(0, limits.maxPromptLength),
    negativePrompt: generation.negativePrompt,
    width,
    height,
    style: generation.style,
    steps: inRangeOrUndefined(generation.steps, limits.steps),
    guidanceScale: inRangeOrUndefined(generation.guidanceScale, limits.guidanceScale),
    source,
    sourcePrompt: generation.prompt,
    preserveStructure: false,
    refinementPrompt: '',
    variationIndex: 0,
    sourceSeed: generation.seed ?? 0,
  };
}
