import type { Style } from './styles.js';

/** The providers a model can be served by. */
export type ProviderName = 'procedural' | 'jigsawstack' | 'openai' | 'automatic1111';

/** What every generation gets, already validated against the model's limits. */
export interface TextToImageInput {
  /** The caller's prompt (the style is passed separately; each provider applies it its own way). */
  prompt: string;
  negativePrompt: string;
  width: number;
  height: number;
  style: Style | '';
  /** 0 to 2^32 - 1; always set (the service picks one when the caller did not) so results can be repeated. */
  seed: number;
  /** undefined: the model's default. */
  steps?: number;
  guidanceScale?: number;
}

/** Image-to-image: a variation or a refinement of a stored image. */
export interface ImageToImageInput extends TextToImageInput {
  mode: 'variation' | 'refinement';
  /** The source image; png, jpeg or webp (the service converts anything else to png first). */
  source: { data: Uint8Array; contentType: string; width: number; height: number };
  /** 0 to 1: how far the result may move from the source. */
  strength: number;
  /** Keep the source's structure: lowers how far structure may move (each provider documents how). */
  preserveStructure: boolean;
  /** The prompt the source was generated from ("" for uploads). */
  sourcePrompt: string;
  /** Refinements: the refinement prompt alone (`prompt` is then the source's prompt and it combined). */
  refinementPrompt: string;
  /** Variations: 0-based index, and the seed of the source (the variation's own is `seed`). */
  variationIndex: number;
  sourceSeed: number;
}

/** What a provider produced. The bytes are checked (decoded, sized) by the service before storing. */
export interface GeneratorOutput {
  data: Uint8Array;
  /** The seed the provider reports it used, or the one sent; 0 when the provider takes none. */
  seed: number;
  /** Steps and guidance actually applied; 0 when the provider has no such parameter. */
  steps: number;
  guidanceScale: number;
  /** The provider's own response details (JSON), secrets removed; stored as provider_info. */
  providerInfo: Record<string, unknown>;
}

/** The RPC's cancellation and deadline, which every provider call honours. */
export interface GenerationCall {
  signal?: AbortSignal;
  /** Epoch ms. */
  deadline?: number;
}

/** Ranges a model accepts; the service checks requests against them before calling the provider. */
export interface GeneratorLimits {
  minSide: number;
  maxSide: number;
  /** Sizes are rounded down to a multiple of this (Stable Diffusion works in 8-pixel latents). */
  sideMultiple: number;
  /** Undefined when the provider has no such parameter (a value given is then recorded as not applied). */
  steps?: { min: number; max: number; default: number };
  guidanceScale?: { min: number; max: number; default: number };
  maxPromptLength: number;
}

/**
 * One text-to-image (and optionally image-to-image) backend. Implementations translate the input to
 * their API, call it with the shared timeout/retry policy, and return the bytes unjudged.
 */
export interface ImageGenerator {
  readonly provider: ProviderName;
  readonly isAi: boolean;
  readonly limits: GeneratorLimits;
  textToImage(input: TextToImageInput, call: GenerationCall): Promise<GeneratorOutput>;
  /** Absent when the provider has no image-to-image (variations and refinements need a route elsewhere). */
  imageToImage?(input: ImageToImageInput, call: GenerationCall): Promise<GeneratorOutput>;
}
