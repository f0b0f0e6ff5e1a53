import type { Computation } from '../imaging/computation-context.js';
import { readHeader } from '../imaging/read-header.js';
import { decodePixels } from '../imaging/decode-pixels.js';
import { PALETTE_MAX_SIDE } from '../color/extract-palettes.js';
import { colorAnalysis, type ColorAnalysisResult } from './color-analysis.js';
import { compositionAnalysis, EDGE_SIDE, SALIENCY_SIDE, type CompositionAnalysisResult } from './composition-analysis.js';
import { hashAnalysis, type HashAnalysisResult } from './hash-analysis.js';
import { jpegQuality } from './jpeg-quality.js';
import { metadataAnalysis, type MetadataAnalysisResult } from './metadata-analysis.js';
import { resized, type Rgba } from './plane.js';
import { qualityAnalysis, type QualityAnalysisResult } from './quality-analysis.js';

export const ANALYSIS_KINDS = ['colors', 'composition', 'quality', 'metadata', 'hashes'] as const;
export type AnalysisKind = (typeof ANALYSIS_KINDS)[number];

export interface AnalysisResult {
  colors?: ColorAnalysisResult;
  composition?: CompositionAnalysisResult;
  quality?: QualityAnalysisResult;
  metadata?: MetadataAnalysisResult;
  hashes?: HashAnalysisResult;
}

/** Long side of the one decode every pixel analysis works from (smaller images at their own size). */
const ANALYSIS_SIDE = 1024;

/**
 * The AnalyzeImage computation (runs in the worker): the header is read once, the pixels decoded once
 * (orientation applied, sRGB, at most 1024 px on the long side, alpha kept when present), and every
 * requested analysis works from that decode and smaller copies of it.
 */
export const analyzeImage: Computation<{ kinds: AnalysisKind[] }, AnalysisResult> = async (input, params, ctx) => {
  const kinds = new Set(params.kinds);
  const header = await readHeader(input, ctx);
  const result: AnalysisResult = {};
  if (kinds.has('metadata')) result.metadata = metadataAnalysis(header, ctx.format);
  if (!kinds.has('colors') && !kinds.has('composition') && !kinds.has('quality') && !kinds.has('hashes')) return result;

  const base = await decodePixels(input, ctx, ANALYSIS_SIDE, header.metadata.hasAlpha);
  const sizes = new Map<number, Promise<Rgba>>();
  const at = (side: number) => {
    let sized = sizes.get(side);
    if (!sized) sizes.set(side, (sized = resized(base, side)));
    return sized;
  };
  if (kinds.has('colors')) result.colors = colorAnalysis(await at(PALETTE_MAX_SIDE));
  if (kinds.has('composition')) result.composition = compositionAnalysis(await at(SALIENCY_SIDE), await at(EDGE_SIDE));
  if (kinds.has('quality')) result.quality = await qualityAnalysis(base, ctx.format === 'jpeg' ? jpegQuality(input) : undefined);
  if (kinds.has('hashes')) result.hashes = await hashAnalysis(base);
  return result;
};
