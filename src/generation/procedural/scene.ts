import type { Style } from '../styles.js';
import { techniqueFor, type Technique } from '../styles.js';
import type { Canvas } from './canvas.js';
import { promptPalette, type PromptPalette } from './prompt-palette.js';
import { seededRandom } from './seeded-random.js';
import { TECHNIQUES } from './techniques.js';

export interface SceneRequest {
  prompt: string;
  negativePrompt: string;
  width: number;
  height: number;
  style: Style | '';
  seed: number;
  /** 1-150: density of elements. */
  steps: number;
  /** 0-30: how strictly colours keep to the prompt's (10 and above: exactly). */
  guidanceScale: number;
}

export interface Scene {
  svg: string;
  technique: Technique;
  palette: PromptPalette;
}

/**
 * A procedural scene as SVG (rasterised by sharp's librsvg in the worker pool). Deterministic: the same
 * request gives the same text, hence the same pixels. The seed alone fixes the layout, the prompt's
 * colour and mood words the colours, the style the technique.
 */
export function buildScene(req: SceneRequest): Scene {
  const technique = techniqueFor(req.style);
  const palette = promptPalette(req.prompt, req.negativePrompt, req.guidanceScale, seededRandom('wander', req.seed));
  const canvas: Canvas = {
    w: req.width,
    h: req.height,
    min: Math.min(req.width, req.height),
    layout: seededRandom('layout', technique, req.seed),
    tint: seededRandom('tint', req.seed),
    palette: palette.colors,
    detail: req.steps,
    noiseSeed: req.seed % 1000,
    defs: [],
  };
  const elements = TECHNIQUES[technique](canvas);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${req.width}" height="${req.height}" viewBox="0 0 ${req.width} ${req.height}">` +
    `<defs>${canvas.defs.join('')}</defs>${elements.join('')}</svg>`;
  return { svg, technique, palette };
}
