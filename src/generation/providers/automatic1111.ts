import { callProvider, DEFAULT_HTTP_DEPS, type HttpDeps, type ProviderTarget } from '../http/call-provider.js';
import type { GenerationCall, GeneratorLimits, GeneratorOutput, ImageGenerator, ImageToImageInput, TextToImageInput } from '../image-generator.js';
import type { ModelConfig } from '../generation-config.js';
import { redactJson } from '../redact.js';
import { promptWithStyle } from '../styles.js';
import { decodeBase64, invalidOutput, parseJsonObject } from './provider-output.js';

/** How much of the refinement strength a preserve_structure refinement may use as denoising strength. */
const PRESERVE_STRUCTURE_FACTOR = 0.5;

/**
 * A Stable Diffusion web UI API (AUTOMATIC1111, Forge): `POST /sdapi/v1/txt2img` and `/sdapi/v1/img2img`,
 * JSON both ways, images back as base64 PNGs with an `info` JSON string (seeds, sampler, checkpoint).
 * Optional HTTP basic auth (`--api-auth user:pass`), configured as the api key "user:pass".
 * - variations: img2img with denoising_strength = variation_strength, the source's seed as `seed` and
 *   the variation's as `subseed` at subseed_strength = variation_strength (the web UI's "variation seed");
 * - refinements: img2img toward "<source prompt>, <refinement prompt>" with denoising_strength =
 *   refinement_strength, halved by preserve_structure.
 */
export class Automatic1111Generator implements ImageGenerator {
  readonly provider = 'automatic1111' as const;
  readonly isAi = true;
  readonly limits: GeneratorLimits;
  private readonly target: ProviderTarget;

  constructor(
    private readonly model: ModelConfig,
    private readonly maxResponseBytes: number,
    private readonly http: HttpDeps = DEFAULT_HTTP_DEPS,
  ) {
    this.limits = {
      minSide: 64,
      maxSide: 2048,
      sideMultiple: 8,
      steps: { min: 1, max: 150, default: model.steps ?? 30 },
      guidanceScale: { min: 1, max: 30, default: model.guidanceScale ?? 7 },
      maxPromptLength: 5000,
    };
    this.target = { model: model.name, provider: 'automatic1111', secrets: model.apiKey ? [model.apiKey, Buffer.from(model.apiKey).toString('base64')] : [] };
  }

  async textToImage(input: TextToImageInput, call: GenerationCall): Promise<GeneratorOutput> {
    const payload = this.common(input);
    return this.post('/sdapi/v1/txt2img', payload, call);
  }

  async imageToImage(input: ImageToImageInput, call: GenerationCall): Promise<GeneratorOutput> {
    const payload = this.common(input);
    const denoising = input.mode === 'refinement' && input.preserveStructure ? input.strength * PRESERVE_STRUCTURE_FACTOR : input.strength;
    Object.assign(payload, {
      init_images: [Buffer.from(input.source.data).toString('base64')],
      denoising_strength: round(denoising),
      resize_mode: 0,
    });
    if (input.mode === 'variation') {
      Object.assign(payload, { seed: input.sourceSeed, subseed: input.seed, subseed_strength: round(input.strength) });
    }
    const output = await this.post('/sdapi/v1/img2img', payload, call, { denoising_strength: round(denoising) });
    // A variation is reproduced by its own seed (the subseed); the source's is in provider_info.
    return input.mode === 'variation' ? { ...output, seed: input.seed } : output;
  }

  private common(input: TextToImageInput): Record<string, unknown> {
    const payload: Record<string, unknown> = {
      prompt: promptWithStyle(input.prompt, input.style),
      negative_prompt: input.negativePrompt,
      steps: input.steps ?? this.limits.steps!.default,
      cfg_scale: input.guidanceScale ?? this.limits.guidanceScale!.default,
      width: input.width,
      height: input.height,
      seed: input.seed,
      batch_size: 1,
      n_iter: 1,
      send_images: true,
      save_images: false,
    };
    if (this.model.sampler) payload.sampler_name = this.model.sampler;
    if (this.model.providerModel) {
      payload.override_settings = { sd_model_checkpoint: this.model.providerModel };
      payload.override_settings_restore_afterwards = true;
    }
    return payload;
  }

  private async post(path: string, payload: Record<string, unknown>, call: GenerationCall, extra: Record<string, unknown> = {}): Promise<GeneratorOutput> {
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.model.apiKey) headers.authorization = `Basic ${Buffer.from(this.model.apiKey).toString('base64')}`;
    const response = await callProvider(
      this.target,
      { url: `${this.model.baseUrl}${path}`, headers, body: () => body, maxResponseBytes: this.maxResponseBytes, explain },
      this.model.retry,
      call,
      this.http,
    );
    const json = parseJsonObject(this.target, response.body);
    if (!Array.isArray(json.images) || json.images.length === 0) throw invalidOutput(this.target, 'no images');
    const data = decodeBase64(this.target, json.images[0], 'images[0]');
    let info: Record<string, unknown> = {};
    if (typeof json.info === 'string' && json.info) {
      try {
        const parsed = JSON.parse(json.info) as unknown;
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) info = parsed as Record<string, unknown>;
      } catch {
        info = { info: json.info };
      }
    }
    const seed = typeof info.seed === 'number' && Number.isSafeInteger(info.seed) ? info.seed : (payload.seed as number);
    const providerInfo = redactJson({ ...info, attempts: response.attempts, ...extra }, this.target.secrets) as Record<string, unknown>;
    return { data, seed, steps: payload.steps as number, guidanceScale: payload.cfg_scale as number, providerInfo };
  }
}

/** The web UI's errors: {error, detail, body, errors} from its exception handler, {detail} from FastAPI. */
function explain(status: number, body: Buffer): { message: string } {
  const text = body.toString('utf8');
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const detail = typeof json.detail === 'string' ? json.detail : json.detail !== undefined ? JSON.stringify(json.detail) : '';
    const parts = [json.error, json.errors || detail].filter((p) => typeof p === 'string' && p !== '');
    return { message: parts.join(': ') || text };
  } catch {
    return { message: text || `HTTP ${status}` };
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
