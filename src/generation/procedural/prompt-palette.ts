import { colorsForText } from '../../color/color-lexicon.js';
import { oklabToOklch, oklabToSrgb, oklchToOklab, srgbToOklab, type Vec3 } from '../../color/oklab.js';
import { seededRandom, type Random } from './seeded-random.js';

export interface PaletteColor {
  hex: string;
  /** OKLab. */
  lab: Vec3;
  weight: number;
}

export interface PromptPalette {
  /** Most emphasised first; at least one. */
  colors: PaletteColor[];
  /** The colour and mood words found in the prompt. */
  words: string[];
  /** Words of the negative prompt whose colours were removed. */
  removedWords: string[];
  /** True when the prompt named no usable colour and the palette came from the prompt's hash. */
  fallback: boolean;
}

const MAX_COLORS = 8;

function hexToLab(hex: string): Vec3 {
  const n = Number.parseInt(hex.slice(1, 7), 16);
  return srgbToOklab(n >> 16, (n >> 8) & 255, n & 255);
}

export function labToHex(lab: Vec3): string {
  return `#${oklabToSrgb(lab[0], lab[1], lab[2]).map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * Whether `color` is one the negative prompt named: perceptually close to a named colour, or of the
 * same hue when both are clearly chromatic ("red" also removes a darker red and a coral-ish red).
 */
function forbidden(color: Vec3, named: Vec3[]): boolean {
  const [, c1, h1] = oklabToOklch(...color);
  return named.some((n) => {
    const d = Math.hypot(color[0] - n[0], color[1] - n[1], color[2] - n[2]);
    if (d < 0.12) return true;
    const [, c2, h2] = oklabToOklch(...n);
    const dh = Math.min(Math.abs(h1 - h2), 360 - Math.abs(h1 - h2));
    return c1 > 0.06 && c2 > 0.06 && dh < 25;
  });
}

/** A harmonious palette from the prompt's hash: used when the prompt names no colour. */
function hashedPalette(prompt: string): Vec3[] {
  const random = seededRandom('fallback-palette', prompt.trim().toLowerCase());
  const hue = random() * 360;
  const spread = 25 + random() * 35;
  return [
    oklchToOklab(0.62, 0.13, hue),
    oklchToOklab(0.78, 0.09, hue + spread),
    oklchToOklab(0.45, 0.11, hue - spread),
    oklchToOklab(0.88, 0.04, hue + 180),
    oklchToOklab(0.3, 0.06, hue + 150),
  ];
}

const NEUTRALS: Vec3[] = [0.92, 0.72, 0.5, 0.3].map((L) => [L, 0, 0] as Vec3);

/**
 * The colours a procedural image is painted with. Colour and mood words of the prompt give the colours
 * (weighted by the lexicon, earlier colours of a word counting more); the negative prompt removes every
 * colour close to one it names; guidance below 10 lets colours wander (lightness and hue jitter grow as
 * guidance falls), at 10 and above they are used exactly.
 */
export function promptPalette(prompt: string, negativePrompt: string, guidance: number, random: Random): PromptPalette {
  const negatives = negativePrompt ? colorsForText(negativePrompt) : [];
  const named = negatives.flatMap((m) => m.colors.map(hexToLab));
  const removedWords = new Set<string>();
  const words: string[] = [];
  const byHex = new Map<string, PaletteColor>();
  for (const match of colorsForText(prompt)) {
    words.push(match.word);
    match.colors.forEach((hex, j) => {
      const lab = hexToLab(hex);
      if (named.length > 0 && forbidden(lab, named)) {
        for (const n of negatives) if (n.colors.some((c) => forbidden(lab, [hexToLab(c)]))) removedWords.add(n.word);
        return;
      }
      const weight = match.weight / (1 + 0.35 * j);
      const seen = byHex.get(hex);
      if (seen) seen.weight += weight;
      else byHex.set(hex, { hex, lab, weight });
    });
  }
  let colors = [...byHex.values()].sort((a, b) => b.weight - a.weight || (a.hex < b.hex ? -1 : 1)).slice(0, MAX_COLORS);
  const fallback = colors.length === 0;
  if (fallback) {
    const allowed = (labs: Vec3[]) => labs.filter((lab) => named.length === 0 || !forbidden(lab, named));
    let labs = allowed(hashedPalette(prompt));
    if (labs.length === 0) labs = allowed(NEUTRALS);
    if (labs.length === 0) labs = [[0.6, 0, 0]];
    colors = labs.map((lab, i) => ({ hex: labToHex(lab), lab, weight: 1 / (1 + i) }));
  }

  const wander = Math.max(0, (10 - guidance) / 10);
  if (wander > 0) {
    colors = colors.map((c) => {
      const [L, C, h] = oklabToOklch(...c.lab);
      const lab = oklchToOklab(
        Math.min(0.97, Math.max(0.08, L + (random() - 0.5) * 0.2 * wander)),
        C * (1 + (random() - 0.5) * 0.4 * wander),
        h + (random() - 0.5) * 40 * wander,
      );
      // Wandering never brings back a colour the negative prompt removed.
      return named.length > 0 && forbidden(lab, named) ? c : { ...c, lab, hex: labToHex(lab) };
    });
  }
  return { colors, words, removedWords: [...removedWords], fallback };
}
