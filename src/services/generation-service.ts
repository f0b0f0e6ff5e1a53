import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { create, toJson, type JsonObject } from '@bufbuild/protobuf';
import { GenerationParamsSchema } from '../../gen/image/v1/asset_pb.js';
import type { ImageRecord } from '../domain/image-record.js';
import { cancelled, generationFailed, invalidArgument, isAppError } from '../errors/index.js';
import type { GenerationCall, GeneratorOutput, ImageToImageInput, TextToImageInput } from '../generation/image-generator.js';
import type { ModelRegistry, RegisteredModel } from '../generation/model-registry.js';
import {
  checkPrompt,
  checkSeed,
  checkSide,
  fitSize,
  inRangeOrUndefined,
  MAX_PROMPT,
  MAX_SEED,
  optionalInRange,
  slug,
  strengthOf,
} from '../generation/request-checks.js';
import { parseStyle, type Style } from '../generation/styles.js';
import { checkOutputPixels } from '../imaging/plan-pixels.js';
import type { ImageProcessor } from '../imaging/image-processor.js';
import { checkId, checkIntInRange, checkMaxLength } from '../validation/check.js';
import type { AssetService } from './asset-service.js';
import type { CallOptions } from './call-options.js';

export interface GenerateRequest {
  prompt: string;
  width: number;
  height: number;
  style: string;
  model: string;
  negativePrompt: string;
  seed?: bigint;
  steps?: number;
  guidanceScale?: number;
  metadata: Record<string, unknown> | null;
}

export interface VariationsRequest {
  imageId: string;
  numVariations: number;
  variationStrength: number;
  prompt: string;
  seed?: bigint;
  model: string;
}

export interface RefineRequest {
  imageId: string;
  refinementPrompt: string;
  refinementStrength: number;
  preserveStructure: boolean;
  seed?: bigint;
  model: string;
  negativePrompt: string;
}

export interface StoredVariation {
  record: ImageRecord;
  index: number;
  total: number;
}

export interface ModelSummary {
  name: string;
  provider: string;
  textToImage: boolean;
  imageToImage: boolean;
  isAi: boolean;
  description: string;
  isDefault: boolean;
}

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

export const MAX_VARIATIONS = 8;
/** A provider's image smaller than this on a side is not a plausible result. */
const MIN_OUTPUT_SIDE = 16;

/** The request-specific part of GenerationParams. */
interface ParamsInit {
  width: number;
  height: number;
  style: string;
  latencyMs: number;
  sourceImageId?: string;
  strength?: number;
  preserveStructure?: boolean;
  refinementPrompt?: string;
  variationIndex?: number;
}

/** A check of the source's recorded generation, tolerant of records from older versions. */
interface SourceGeneration {
  prompt: string;
  negativePrompt: string;
  model?: RegisteredModel;
  seed?: number;
  style: Style | '';
  steps?: number;
  guidanceScale?: number;
}

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
    return this.deps.registry.list().map((m) => ({
      name: m.name,
      provider: m.provider,
      textToImage: true,
      imageToImage: m.generator.imageToImage !== undefined || this.routesImageToImage(m),
      isAi: m.generator.isAi,
      description: m.description + (m.generator.imageToImage === undefined && this.routesImageToImage(m) ? ` Variations and refinements go to ${m.imageToImageModel}.` : ''),
      isDefault: m.isDefault,
    }));
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
    const started = performance.now();
    const output = await model.generator.textToImage(input, generationCall(call));
    const latencyMs = performance.now() - started;
    return this.store(model, output, call, {
      prompt,
      negativePrompt: req.negativePrompt,
      metadata: req.metadata,
      filename: `${slug(prompt)}`,
      params: { width: input.width, height: input.height, style: input.style, latencyMs },
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
    const strength = strengthOf('variation_strength', req.variationStrength);
    checkMaxLength('prompt', req.prompt, MAX_PROMPT);
    const baseSeed = checkSeed('seed', req.seed);
    const { record, data } = await this.deps.assets.read(req.imageId);
    const source = this.sourceGeneration(record);
    const model = this.deps.registry.forImageToImage(this.modelFor(req.model, source));
    const prompt = req.prompt || source.prompt;
    const seed = baseSeed ?? source.seed ?? this.randomSeed();
    const base = await this.imageToImageBase(model, record, data, source, prompt, call);

    const stop = new AbortController();
    const signal = call.signal ? AbortSignal.any([call.signal, stop.signal]) : stop.signal;
    const pending = new Map<number, Promise<{ index: number; stored?: StoredVariation; error?: unknown }>>();
    let next = 0;
    const start = (index: number) => {
      const input: ImageToImageInput = { ...base, mode: 'variation', strength, seed: (seed + index + 1) % (MAX_SEED + 1), variationIndex: index, sourceSeed: seed };
      const work = (async () => {
        const started = performance.now();
        const output = await model.generator.imageToImage!(input, { signal, deadline: call.deadline });
        const latencyMs = performance.now() - started;
        const stored = await this.store(model, output, { ...call, signal }, {
          prompt,
          negativePrompt: base.negativePrompt,
          metadata: record.metadata,
          filename: `${slug(prompt || record.filename)}-variation-${index + 1}`,
          params: { width: input.width, height: input.height, style: input.style, latencyMs, sourceImageId: record.id, strength, variationIndex: index },
        });
        return { record: stored, index, total };
      })();
      pending.set(
        index,
        work.then(
          (stored) => ({ index, stored }),
          (error: unknown) => ({ index, error }),
        ),
      );
    };
    try {
      while (next < total && pending.size < this.deps.variationConcurrency) start(next++);
      while (pending.size > 0) {
        const done = await Promise.race(pending.values());
        pending.delete(done.index);
        if (done.error !== undefined) throw done.error;
        if (next < total && !signal.aborted) start(next++);
        yield done.stored!;
      }
    } finally {
      if (pending.size > 0) {
        // The consumer stopped (an error, or the client went away): abort the provider calls in flight.
        stop.abort(cancelled('variation request ended'));
        await Promise.allSettled(pending.values());
      }
    }
  }

  async refine(req: RefineRequest, call: CallOptions = {}): Promise<ImageRecord> {
    checkId('image_id', req.imageId);
    if (req.refinementPrompt.trim() === '') throw invalidArgument('refinement_prompt', `1 to ${MAX_PROMPT} characters`, req.refinementPrompt);
    checkMaxLength('refinement_prompt', req.refinementPrompt, MAX_PROMPT);
    checkMaxLength('negative_prompt', req.negativePrompt, MAX_PROMPT);
    const strength = strengthOf('refinement_strength', req.refinementStrength);
    const requestedSeed = checkSeed('seed', req.seed);
    const { record, data } = await this.deps.assets.read(req.imageId);
    const source = this.sourceGeneration(record);
    const model = this.deps.registry.forImageToImage(this.modelFor(req.model, source));
    const prompt = source.prompt ? `${source.prompt}, ${req.refinementPrompt}` : req.refinementPrompt;
    const base = await this.imageToImageBase(model, record, data, { ...source, negativePrompt: req.negativePrompt || source.negativePrompt }, prompt, call);
    const input: ImageToImageInput = {
      ...base,
      mode: 'refinement',
      strength,
      preserveStructure: req.preserveStructure,
      refinementPrompt: req.refinementPrompt,
      seed: requestedSeed ?? source.seed ?? this.randomSeed(),
    };
    const started = performance.now();
    const output = await model.generator.imageToImage!(input, generationCall(call));
    const latencyMs = performance.now() - started;
    return this.store(model, output, call, {
      prompt,
      negativePrompt: input.negativePrompt,
      metadata: record.metadata,
      filename: `${slug(source.prompt || record.filename)}-refined`,
      params: {
        width: input.width,
        height: input.height,
        style: input.style,
        latencyMs,
        sourceImageId: record.id,
        strength,
        preserveStructure: req.preserveStructure,
        refinementPrompt: req.refinementPrompt,
      },
    });
  }

  private routesImageToImage(m: RegisteredModel): boolean {
    const target = m.imageToImageModel ? this.deps.registry.find(m.imageToImageModel) : undefined;
    return target?.generator.imageToImage !== undefined;
  }

  /** The request's model; else the source's when it is still configured; else the default. */
  private modelFor(requested: string, source: SourceGeneration): RegisteredModel {
    if (requested) return this.deps.registry.resolve('model', requested);
    return source.model ?? this.deps.registry.resolve('model', '');
  }

  private sourceGeneration(record: ImageRecord): SourceGeneration {
    const g = record.generation;
    if (!g) return { prompt: '', negativePrompt: '', style: '' };
    const params = g.params as Record<string, unknown>;
    const seed = Number(params.seed ?? NaN);
    let style: Style | '' = '';
    try {
      style = typeof params.style === 'string' ? parseStyle('style', params.style) : '';
    } catch {
      // A style this version no longer knows: vary without one.
    }
    return {
      prompt: g.prompt,
      negativePrompt: g.negativePrompt,
      model: this.deps.registry.find(g.model),
      seed: Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED ? seed : undefined,
      style,
      steps: g.generationSteps > 0 ? g.generationSteps : undefined,
      guidanceScale: g.guidanceScale > 0 ? g.guidanceScale : undefined,
    };
  }

  /** What every image-to-image call of one request shares: the source (as png/jpeg/webp), size and settings. */
  private async imageToImageBase(
    model: RegisteredModel,
    record: ImageRecord,
    data: Buffer,
    source: SourceGeneration,
    prompt: string,
    call: CallOptions,
  ): Promise<Omit<ImageToImageInput, 'mode' | 'strength' | 'seed'>> {
    const limits = model.generator.limits;
    let sourceImage = { data: data as Uint8Array, contentType: record.contentType, width: record.width, height: record.height };
    if (!['image/png', 'image/jpeg', 'image/webp'].includes(record.contentType)) {
      const png = await this.deps.images.run(data, { steps: [], output: { format: 'png' } }, { ...call, field: 'image_id' });
      sourceImage = { data: png.data, contentType: png.contentType, width: png.width, height: png.height };
    }
    const { width, height } = fitSize(sourceImage.width, sourceImage.height, limits);
    checkOutputPixels('image_id', width, height, this.deps.maxOutputPixels ?? Infinity);
    return {
      prompt: prompt.slice(0, limits.maxPromptLength),
      negativePrompt: source.negativePrompt,
      width,
      height,
      style: source.style,
      steps: inRangeOrUndefined(source.steps, limits.steps),
      guidanceScale: inRangeOrUndefined(source.guidanceScale, limits.guidanceScale),
      source: sourceImage,
      sourcePrompt: source.prompt,
      preserveStructure: false,
      refinementPrompt: '',
      variationIndex: 0,
      sourceSeed: source.seed ?? 0,
    };
  }

  /**
   * Nothing broken is stored: the bytes must decode fully as an image of a plausible size, else the
   * call fails with INVALID_PROVIDER_OUTPUT (UNAVAILABLE).
   */
  private async store(
    model: RegisteredModel,
    output: GeneratorOutput,
    call: CallOptions,
    what: { prompt: string; negativePrompt: string; metadata: Record<string, unknown> | null; filename: string; params: ParamsInit },
  ): Promise<ImageRecord> {
    const bad = (detail: string, cause?: unknown) =>
      generationFailed(`model ${JSON.stringify(model.name)} (${model.provider}) returned ${detail}; nothing was stored`, {
        reason: 'INVALID_PROVIDER_OUTPUT',
        metadata: { model: model.name, provider: model.provider },
        cause,
      });
    if (output.data.byteLength === 0) throw bad('no image bytes');
    let probe;
    try {
      probe = await this.deps.images.probe(output.data, 'generated image', call);
    } catch (e) {
      if (isAppError(e) && (e.kind === 'invalid_image' || e.kind === 'resource_exhausted') && e.reason !== 'OVERLOADED') {
        throw bad(`bytes that are not a usable image (${e.message})`, e);
      }
      throw e;
    }
    const max = this.deps.maxOutputDimension;
    if (probe.width < MIN_OUTPUT_SIDE || probe.height < MIN_OUTPUT_SIDE || probe.width > max || probe.height > max) {
      throw bad(`an image of implausible size ${probe.width}x${probe.height} (expected ${MIN_OUTPUT_SIDE} to ${max} pixels per side)`);
    }
    const params = create(GenerationParamsSchema, {
      provider: model.provider,
      seed: BigInt(output.seed),
      isAi: model.generator.isAi,
      providerInfo: JSON.parse(JSON.stringify(output.providerInfo)) as JsonObject,
      ...what.params,
    });
    const extension = probe.format === 'jpeg' ? 'jpg' : probe.format;
    return this.deps.assets.store(
      {
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
          params: toJson(GenerationParamsSchema, params) as Record<string, unknown>,
        },
        encoded: { contentType: probe.contentType, width: probe.width, height: probe.height },
        // Variations and refinements list under their source in ListImages.
        sourceImageId: params.sourceImageId || undefined,
      },
      'generated image',
      call,
    );
  }
}

function generationCall(call: CallOptions): GenerationCall {
  return { signal: call.signal, deadline: call.deadline };
}
