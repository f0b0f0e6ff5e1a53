import type { GeneratorOutput } from '../generation/image-generator.js';
import type { RegisteredModel } from '../generation/model-registry.js';
import type { ProbeResult } from '../imaging/image-processor.js';
import type { NewImage } from './asset-service.js';

/** What a generated image records about how it was made (image.v1.GenerationParams). */
interface GenerationParams {
  provider: string;
  seed: number;
  isAi: boolean;
  providerInfo: Record<string, unknown>;
  width: number;
  height: number;
  style: string;
  latencyMs: number;
  /** Image-to-image: the source and the strength used. */
  sourceImageId?: string;
  strength?: number;
  preserveStructure?: boolean;
  refinementPrompt?: string;
  variationIndex?: number;
}

/** A provider's output and the wall time of its call. */
export interface Generated {
  output: GeneratorOutput;
  latencyMs: number;
}

/** What a result records besides the provider's output: its prompts, lineage and the request's parameters. */
export interface GenerationRecord {
  prompt: string;
  negativePrompt: string;
  metadata: Record<string, unknown> | null;
  /** Without the extension (the stored format's is added). */
  filename: string;
  params: Omit<GenerationParams, 'provider' | 'seed' | 'isAi' | 'providerInfo' | 'latencyMs'>;
}

/**
 * A checked provider image as the asset to store. Its parameters are stored as the JSON of
 * image.v1.GenerationParams (lowerCamelCase names, int64 as a string), which the API reads back with
 * protobuf's fromJson; the provider's details are copied through JSON so only plain data is stored.
 */
export function generatedImage(
  model: RegisteredModel,
  { output, latencyMs }: Generated,
  probe: Pick<ProbeResult, 'format' | 'contentType' | 'width' | 'height'>,
  what: GenerationRecord,
): NewImage {
  const params: GenerationParams = { provider: model.provider, seed: output.seed, isAi: model.generator.isAi, providerInfo: output.providerInfo, latencyMs, ...what.params };
  const extension = probe.format === 'jpeg' ? 'jpg' : probe.format;
  return {
    kind: 'generated',
    data: output.data,
    filename: `${what.filename}.${extension}`,
    declaredContentType: probe.contentType,
    metadata: what.metadata,
    generation: {
      prompt: what.prompt,
      model: model.label,
      negativePrompt: what.negativePrompt,
      guidanceScale: output.guidanceScale,
      generationSteps: output.steps,
      params: JSON.parse(JSON.stringify({ ...params, seed: String(params.seed) })) as Record<string, unknown>,
    },
    encoded: { contentType: probe.contentType, width: probe.width, height: probe.height },
    // Variations and refinements list under their source in ListImages.
    sourceImageId: params.sourceImageId || undefined,
  };
}
