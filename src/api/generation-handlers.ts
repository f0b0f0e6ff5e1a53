import type { ServiceImpl } from '@connectrpc/connect';
import type { ImageService } from '../../gen/image/v1/image_service_pb.js';
import type { GenerationService } from '../services/generation-service.js';
import { toImageAsset } from './asset-mapper.js';
import { callOptionsFrom } from './call-options-from.js';

export type GenerationHandlers = Pick<ServiceImpl<typeof ImageService>, 'generateImage' | 'generateVariations' | 'refineImage' | 'listModels'>;

/** The generation RPCs of image.v1.ImageService: messages to GenerationService calls and back. */
export function generationHandlers(generation: GenerationService): GenerationHandlers {
  return {
    async generateImage(req, ctx) {
      const record = await generation.generate(
        {
          prompt: req.prompt,
          width: req.width,
          height: req.height,
          style: req.style,
          model: req.model,
          negativePrompt: req.negativePrompt,
          seed: req.seed,
          steps: req.steps,
          guidanceScale: req.guidanceScale,
          metadata: req.metadata ?? null,
        },
        callOptionsFrom(ctx),
      );
      return { image: toImageAsset(record) };
    },

    async *generateVariations(req, ctx) {
      const variations = generation.variations(
        { imageId: req.imageId, numVariations: req.numVariations, variationStrength: req.variationStrength, prompt: req.prompt, seed: req.seed, model: req.model },
        callOptionsFrom(ctx),
      );
      for await (const v of variations) yield { image: toImageAsset(v.record), index: v.index, total: v.total };
    },

    async refineImage(req, ctx) {
      const record = await generation.refine(
        {
          imageId: req.imageId,
          refinementPrompt: req.refinementPrompt,
          refinementStrength: req.refinementStrength,
          preserveStructure: req.preserveStructure,
          seed: req.seed,
          model: req.model,
          negativePrompt: req.negativePrompt,
        },
        callOptionsFrom(ctx),
      );
      return { image: toImageAsset(record) };
    },

    async listModels() {
      return { models: generation.listModels() };
    },
  };
}
