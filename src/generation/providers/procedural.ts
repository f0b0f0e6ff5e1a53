import type { ImageProcessor } from '../../imaging/image-processor.js';
import type { GenerationCall, GeneratorLimits, GeneratorOutput, ImageGenerator, ImageToImageInput, TextToImageInput } from '../image-generator.js';
import { buildScene, type Scene } from '../procedural/scene.js';

export const PROCEDURAL_LABEL = 'procedural-v1 (not AI)';

/** Under preserve_structure, how far lightness may move, as a fraction of the strength. */
const PRESERVED_LIGHTNESS_FACTOR = 0.2;

const DEFAULT_STEPS = 30;
const DEFAULT_GUIDANCE = 7;

/**
 * The built-in renderer: offline, deterministic, and not AI. It draws an SVG scene from the prompt
 * (colours from its colour and mood words, technique from the style, layout from the seed, density from
 * steps, colour strictness from guidance, colours named by the negative prompt removed) and rasterises it
 * in the worker pool. Image-to-image renders a scene at the source's size and blends it over the source
 * in OKLab by the strength; preserve_structure keeps the source's lightness (it moves only a fifth of the
 * strength), so shapes stay and colours change.
 */
export class ProceduralGenerator implements ImageGenerator {
  readonly provider = 'procedural' as const;
  readonly isAi = false;
  readonly limits: GeneratorLimits;

  constructor(
    private readonly images: ImageProcessor,
    maxOutputDimension: number,
  ) {
    this.limits = {
      minSide: Math.min(64, maxOutputDimension),
      maxSide: Math.min(4096, maxOutputDimension),
      sideMultiple: 1,
      steps: { min: 1, max: 150, default: DEFAULT_STEPS },
      guidanceScale: { min: 0, max: 30, default: DEFAULT_GUIDANCE },
      maxPromptLength: 5000,
    };
  }

  async textToImage(input: TextToImageInput, call: GenerationCall): Promise<GeneratorOutput> {
    const steps = input.steps ?? DEFAULT_STEPS;
    const guidanceScale = input.guidanceScale ?? DEFAULT_GUIDANCE;
    const scene = buildScene({ ...input, steps, guidanceScale });
    const image = await this.images.run(Buffer.from(scene.svg), { steps: [], output: { format: 'png' } }, { ...call, field: 'scene', ownSvg: true });
    return { data: image.data, seed: input.seed, steps, guidanceScale, providerInfo: info(scene) };
  }

  async imageToImage(input: ImageToImageInput, call: GenerationCall): Promise<GeneratorOutput> {
    const steps = input.steps ?? DEFAULT_STEPS;
    const guidanceScale = input.guidanceScale ?? DEFAULT_GUIDANCE;
    // A refinement renders toward the refinement prompt; a variation re-renders the source's prompt.
    const prompt = input.mode === 'refinement' ? input.refinementPrompt : input.prompt;
    const scene = buildScene({ ...input, prompt, steps, guidanceScale });
    const keepLightness = input.mode === 'refinement' && input.preserveStructure;
    const lightnessStrength = keepLightness ? input.strength * PRESERVED_LIGHTNESS_FACTOR : input.strength;
    const blended = await this.images.compute(
      input.source.data,
      'sceneBlend',
      { svg: scene.svg, strength: input.strength, lightnessStrength, maxSide: Math.max(input.width, input.height) },
      { ...call, field: 'source' },
    );
    return {
      data: Buffer.from(blended.data.buffer, blended.data.byteOffset, blended.data.byteLength),
      seed: input.seed,
      steps,
      guidanceScale,
      providerInfo: { ...info(scene), blend: 'oklab', colour_strength: input.strength, lightness_strength: lightnessStrength },
    };
  }
}

function info(scene: Scene): Record<string, unknown> {
  return {
    renderer: PROCEDURAL_LABEL,
    technique: scene.technique,
    palette: scene.palette.colors.map((c) => c.hex),
    color_words: scene.palette.words,
    removed_by_negative_prompt: scene.palette.removedWords,
    palette_from_prompt_hash: scene.palette.fallback,
  };
}
