import { failedPrecondition, invalidArgument } from '../errors/index.js';
import type { ImageProcessor } from '../imaging/image-processor.js';
import type { GenerationConfig, ModelConfig } from './generation-config.js';
import { DEFAULT_HTTP_DEPS, type HttpDeps } from './http/call-provider.js';
import type { ImageGenerator, ProviderName } from './image-generator.js';
import { Automatic1111Generator } from './providers/automatic1111.js';
import { JigsawStackGenerator } from './providers/jigsawstack.js';
import { OpenAiGenerator } from './providers/openai.js';
import { PROCEDURAL_LABEL, ProceduralGenerator } from './providers/procedural.js';

/** A configured model, ready to call. Holds its secret only inside the generator; never listed. */
export interface RegisteredModel {
  name: string;
  /** What images it makes record as their model ("procedural-v1 (not AI)" for the built-in one). */
  label: string;
  provider: ProviderName;
  description: string;
  isDefault: boolean;
  generator: ImageGenerator;
  /** Configured route for image-to-image, when the model has none of its own. */
  imageToImageModel?: string;
}

/** A model as ListModels shows it. */
export interface ModelSummary {
  name: string;
  provider: string;
  textToImage: boolean;
  imageToImage: boolean;
  isAi: boolean;
  description: string;
  isDefault: boolean;
}

export interface RegistryDeps {
  images: ImageProcessor;
  maxOutputDimension: number;
  /** Largest provider response read (base64 JSON included). */
  maxResponseBytes: number;
  http?: HttpDeps;
}

const DESCRIPTIONS: Record<ProviderName, string> = {
  procedural:
    'Built-in procedural renderer, not AI: offline and deterministic. Colours come from colour and mood words in the prompt, the style picks the drawing technique, the seed the composition; negative_prompt removes colours it names.',
  jigsawstack: 'JigsawStack image generation API (text-to-image only).',
  openai: 'OpenAI-compatible images API (generations; edits for variations and refinements).',
  automatic1111: 'Stable Diffusion web UI API (AUTOMATIC1111 / Forge: txt2img, img2img).',
};

function generatorFor(model: ModelConfig, deps: RegistryDeps): ImageGenerator {
  const http = deps.http ?? DEFAULT_HTTP_DEPS;
  switch (model.provider) {
    case 'procedural':
      return new ProceduralGenerator(deps.images, deps.maxOutputDimension);
    case 'jigsawstack':
      return new JigsawStackGenerator(model, deps.maxResponseBytes, http);
    case 'openai':
      return new OpenAiGenerator(model, deps.maxResponseBytes, http);
    case 'automatic1111':
      return new Automatic1111Generator(model, deps.maxResponseBytes, http);
  }
}

/** The configured models by name: which one serves a request, and which serves image-to-image. */
export class ModelRegistry {
  private readonly models: RegisteredModel[];

  constructor(config: GenerationConfig, deps: RegistryDeps) {
    this.models = config.models.map((m) => ({
      name: m.name,
      label: m.provider === 'procedural' && m.name === 'procedural-v1' ? PROCEDURAL_LABEL : m.name,
      provider: m.provider,
      description: m.description ?? DESCRIPTIONS[m.provider],
      isDefault: m.name === config.defaultModel,
      generator: generatorFor(m, deps),
      imageToImageModel: m.imageToImageModel,
    }));
  }

  /** The models as ListModels shows them: a configured image-to-image route counts, and the description names it. */
  summaries(): ModelSummary[] {
    return this.models.map((m) => {
      const routed = m.generator.imageToImage === undefined && m.imageToImageModel !== undefined && this.find(m.imageToImageModel)?.generator.imageToImage !== undefined;
      return {
        name: m.name,
        provider: m.provider,
        textToImage: true,
        imageToImage: m.generator.imageToImage !== undefined || routed,
        isAi: m.generator.isAi,
        description: m.description + (routed ? ` Variations and refinements go to ${m.imageToImageModel}.` : ''),
        isDefault: m.isDefault,
      };
    });
  }

  /** A model by its name or label, if configured. */
  find(name: string): RegisteredModel | undefined {
    return this.models.find((m) => m.name === name || m.label === name);
  }

  /** The model a request names; empty means the default. */
  resolve(field: string, name: string): RegisteredModel {
    if (name === '') return this.models.find((m) => m.isDefault)!;
    const found = this.find(name);
    if (!found) throw invalidArgument(field, `a configured model (${this.models.map((m) => m.name).join(', ')}; see ListModels)`, name);
    return found;
  }

  /** Who serves variations and refinements for `model`: itself, its configured route, or nobody. */
  forImageToImage(model: RegisteredModel): RegisteredModel {
    if (model.generator.imageToImage) return model;
    const routed = model.imageToImageModel ? this.find(model.imageToImageModel) : undefined;
    if (routed?.generator.imageToImage) return routed;
    throw failedPrecondition(
      `model ${JSON.stringify(model.name)} (${model.provider}) has no image-to-image, so it cannot make variations or refinements; ` +
        `name another model in the request, or configure image_to_image_model for it`,
      'IMAGE_TO_IMAGE_UNSUPPORTED',
      { model: model.name, provider: model.provider },
    );
  }
}
