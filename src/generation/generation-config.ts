import { AppError } from '../errors/index.js';
import type { RetryPolicy } from './http/call-provider.js';
import type { ProviderName } from './image-generator.js';
import { configError, httpUrl as url, int, str, type Env } from '../config-env.js';

/** One configured model: a name clients use, and the provider and endpoint behind it. */
export interface ModelConfig {
  name: string;
  provider: ProviderName;
  /** Remote providers: the API's base URL, without a trailing slash. */
  baseUrl?: string;
  /** The secret, read from the variable named by api_key_env (or the provider's own variable). Never logged. */
  apiKey?: string;
  /** The provider's own model id (OpenAI `model`, AUTOMATIC1111 checkpoint); default: none/`name`. */
  providerModel?: string;
  description?: string;
  /** Where variations and refinements of this model's images go when it has no image-to-image. */
  imageToImageModel?: string;
  /** AUTOMATIC1111 sampler, e.g. "DPM++ 2M". */
  sampler?: string;
  /** Defaults when a request gives none. */
  steps?: number;
  guidanceScale?: number;
  /** Per-model override of the retry policy. */
  retry: RetryPolicy;
}

export interface GenerationConfig {
  /** procedural-v1 first, always. */
  models: ModelConfig[];
  defaultModel: string;
  /** Variations in flight at once per GenerateVariations call. */
  variationConcurrency: number;
}

export const PROCEDURAL_MODEL = 'procedural-v1';
const PROVIDERS: readonly ProviderName[] = ['procedural', 'jigsawstack', 'openai', 'automatic1111'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
const KEYS = [
  'name', 'provider', 'base_url', 'api_key_env', 'provider_model', 'default', 'description',
  'image_to_image_model', 'sampler', 'steps', 'guidance_scale', 'timeout_ms', 'max_attempts',
];





const DEFAULT_BASE_URLS: Partial<Record<ProviderName, string>> = {
  jigsawstack: 'https://api.jigsawstack.com',
  openai: 'https://api.openai.com',
};

/** Models from GENERATION_MODELS (JSON) plus one per provider variable set, procedural-v1 always. */
export function loadGenerationConfig(env: Env): GenerationConfig {
  const retry: RetryPolicy = {
    timeoutMs: int(env, 'GENERATION_TIMEOUT_MS', 120_000, 100, 3_600_000),
    maxAttempts: int(env, 'GENERATION_MAX_ATTEMPTS', 3, 1, 10),
    baseDelayMs: int(env, 'GENERATION_RETRY_BASE_MS', 500, 0, 60_000),
    maxDelayMs: int(env, 'GENERATION_RETRY_MAX_MS', 30_000, 0, 600_000),
  };
  const models: ModelConfig[] = [{ name: PROCEDURAL_MODEL, provider: 'procedural', retry }];
  let flaggedDefault: string | undefined;

  const raw = str(env, 'GENERATION_MODELS');
  if (raw !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw configError('GENERATION_MODELS', 'a JSON array of models', raw.length > 60 ? `${raw.slice(0, 57)}...` : raw);
    }
    if (!Array.isArray(parsed)) throw configError('GENERATION_MODELS', 'a JSON array of models', typeof parsed);
    parsed.forEach((entry: unknown, i) => {
      const at = `GENERATION_MODELS[${i}]`;
      const model = modelFromJson(entry, at, env, retry);
      if ((entry as { default?: unknown }).default === true) {
        if (flaggedDefault !== undefined) throw configError(`${at}.default`, `one default model (already ${flaggedDefault})`, true);
        flaggedDefault = model.name;
      }
      models.push(model);
    });
  }

  const jigsawKey = str(env, 'JIGSAWSTACK_API_KEY');
  if (jigsawKey !== undefined) {
    models.push({ name: 'jigsawstack', provider: 'jigsawstack', baseUrl: url('JIGSAWSTACK_BASE_URL', str(env, 'JIGSAWSTACK_BASE_URL') ?? DEFAULT_BASE_URLS.jigsawstack), apiKey: jigsawKey, retry });
  }
  const openaiKey = str(env, 'OPENAI_API_KEY');
  const openaiBase = str(env, 'OPENAI_BASE_URL');
  if (openaiKey !== undefined || openaiBase !== undefined) {
    const name = str(env, 'OPENAI_IMAGE_MODEL') ?? 'gpt-image-1';
    if (!NAME.test(name)) throw configError('OPENAI_IMAGE_MODEL', 'a model name of letters, digits and . _ : -', name);
    models.push({ name, provider: 'openai', baseUrl: url('OPENAI_BASE_URL', openaiBase ?? DEFAULT_BASE_URLS.openai), apiKey: openaiKey, providerModel: name, retry });
  }
  const a1111 = str(env, 'A1111_BASE_URL');
  if (a1111 !== undefined) {
    const name = str(env, 'A1111_MODEL_NAME') ?? 'stable-diffusion-xl';
    if (!NAME.test(name)) throw configError('A1111_MODEL_NAME', 'a model name of letters, digits and . _ : -', name);
    models.push({
      name,
      provider: 'automatic1111',
      baseUrl: url('A1111_BASE_URL', a1111),
      apiKey: str(env, 'A1111_API_AUTH'),
      providerModel: str(env, 'A1111_CHECKPOINT'),
      retry,
    });
  }

  const seen = new Set<string>();
  for (const m of models) {
    if (seen.has(m.name)) throw configError('GENERATION_MODELS', `model names used once (${m.name} is configured twice, perhaps also by a provider variable)`, m.name);
    seen.add(m.name);
  }
  for (const [i, m] of models.entries()) {
    if (m.imageToImageModel === undefined) continue;
    const target = models.find((t) => t.name === m.imageToImageModel);
    if (!target || target.provider === 'jigsawstack' || target.name === m.name) {
      const able = models.filter((t) => t.provider !== 'jigsawstack' && t.name !== m.name).map((t) => t.name);
      throw configError(`GENERATION_MODELS[${i - 1}].image_to_image_model`, `a configured model with image-to-image (${able.join(', ')})`, m.imageToImageModel);
    }
  }

  const defaultModel = str(env, 'GENERATION_DEFAULT_MODEL') ?? flaggedDefault ?? PROCEDURAL_MODEL;
  if (!seen.has(defaultModel)) throw configError('GENERATION_DEFAULT_MODEL', `a configured model (${[...seen].join(', ')})`, defaultModel);
  return { models, defaultModel, variationConcurrency: int(env, 'GENERATION_VARIATION_CONCURRENCY', 2, 1, 8) };
}

function modelFromJson(entry: unknown, at: string, env: Env, retry: RetryPolicy): ModelConfig {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw configError(at, 'an object', entry);
  const e = entry as Record<string, unknown>;
  for (const key of Object.keys(e)) {
    if (!KEYS.includes(key)) throw configError(`${at}.${key}`, `no such setting (one of ${KEYS.join(', ')})`, key);
  }
  if (typeof e.name !== 'string' || !NAME.test(e.name)) throw configError(`${at}.name`, 'a model name of letters, digits and . _ : - (up to 100)', e.name);
  if (e.name === PROCEDURAL_MODEL) throw configError(`${at}.name`, `a name other than ${PROCEDURAL_MODEL} (built in)`, e.name);
  if (typeof e.provider !== 'string' || !(PROVIDERS as readonly string[]).includes(e.provider)) {
    throw configError(`${at}.provider`, `one of ${PROVIDERS.join(', ')}`, e.provider);
  }
  const provider = e.provider as ProviderName;
  const optionalString = (key: string): string | undefined => {
    if (e[key] === undefined) return undefined;
    if (typeof e[key] !== 'string' || e[key] === '') throw configError(`${at}.${key}`, 'a non-empty string', e[key]);
    return e[key] as string;
  };
  const optionalNumber = (key: string, min: number, max: number, integer: boolean): number | undefined => {
    const v = e[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      throw configError(`${at}.${key}`, `${integer ? 'an integer' : 'a number'} from ${min} to ${max}`, v);
    }
    return v;
  };
  if (e.default !== undefined && typeof e.default !== 'boolean') throw configError(`${at}.default`, 'true or false', e.default);

  let baseUrl: string | undefined;
  if (provider !== 'procedural') {
    const given = e.base_url ?? DEFAULT_BASE_URLS[provider];
    if (given === undefined) throw configError(`${at}.base_url`, `the URL of the ${provider} server`, e.base_url);
    baseUrl = url(`${at}.base_url`, given);
  }
  let apiKey: string | undefined;
  const keyEnv = optionalString('api_key_env');
  if (keyEnv !== undefined) {
    apiKey = str(env, keyEnv);
    // The message names the variable, never a value.
    if (apiKey === undefined) throw configError(`${at}.api_key_env`, `the name of a set environment variable (${keyEnv} is unset)`, keyEnv);
  }
  if (provider === 'jigsawstack' && apiKey === undefined) throw configError(`${at}.api_key_env`, 'the variable holding the JigsawStack API key', e.api_key_env);

  return {
    name: e.name,
    provider,
    baseUrl,
    apiKey,
    providerModel: optionalString('provider_model') ?? (provider === 'openai' ? e.name : undefined),
    description: optionalString('description'),
    imageToImageModel: optionalString('image_to_image_model'),
    sampler: optionalString('sampler'),
    steps: optionalNumber('steps', 1, 150, true),
    guidanceScale: optionalNumber('guidance_scale', 0, 30, false),
    retry: {
      ...retry,
      timeoutMs: optionalNumber('timeout_ms', 100, 3_600_000, true) ?? retry.timeoutMs,
      maxAttempts: optionalNumber('max_attempts', 1, 10, true) ?? retry.maxAttempts,
    },
  };
}
