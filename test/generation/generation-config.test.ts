import { describe, expect, it } from 'vitest';
import { loadGenerationConfig } from '../../src/generation/generation-config.js';

const message = (env: Record<string, string>): string => {
  try {
    loadGenerationConfig(env);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a config error');
};

describe('generation configuration', () => {
  it('with nothing set: procedural-v1 only, the default, with the default timeouts', () => {
    const config = loadGenerationConfig({});
    expect(config.models.map((m) => [m.name, m.provider])).toEqual([['procedural-v1', 'procedural']]);
    expect(config.defaultModel).toBe('procedural-v1');
    expect(config.variationConcurrency).toBe(2);
    expect(config.models[0].retry).toEqual({ timeoutMs: 120_000, maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 30_000 });
  });

  it('registers one model per provider variable set', () => {
    const config = loadGenerationConfig({
      JIGSAWSTACK_API_KEY: 'jk',
      OPENAI_API_KEY: 'ok',
      A1111_BASE_URL: 'http://gpu:7860/',
      A1111_API_AUTH: 'u:p',
      A1111_CHECKPOINT: 'sdxl.safetensors',
      GENERATION_TIMEOUT_MS: '5000',
    });
    expect(config.models.map((m) => [m.name, m.provider, m.baseUrl, m.apiKey, m.providerModel])).toEqual([
      ['procedural-v1', 'procedural', undefined, undefined, undefined],
      ['jigsawstack', 'jigsawstack', 'https://api.jigsawstack.com', 'jk', undefined],
      ['gpt-image-1', 'openai', 'https://api.openai.com', 'ok', 'gpt-image-1'],
      ['stable-diffusion-xl', 'automatic1111', 'http://gpu:7860', 'u:p', 'sdxl.safetensors'],
    ]);
    expect(config.models.every((m) => m.retry.timeoutMs === 5000)).toBe(true);
    // Keys configured do not change the default: that stays explicit.
    expect(config.defaultModel).toBe('procedural-v1');
  });

  it('reads GENERATION_MODELS, with secrets from the variables they name, routes and per-model overrides', () => {
    const config = loadGenerationConfig({
      SDXL_AUTH: 'webui:pw',
      JS_KEY: 'secret',
      GENERATION_MODELS: JSON.stringify([
        { name: 'stable-diffusion-xl', provider: 'automatic1111', base_url: 'http://gpu:7860', api_key_env: 'SDXL_AUTH', default: true, steps: 40, sampler: 'Euler a', max_attempts: 5 },
        { name: 'js', provider: 'jigsawstack', api_key_env: 'JS_KEY', image_to_image_model: 'stable-diffusion-xl' },
      ]),
    });
    expect(config.defaultModel).toBe('stable-diffusion-xl');
    const [, sdxl, js] = config.models;
    expect(sdxl).toMatchObject({ apiKey: 'webui:pw', steps: 40, sampler: 'Euler a', retry: { maxAttempts: 5 } });
    expect(js).toMatchObject({ baseUrl: 'https://api.jigsawstack.com', apiKey: 'secret', imageToImageModel: 'stable-diffusion-xl' });
  });

  it('names the variable (and never a secret value) in every error', () => {
    expect(message({ GENERATION_MODELS: '[{"name": "x"' })).toBe('config GENERATION_MODELS: expected a JSON array of models, received "[{\\"name\\": \\"x\\""');
    expect(message({ GENERATION_MODELS: '[{"name": "x", "provider": "midjourney"}]' })).toBe(
      'config GENERATION_MODELS[0].provider: expected one of procedural, jigsawstack, openai, automatic1111, received "midjourney"',
    );
    expect(message({ GENERATION_MODELS: '[{"name": "x", "provider": "openai", "apikey": "sk-123"}]' })).toMatch(/^config GENERATION_MODELS\[0\]\.apikey: expected no such setting/);
    expect(message({ GENERATION_MODELS: '[{"name": "x", "provider": "jigsawstack", "api_key_env": "NOPE"}]' })).toBe(
      'config GENERATION_MODELS[0].api_key_env: expected the name of a set environment variable (NOPE is unset), received "NOPE"',
    );
    expect(message({ GENERATION_MODELS: '[{"name": "sd", "provider": "automatic1111"}]' })).toBe(
      'config GENERATION_MODELS[0].base_url: expected the URL of the automatic1111 server, received null',
    );
    expect(message({ GENERATION_MODELS: '[{"name": "procedural-v1", "provider": "procedural"}]' })).toBe(
      'config GENERATION_MODELS[0].name: expected a name other than procedural-v1 (built in), received "procedural-v1"',
    );
    expect(message({ GENERATION_MODELS: '[{"name": "a", "provider": "jigsawstack", "api_key_env": "K", "image_to_image_model": "b"}]', K: 'k' })).toBe(
      'config GENERATION_MODELS[0].image_to_image_model: expected a configured model with image-to-image (procedural-v1), received "b"',
    );
    expect(message({ GENERATION_DEFAULT_MODEL: 'dall-e-3' })).toBe('config GENERATION_DEFAULT_MODEL: expected a configured model (procedural-v1), received "dall-e-3"');
    expect(message({ A1111_BASE_URL: 'gpu:7860' })).toBe('config A1111_BASE_URL: expected an http(s) URL, received "gpu:7860"');
    expect(message({ GENERATION_MAX_ATTEMPTS: '0' })).toBe('config GENERATION_MAX_ATTEMPTS: expected an integer from 1 to 10, received "0"');
    expect(message({ JIGSAWSTACK_API_KEY: 'k', GENERATION_MODELS: '[{"name": "jigsawstack", "provider": "jigsawstack", "api_key_env": "JIGSAWSTACK_API_KEY"}]' })).toMatch(
      /^config GENERATION_MODELS: expected model names used once \(jigsawstack is configured twice/,
    );
  });
});
