import type { GenerationConfig } from '../generation/generation-config.js';
import { DEFAULT_HTTP_DEPS, type HttpDeps } from '../generation/http/call-provider.js';
import { ModelRegistry } from '../generation/model-registry.js';
import type { ImageProcessor } from '../imaging/image-processor.js';
import type { Observer } from '../observe/observer.js';
import type { Logger } from '../util/logger.js';
import type { AssetService } from './asset-service.js';
import { GenerationService } from './generation-service.js';

/**
 * The generation core as the composition root builds it: the configured models behind one registry,
 * provider attempts logged (model, attempt, status, wait: never a header, URL query or body) and observed.
 */
export function createGenerationService(
  config: GenerationConfig,
  deps: { assets: AssetService; images: ImageProcessor; maxOutputDimension: number; maxOutputPixels?: number; maxUploadBytes: number; logger?: Logger; http?: HttpDeps; observer?: Observer },
): GenerationService {
  const http: HttpDeps = {
    ...(deps.http ?? DEFAULT_HTTP_DEPS),
    observer: deps.observer,
    onAttempt: (event) => {
      if (event.outcome === 'ok') deps.logger?.debug(event, 'generation provider call');
      else deps.logger?.warn(event, 'generation provider call failed');
    },
  };
  const registry = new ModelRegistry(config, {
    images: deps.images,
    maxOutputDimension: deps.maxOutputDimension,
    // Room for the largest storable image as base64 inside JSON.
    maxResponseBytes: Math.ceil((deps.maxUploadBytes * 4) / 3) + 1024 * 1024,
    http,
  });
  return new GenerationService({
    assets: deps.assets,
    images: deps.images,
    registry,
    maxOutputDimension: deps.maxOutputDimension,
    maxOutputPixels: deps.maxOutputPixels,
    variationConcurrency: config.variationConcurrency,
  });
}
