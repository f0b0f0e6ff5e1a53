import type { ImageRecord } from '../domain/image-record.js';
import type { ModelRegistry, RegisteredModel } from './model-registry.js';
import { MAX_SEED } from './request-checks.js';
import { parseStyle, type Style } from './styles.js';

/** How a stored image was generated, as far as variations and refinements of it can reuse it. */
export interface SourceGeneration {
  prompt: string;
  negativePrompt: string;
  /** Undefined when the model that made it is no longer configured. */
  model?: RegisteredModel;
  seed?: number;
  style: Style | '';
  steps?: number;
  guidanceScale?: number;
}

/**
 * Reads a record's generation details, tolerant of records from older versions: a value this
 * version cannot use is left out rather than refused (an upload has none at all).
 */
export function sourceGeneration(record: ImageRecord, registry: Pick<ModelRegistry, 'find'>): SourceGeneration {
  const g = record.generation;
  if (!g) return { prompt: '', negativePrompt: '', style: '' };
  const params = g.params;
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
    model: registry.find(g.model),
    seed: Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED ? seed : undefined,
    style,
    steps: g.generationSteps > 0 ? g.generationSteps : undefined,
    guidanceScale: g.guidanceScale > 0 ? g.guidanceScale : undefined,
  };
}
