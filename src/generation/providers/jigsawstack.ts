import { callProvider, DEFAULT_HTTP_DEPS, type HttpDeps, type ProviderTarget } from '../http/call-provider.js';
import type { GenerationCall, GeneratorLimits, GeneratorOutput, ImageGenerator, TextToImageInput } from '../image-generator.js';
import type { ModelConfig } from '../generation-config.js';
import { promptWithStyle } from '../styles.js';

/**
 * JigsawStack's image generation API: `POST /v1/ai/image_generation` with `x-api-key`, JSON in, image
 * bytes (PNG by default) out. Prompt 1-5000 characters, width and height 256-1920, steps 1-90 (default
 * 4), `advance_config` with negative_prompt, guidance (1-28) and seed. It documents no image-to-image,
 * so this generator has none: variations and refinements of its images need `image_to_image_model`.
 */
export class JigsawStackGenerator implements ImageGenerator {
  readonly provider = 'jigsawstack' as const;
  readonly isAi = true;
  readonly limits: GeneratorLimits;
  private readonly target: ProviderTarget;

  constructor(
    private readonly model: ModelConfig,
    private readonly maxResponseBytes: number,
    private readonly http: HttpDeps = DEFAULT_HTTP_DEPS,
  ) {
    this.limits = {
      minSide: 256,
      maxSide: 1920,
      sideMultiple: 1,
      steps: { min: 1, max: 90, default: model.steps ?? 4 },
      // No documented default: sent only when the caller (or the configuration) gives one.
      guidanceScale: { min: 1, max: 28, default: model.guidanceScale ?? 0 },
      maxPromptLength: 5000,
    };
    this.target = { model: model.name, provider: 'jigsawstack', secrets: model.apiKey ? [model.apiKey] : [] };
  }

  async textToImage(input: TextToImageInput, call: GenerationCall): Promise<GeneratorOutput> {
    const steps = input.steps ?? this.limits.steps!.default;
    const guidance = input.guidanceScale ?? (this.limits.guidanceScale!.default || undefined);
    const advance: Record<string, unknown> = { seed: input.seed };
    if (input.negativePrompt) advance.negative_prompt = input.negativePrompt;
    if (guidance !== undefined) advance.guidance = guidance;
    const body = JSON.stringify({
      prompt: promptWithStyle(input.prompt, input.style).slice(0, this.limits.maxPromptLength),
      width: input.width,
      height: input.height,
      steps,
      advance_config: advance,
    });
    const response = await callProvider(
      this.target,
      {
        url: `${this.model.baseUrl}/v1/ai/image_generation`,
        headers: { 'content-type': 'application/json', accept: 'image/png', 'x-api-key': this.model.apiKey ?? '' },
        body: () => body,
        maxResponseBytes: this.maxResponseBytes,
      },
      this.model.retry,
      call,
      this.http,
    );
    const info: Record<string, unknown> = { content_type: response.headers.get('content-type') ?? '', attempts: response.attempts };
    const remaining = response.headers.get('x-jigsaw-rate-limit-remaining');
    if (remaining !== null) info.rate_limit_remaining = Number(remaining);
    return { data: response.body, seed: input.seed, steps, guidanceScale: guidance ?? 0, providerInfo: info };
  }
}
