import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ImageRecord } from '../domain/image-record.js';
import { cancelled, invalidArgument } from '../errors/index.js';
import { checkOutputBytes, checkOutputSize, probeFailure } from '../generation/check-provider-output.js';
import type { GenerationCall, GeneratorOutput, ImageToImageInput, TextToImageInput } from '../generation/image-generator.js';
import { imageToImageBase, providerTakesSource, type ImageToImageBase } from '../generation/image-to-image-input.js';
import type { ModelRegistry, ModelSummary, RegisteredModel } from '../generation/model-registry.js';
import { checkImageToImageStrength, checkPrompt, checkSeed, checkSide, MAX_PROMPT, MAX_SEED, optionalInRange, slug } from '../generation/request-checks.js';
import { sourceGeneration, type SourceGeneration } from '../generation/source-generation.js';
import { parseStyle } from '../generation/styles.js';
import { checkOutputPixels } from '../imaging/plan-pixels.js';
import type { ImageProcessor } from '../imaging/image-processor.js';
import { mapInCompletionOrder } from '../util/map-in-completion-order.js';
import { checkId, checkIntInRange, checkMaxLength } from '../validation/check.js';
import type { AssetService } from './asset-service.js';
import type { CallOptions } from './call-options.js';
import { generatedImage, type Generated, type GenerationRecord } from './generated-image.js';
import type { GenerateRequest, RefineRequest, StoredVariation, VariationsRequest } from './generation-requests.js';

export interface GenerationServiceDeps {
  assets: AssetService;
  images: ImageProcessor;
  registry: ModelRegistry;
  maxOutputDimension: number;
  /** Largest image generated, width x height; checked before any provider is called. Default: no bound beyond the sides. */
  maxOutputPixels?: number;
  /** Variations in flight at once per request. */
  variationConcurrency: number;
  /** Seeds when the caller gives none (tests fix it). */
  randomSeed?: () => number;
}

const MAX_VARIATIONS = 8;

/**
 * Generation workflows: text-to-image, streamed variations and refinements through the configured
 * models. Every request is validated against the model's limits before a provider is called, every
 * provider's output is decoded and sized before anything is stored, and what is stored records the
 * prompt, model and parameters (GenerationParams as JSON) so GetImage returns them.
 */
export class GenerationService {
  private readonly randomSeed: () => number;

  constructor(private readonly deps: GenerationServiceDeps) {
    this.randomSeed = deps.randomSeed ?? (() => randomInt(0, MAX_SEED));
  }

  listModels(): ModelSummary[] {
    return this.deps.registry.summaries();
  }

  async generate(req: GenerateRequest, call: CallOptions = {}): Promise<ImageRecord> {
    const model = this.deps.registry.resolve('model', req.model);
    const limits = model.generator.limits;
    const prompt = checkPrompt('prompt', req.prompt, model);
    checkMaxLength('negative_prompt', req.negativePrompt, MAX_PROMPT);
    const input: TextToImageInput = {
      prompt,
      negativePrompt: req.negativePrompt,
      width: checkSide('width', req.width, model),
      height: checkSide('height', req.height, model),
      style: parseStyle('style', req.style),
      seed: checkSeed('seed', req.seed) ?? this.randomSeed(),
      steps: optionalInRange('steps', req.steps, limits.steps, model, true),
      guidanceScale: optionalInRange('guidance_scale', req.guidanceScale, limits.guidanceScale, model, false),
    };
    checkOutputPixels('width and height', input.width, input.height, this.deps.maxOutputPixels ?? Infinity);
    const generated = await timed(() => model.generator.textToImage(input, generationCall(call)));
    return this.store(model, generated, call, {
      prompt,
      negativePrompt: req.negativePrompt,
      metadata: req.metadata,
      filename: slug(prompt),
      params: { width: input.width, height: input.height, style: input.style },
    });
  }

  /**
   * Variations of a stored image, yielded one by one as soon as each is stored (completion order), at
   * most variationConcurrency provider calls at once. A failure, or the client going away, aborts the
   * calls in flight and starts no more.
   */
  async *variations(req: VariationsRequest, call: CallOptions = {}): AsyncGenerator<StoredVariation> {
    checkId('image_id', req.imageId);
    const total = checkIntInRange('num_variations', req.numVariations, 1, MAX_VARIATIONS);
    const strength = checkImageToImageStrength('variation_strength', req.variationStrength);
    checkMaxLength('prompt', req.prompt, MAX_PROMPT);
    const baseSeed = checkSeed('seed', req.seed);
    const { record, data } = await this.deps.assets.read(req.imageId, call);
    const source = sourceGeneration(record, this.deps.registry);
    const model = this.deps.registry.forImageToImage(this.modelFor(req.model, source));
    const prompt = req.prompt || source.prompt;
    const seed = baseSeed ?? source.seed ?? this.randomSeed();
    const base = await this.imageToImageBase(model, record, data, source, prompt, call);

    const vary = async (index: number, _: number, signal: AbortSignal | undefined) => {
      const input: ImageToImageInput = { ...base, mode: 'variation', strength, seed: (seed + index + 1) % (MAX_SEED + 1), variationIndex: index, sourceSeed: seed };
      const generated = await timed(() => model.generator.imageToImage!(input, { signal, deadline: call.deadline }));
      return this.store(model, generated, { ...call, signal }, {
        prompt,
        negativePrompt: base.negativePrompt,
        metadata: record.metadata,
        filename: `${slug(prompt || record.filename)}-variation-${index + 1}`,
        params: { width: input.width, height: input.height, style: input.style, sourceImageId: record.id, strength, variationIndex: index },
      });
    };
    const indexes = Array.from({ length: total }, (_, index) => index);
    const stored = mapInCompletionOrder(indexes, vary, {
      concurrency: this.deps.variationConcurrency,
      signal: call.signal,
      stopReason: () => cancelled('variation request ended'),
    });
    for await (const { index, value } of stored) yield { record: value, index, total };
  }

  async refine(req: RefineRequest, call: CallOptions = {}): Promise<ImageRecord> {
    checkId('image_id', req.imageId);
    if (req.refinementPrompt.trim() === '') throw invalidArgument('refinement_prompt', `1 to ${MAX_PROMPT} characters`, req.refinementPrompt);
    checkMaxLength('refinement_prompt', req.refinementPrompt, MAX_PROMPT);
    checkMaxLength('negative_prompt', req.negativePrompt, MAX_PROMPT);
    const strength = checkImageToImageStrength('refinement_strength', req.refinementStrength);
    const requestedSeed = checkSeed('seed', req.seed);
    const { record, data } = await this.deps.assets.read(req.imageId, call);
    const source = sourceGeneration(record, this.deps.registry);
    const model = this.deps.registry.forImageToImage(this.modelFor(req.model, source));
    const prompt = source.prompt ? `${source.prompt}, ${req.refinementPrompt}` : req.refinementPrompt;
    const base = await this.imageToImageBase(model, record, data, { ...source, negativePrompt: req.negativePrompt || source.negativePrompt }, prompt, call);
    const { preserveStructure, refinementPrompt } = req;
    const input: ImageToImageInput = { ...base, mode: 'refinement', strength, preserveStructure, refinementPrompt, seed: requestedSeed ?? source.seed ?? this.randomSeed() };
    const generated = await timed(() => model.generator.imageToImage!(input, generationCall(call)));
    return this.store(model, generated, call, {
      prompt,
      negativePrompt: input.negativePrompt,
      metadata: record.metadata,
      filename: `${slug(source.prompt || record.filename)}-refined`,
      params: { width: input.width, height: input.height, style: input.style, sourceImageId: record.id, strength, preserveStructure, refinementPrompt },
    });
  }

  /** The request's model; else the source's when it is still configured; else the default. */
  private modelFor(requested: string, source: SourceGeneration): RegisteredModel {
    if (requested) return this.deps.registry.resolve('model', requested);
    return source.model ?? this.deps.registry.resolve('model', '');
  }

  /** The source as a provider takes it (a format it does not take is converted to png in the pool), fitted to the model. */
  private async imageToImageBase(model: RegisteredModel, record: ImageRecord, data: Buffer, source: SourceGeneration, prompt: string, call: CallOptions): Promise<ImageToImageBase> {
    let image = { data: data as Uint8Array, contentType: record.contentType, width: record.width, height: record.height };
    if (!providerTakesSource(record.contentType)) {
      const png = await this.deps.images.run(data, { steps: [], output: { format: 'png' } }, { ...call, field: 'image_id' });
      image = { data: png.data, contentType: png.contentType, width: png.width, height: png.height };
    }
    const base = imageToImageBase(model, image, source, prompt);
    checkOutputPixels('image_id', base.width, base.height, this.deps.maxOutputPixels ?? Infinity);
    return base;
  }

  /** Stores the provider's image once it is checked (check-provider-output.ts): nothing broken is stored. */
  private async store(model: RegisteredModel, generated: Generated, call: CallOptions, what: GenerationRecord): Promise<ImageRecord> {
    const { data } = generated.output;
    checkOutputBytes(model, data);
    let probe;
    try {
      probe = await this.deps.images.probe(data, 'generated image', call);
    } catch (e) {
      throw probeFailure(model, e);
    }
    checkOutputSize(model, probe, this.deps.maxOutputDimension);
    return this.deps.assets.store(generatedImage(model, generated, probe, what), 'generated image', call);
  }
}

function generationCall(call: CallOptions): GenerationCall {
  return { signal: call.signal, deadline: call.deadline };
}

/** The provider call and its wall time. */
async function timed(generate: () => Promise<GeneratorOutput>): Promise<Generated> {
  const started = performance.now();
  const output = await generate();
  return { output, latencyMs: performance.now() - started };
}
