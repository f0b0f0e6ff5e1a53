import { ANALYSIS_KINDS, type AnalysisKind, type AnalysisResult } from '../analysis/analyze-image.js';
import { defaultColorNamer, type ColorNamer } from '../color/color-names.js';
import type { ImageProcessor } from '../imaging/image-processor.js';
import type { CallOptions } from './call-options.js';

/**
 * Image analysis (ProcessingService.AnalyzeImage): colours, composition, quality, metadata and hashes,
 * all computed by one task in the worker pool on one decode (src/analysis/analyze-image.ts); the
 * colours are named here, on the main thread, where the namer is loaded once.
 */
export class AnalysisService {
  readonly #namer: () => Promise<ColorNamer>;

  constructor(private readonly deps: { images: Pick<ImageProcessor, 'compute'>; namer?: () => Promise<ColorNamer> }) {
    this.#namer = deps.namer ?? defaultColorNamer;
  }

  /** `kinds` empty means every analysis. */
  async analyze(input: Uint8Array, kinds: readonly AnalysisKind[], call: CallOptions = {}): Promise<AnalysisResult> {
    const wanted = kinds.length === 0 ? [...ANALYSIS_KINDS] : [...new Set(kinds)];
    const [result, namer] = await Promise.all([
      this.deps.images.compute(input, 'analyzeImage', { kinds: wanted }, { ...call, field: call.field ?? 'image_data' }),
      wanted.includes('colors') ? this.#namer() : undefined,
    ]);
    if (result.colors && namer) {
      for (const c of [...result.colors.dominant, result.colors.average]) c.name = namer.name(c.rgb);
    }
    return result;
  }
}
