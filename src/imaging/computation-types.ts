import type { AnalysisKind, AnalysisResult } from '../analysis/analyze-image.js';
import type { ExtractedColor, PaletteRequest } from '../color/extract-palettes.js';
import type { Placeholder } from './placeholder.js';
import type { SceneBlendParams, SceneBlendResult } from './scene-blend.js';

/**
 * The computations the worker runs, by name: what each takes and returns. The core asks for them
 * through ImageProcessor.compute by this contract alone; the worker's table (run-computation.ts)
 * must satisfy it, so the compiler keeps both sides in step without the core importing the table.
 */
interface ComputationTypes {
  /** The mean sRGB colour: the smallest computation, and a template for the others. */
  meanColor: { params: { maxSide?: number }; result: { r: number; g: number; b: number } };
  /** The procedural generator's image-to-image (src/generation/providers/procedural.ts). */
  sceneBlend: { params: SceneBlendParams; result: SceneBlendResult };
  /** ProcessingService.AnalyzeImage: every requested analysis on one decode (src/analysis/). */
  analyzeImage: { params: { kinds: AnalysisKind[] }; result: AnalysisResult };
  /** ImageService palettes: every requested palette type from one decode (src/color/extract-palettes.ts). */
  palettes: { params: PaletteRequest; result: ExtractedColor[][] };
  /** Derivative URLs' srcset: a ThumbHash and the mean colour from one tiny decode (src/imaging/placeholder.ts). */
  placeholder: { params: Record<string, never>; result: Placeholder };
}

export type ComputationName = keyof ComputationTypes;
export type ComputationParams<K extends ComputationName> = ComputationTypes[K]['params'];
export type ComputationResult<K extends ComputationName> = ComputationTypes[K]['result'];
