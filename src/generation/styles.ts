import { invalidArgument } from '../errors/index.js';

/**
 * The styles GenerateImage accepts, and what each means to each kind of provider: remote models get a
 * phrase appended to the prompt (none of their APIs has a portable style parameter); the procedural
 * renderer picks a drawing technique.
 */
const STYLES = {
  photographic: { phrase: 'photograph, natural light, realistic detail', technique: 'landscape' },
  cinematic: { phrase: 'cinematic still, dramatic lighting, film grain', technique: 'landscape' },
  watercolor: { phrase: 'watercolor painting, soft washes of pigment on paper', technique: 'watercolor' },
  'oil-painting': { phrase: 'oil painting, visible brush strokes', technique: 'brushwork' },
  'digital-art': { phrase: 'digital art, crisp shapes, vivid colours', technique: 'low-poly' },
  anime: { phrase: 'anime style illustration, flat cel shading', technique: 'low-poly' },
  '3d-render': { phrase: '3d render, soft global illumination', technique: 'landscape' },
  'pixel-art': { phrase: 'pixel art, limited palette, crisp pixels', technique: 'pixels' },
  sketch: { phrase: 'pencil sketch, hatching, on paper', technique: 'sketch' },
  'line-art': { phrase: 'clean line art', technique: 'sketch' },
  minimalist: { phrase: 'minimalist, few flat shapes, negative space', technique: 'minimal' },
  abstract: { phrase: 'abstract art, flowing colour fields', technique: 'fields' },
} as const;

export type Style = keyof typeof STYLES;
export type Technique = (typeof STYLES)[Style]['technique'] | 'fields';

/** "Oil Painting", "oil_painting" and "oil-painting" are the same style; empty means none. */
export function parseStyle(field: string, value: string): Style | '' {
  const normalized = value.trim().toLowerCase().replace(/[\s_]+/g, '-');
  if (normalized === '') return '';
  if (!(normalized in STYLES)) throw invalidArgument(field, `empty or one of ${Object.keys(STYLES).join(', ')}`, value);
  return normalized as Style;
}

/** The prompt a remote model gets: the caller's prompt, then the style's phrase. */
export function promptWithStyle(prompt: string, style: Style | ''): string {
  return style ? `${prompt}, ${STYLES[style].phrase}` : prompt;
}

/** The procedural renderer's technique for a style (colour fields when none is given). */
export function techniqueFor(style: Style | ''): Technique {
  return style ? STYLES[style].technique : 'fields';
}
