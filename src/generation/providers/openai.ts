import { invalidArgument } from '../../errors/index.js';
import { callProvider, DEFAULT_HTTP_DEPS, type HttpDeps, type ProviderTarget } from '../http/call-provider.js';
import type { GenerationCall, GeneratorLimits, GeneratorOutput, ImageGenerator, ImageToImageInput, TextToImageInput } from '../image-generator.js';
import type { ModelConfig } from '../generation-config.js';
import { redactJson } from '../redact.js';
import { promptWithStyle } from '../styles.js';
import { decodeBase64, invalidOutput, parseJsonObject } from './provider-output.js';

/**
 * Any OpenAI-compatible images API: `POST /v1/images/generations` (JSON) for text-to-image and
 * `POST /v1/images/edits` (multipart) for variations and refinements, `Authorization: Bearer`, images
 * back as `b64_json`. The API has no seed, steps, guidance, negative prompt or strength: a negative prompt
 * is appended to the prompt as "Avoid: ...", the others are recorded as not applied. preserve_structure
 * asks GPT image models for `input_fidelity: high`. Edits send no size: the result follows the source.
 */
export class OpenAiGenerator implements ImageGenerator {
  readonly provider = 'openai' as const;
  readonly isAi = true;
  readonly limits: GeneratorLimits = { minSide: 64, maxSide: 4096, sideMultiple: 1, maxPromptLength: 32_000 };
  private readonly target: ProviderTarget;
  private readonly providerModel: string;

  constructor(
    private readonly model: ModelConfig,
    private readonly maxResponseBytes: number,
    private readonly http: HttpDeps = DEFAULT_HTTP_DEPS,
  ) {
    this.target = { model: model.name, provider: 'openai', secrets: model.apiKey ? [model.apiKey] : [] };
    this.providerModel = model.providerModel ?? model.name;
  }

  async textToImage(input: TextToImageInput, call: GenerationCall): Promise<GeneratorOutput> {
    const prompt = this.prompt(promptWithStyle(input.prompt, input.style), input.negativePrompt);
    const body = JSON.stringify({ model: this.providerModel, prompt, n: 1, size: `${input.width}x${input.height}`, ...this.responseFormat() });
    const response = await callProvider(
      this.target,
      { url: `${this.model.baseUrl}/v1/images/generations`, headers: { ...this.auth(), 'content-type': 'application/json' }, body: () => body, maxResponseBytes: this.maxResponseBytes },
      this.model.retry,
      call,
      this.http,
    );
    return this.output(response.body, response.attempts, call, { ignored: ignored(input) });
  }

  async imageToImage(input: ImageToImageInput, call: GenerationCall): Promise<GeneratorOutput> {
    // An edit is an instruction: for a refinement that is the refinement prompt alone.
    const text = input.mode === 'refinement' ? input.refinementPrompt : input.prompt;
    if (!text) throw invalidArgument('prompt', `a prompt: model ${JSON.stringify(this.model.name)} (openai edits) needs one to vary an image without a prompt`, text);
    const prompt = this.prompt(promptWithStyle(text, input.style), input.negativePrompt);
    const fidelity = input.preserveStructure && /^gpt-image/.test(this.providerModel) && !/mini/.test(this.providerModel);
    const extension = input.source.contentType.replace(/^image\//, '').replace('jpeg', 'jpg');
    const form = () => {
      const f = new FormData();
      f.append('image', new Blob([input.source.data], { type: input.source.contentType }), `source.${extension}`);
      f.append('prompt', prompt);
      f.append('model', this.providerModel);
      f.append('n', '1');
      // No size: edits accept only a few fixed sizes, and their default ("auto") follows the source.
      if (fidelity) f.append('input_fidelity', 'high');
      const format = this.responseFormat();
      if (format.response_format) f.append('response_format', format.response_format);
      return f;
    };
    const response = await callProvider(
      this.target,
      { url: `${this.model.baseUrl}/v1/images/edits`, headers: this.auth(), body: form, maxResponseBytes: this.maxResponseBytes },
      this.model.retry,
      call,
      this.http,
    );
    return this.output(response.body, response.attempts, call, {
      ignored: [...ignored(input), 'strength'],
      input_fidelity: fidelity ? 'high' : undefined,
    });
  }

  private prompt(prompt: string, negative: string): string {
    return negative ? `${prompt}. Avoid: ${negative}` : prompt;
  }

  /** GPT image models always answer in base64 and refuse the parameter; DALL-E and most servers need it. */
  private responseFormat(): { response_format?: 'b64_json' } {
    return /^gpt-image/.test(this.providerModel) ? {} : { response_format: 'b64_json' };
  }

  private auth(): Record<string, string> {
    return this.model.apiKey ? { authorization: `Bearer ${this.model.apiKey}` } : {};
  }

  private async output(body: Buffer, attempts: number, call: GenerationCall, extra: Record<string, unknown>): Promise<GeneratorOutput> {
    const json = parseJsonObject(this.target, body);
    const first = Array.isArray(json.data) ? (json.data[0] as Record<string, unknown> | undefined) : undefined;
    if (!first || typeof first !== 'object') throw invalidOutput(this.target, 'no data[0]');
    let data: Buffer;
    if (typeof first.b64_json === 'string') {
      data = decodeBase64(this.target, first.b64_json, 'data[0].b64_json');
    } else if (typeof first.url === 'string') {
      data = await this.download(first.url, call);
    } else {
      throw invalidOutput(this.target, 'neither data[0].b64_json nor data[0].url');
    }
    const { data: _images, ...rest } = json;
    void _images;
    const info = redactJson({ ...rest, revised_prompt: first.revised_prompt, attempts, ...extra }, this.target.secrets) as Record<string, unknown>;
    return { data, seed: 0, steps: 0, guidanceScale: 0, providerInfo: info };
  }

  /** Servers that answer with a URL only: fetched without our credentials (it may be another host). */
  private async download(url: string, call: GenerationCall): Promise<Buffer> {
    if (!/^https?:\/\//.test(url)) throw invalidOutput(this.target, 'a data[0].url that is not http(s)');
    const response = await callProvider(this.target, { url, method: 'GET', maxResponseBytes: this.maxResponseBytes }, this.model.retry, call, this.http);
    return response.body;
  }
}

function ignored(input: TextToImageInput): string[] {
  const out = ['seed'];
  if (input.steps !== undefined) out.push('steps');
  if (input.guidanceScale !== undefined) out.push('guidance_scale');
  return out;
}
