import { bool, configError, int, str, type Env } from '../config-env.js';
import { parsePresets, type Presets } from './presets.js';

/** Derivatives by URL: presets, the result cache and what their responses tell caches. */
export interface DeliveryConfig {
  /** PRESETS added to (or replacing) the built-in thumbnail, card and hero. */
  presets: Presets;
  /** ONLY_PRESETS: a derivative names a preset and nothing else. */
  onlyPresets: boolean;
  /** DERIVATIVE_CACHE_MAX_BYTES: stored derivatives kept, shared by every instance. */
  cacheMaxBytes: number;
  /** DERIVATIVE_MEMORY_CACHE_BYTES: the most used small derivatives also kept in this instance's memory. */
  memoryCacheBytes: number;
  /** DERIVATIVE_TOUCH_INTERVAL_SECONDS: a hit records its access at most this often per entry. */
  touchIntervalMs: number;
  /** DERIVATIVE_SOURCE_TTL_MS: how long an image row a derivative URL names is remembered (recent-sources.ts). */
  sourceTtlMs: number;
  /** DERIVATIVE_CACHE_CONTROL: `public` (a CDN may keep it) or `private` (browsers only). */
  cacheControlScope: 'public' | 'private';
  /** DERIVATIVE_MAX_AGE_SECONDS: the longest max-age given; never past the URL's own expiry. */
  maxAgeSeconds: number;
  /** MAX_SRCSET_WIDTHS: widths one GetImageUrl may ask for. */
  maxSrcsetWidths: number;
}

export function loadDeliveryConfig(env: Env, maxOutputDimension: number): DeliveryConfig {
  const scope = str(env, 'DERIVATIVE_CACHE_CONTROL') ?? 'public';
  if (scope !== 'public' && scope !== 'private') throw configError('DERIVATIVE_CACHE_CONTROL', 'public or private', scope);
  return {
    presets: parsePresets(str(env, 'PRESETS'), maxOutputDimension),
    onlyPresets: bool(env, 'ONLY_PRESETS', false),
    cacheMaxBytes: int(env, 'DERIVATIVE_CACHE_MAX_BYTES', 1024 * 1024 * 1024, 0, Number.MAX_SAFE_INTEGER),
    memoryCacheBytes: int(env, 'DERIVATIVE_MEMORY_CACHE_BYTES', 64 * 1024 * 1024, 0, Number.MAX_SAFE_INTEGER),
    touchIntervalMs: int(env, 'DERIVATIVE_TOUCH_INTERVAL_SECONDS', 60, 0, 86_400) * 1000,
    sourceTtlMs: int(env, 'DERIVATIVE_SOURCE_TTL_MS', 1000, 0, 60_000),
    cacheControlScope: scope,
    maxAgeSeconds: int(env, 'DERIVATIVE_MAX_AGE_SECONDS', 31_536_000, 0, 31_536_000),
    maxSrcsetWidths: int(env, 'MAX_SRCSET_WIDTHS', 16, 1, 64),
  };
}
