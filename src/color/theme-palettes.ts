import { AppError, describeValue } from '../errors/index.js';
import { colorsForText, type ColorWordMatch } from './color-lexicon.js';
import { distanceSquared, oklabToOklch, oklchToOklab, type Vec3 } from './oklab.js';
import { hexToOklab } from './recolor.js';
import { gamutMapToLinear, linearToSrgb } from './recolor-transfer.js';

/**
 * Theme description → palettes (ProcessingService.GenerateAndApplyPalette). The words of the description
 * are looked up in the colour lexicon (named colours and the mood/nature lexicon); their colours become
 * weighted candidates in OKLab, nudged by the words' lightness/chroma tendencies ("dark", "pastel").
 * Each palette is a weighted k-means of the candidates, seeded with one colour of every word so each
 * word shows, then balanced: its lightness spread to a minimum range and its colours pushed apart to a
 * minimum distance. Palettes differ by emphasis (palette 1 balanced, then each word in turn weighted up)
 * and by a lightness variant (as found, lighter, deeper), and a palette too close to an earlier one is
 * turned in hue until it is not.
 */

export interface ThemePalette {
  /** "#rrggbb", heaviest (most emphasised) first. */
  colors: string[];
  /** e.g. "ocean sunset", "ocean sunset: ocean, light". */
  name: string;
}

interface Candidate {
  lab: Vec3;
  weight: number;
  /** Index of the word it came from. */
  source: number;
}

/** Smallest OKLab distance between two colours of one palette. */
const MIN_COLOR_DISTANCE = 0.07;
/** Smallest mean distance between a palette and any earlier one. */
const MIN_PALETTE_DISTANCE = 0.04;

export function themeWords(description: string): ColorWordMatch[] {
  const matches = colorsForText(description);
  if (matches.length === 0) {
    const detail = `no colour, mood or nature word recognised in ${describeValue(description)}; expected words such as "ocean sunset" or "calm forest morning"`;
    throw new AppError('invalid_argument', `theme_description: ${detail}`, {
      reason: 'THEME_NOT_RECOGNISED',
      violations: [{ field: 'theme_description', description: detail }],
    });
  }
  return matches;
}

export function themePalettes(description: string, numPalettes: number, numColors: number): ThemePalette[] {
  const words = themeWords(description);
  const base = candidates(words, numColors);
  const title = words.map((w) => w.word).join(' ');
  const palettes: ThemePalette[] = [];
  const labs: Vec3[][] = [];
  for (let p = 0; p < numPalettes; p++) {
    const emphasis = words.length > 1 && p > 0 ? (p - 1) % words.length : -1;
    const variant = LIGHTNESS_VARIANTS[p % LIGHTNESS_VARIANTS.length];
    const weighted = base.map((c) => ({ ...c, weight: c.source === emphasis ? c.weight * 2.5 : c.weight }));
    // One word alone: vary which of its colours leads instead.
    if (words.length === 1 && p > 0) weighted.forEach((c, i) => i % numColors === p % numColors && (c.weight *= 2.5));
    let colors = balance(cluster(weighted, numColors, emphasis), variant.shift);
    for (let turn = 1; turn <= 6 && labs.some((other) => paletteDistance(colors, other) < MIN_PALETTE_DISTANCE); turn++) {
      colors = colors.map((c) => rotateHue(c, (turn % 2 === 1 ? 1 : -1) * 12 * Math.ceil(turn / 2)));
    }
    labs.push(colors);
    const label = [emphasis >= 0 ? words[emphasis].word : '', variant.label].filter(Boolean).join(', ');
    palettes.push({ colors: colors.map(labToHex), name: label ? `${title}: ${label}` : title });
  }
  return palettes;
}

const LIGHTNESS_VARIANTS = [
  { shift: 0, label: '' },
  { shift: 0.06, label: 'light' },
  { shift: -0.07, label: 'deep' },
];

/** Every word's colours in OKLab, with variants for words that bring few, and the words' tendencies applied. */
function candidates(words: ColorWordMatch[], numColors: number): Candidate[] {
  let sumWeight = 0;
  let lightness = 0;
  let chroma = 0;
  for (const w of words) {
    sumWeight += w.weight;
    lightness += w.weight * (w.lightness ?? 0);
    chroma += w.weight * (w.chroma ?? 0);
  }
  lightness /= sumWeight;
  chroma /= sumWeight;
  const out: Candidate[] = [];
  words.forEach((word, source) => {
    const labs = word.colors.map(hexToOklab);
    const each = word.weight / labs.length;
    for (const lab of labs) out.push({ lab, weight: each, source });
    // A named colour is one colour: give it tints, shades and neighbouring hues to build palettes from.
    const wanted = Math.max(3, Math.ceil(numColors / words.length));
    for (let v = 0; labs.length + v < wanted; v++) {
      const [L, C, h] = oklabToOklch(...labs[v % labs.length]);
      const step = Math.floor(v / 4) + 1;
      const variant: Vec3[] = [
        [L + 0.13 * step, C * 0.8, h],
        [L - 0.13 * step, C * 0.9, h],
        [L + 0.04, C, h + 22 * step],
        [L - 0.04, C, h - 22 * step],
      ].map(([l, c, hh]) => oklchToOklab(clamp(l, 0.08, 0.98), c, hh));
      out.push({ lab: variant[v % 4], weight: each * 0.5, source });
    }
  });
  for (const c of out) {
    const [L, C, h] = oklabToOklch(...c.lab);
    c.lab = oklchToOklab(clamp(L + 0.15 * lightness, 0.05, 0.98), C * Math.max(0.1, 1 + 0.5 * chroma), h);
  }
  return out;
}

/** Weighted k-means seeded with the heaviest colour of each word (the emphasised word first). */
function cluster(items: Candidate[], k: number, emphasis: number): { lab: Vec3; weight: number }[] {
  const sources = [...new Set(items.map((c) => c.source))].sort((a, b) => (a === emphasis ? -1 : b === emphasis ? 1 : a - b));
  const centres: Vec3[] = [];
  for (const s of sources) {
    if (centres.length >= k) break;
    const best = items.filter((c) => c.source === s).sort((a, b) => b.weight - a.weight)[0];
    centres.push([...best.lab] as Vec3);
  }
  while (centres.length < k) {
    let best: Candidate | undefined;
    let bestScore = 0;
    for (const c of items) {
      const d = Math.min(...centres.map((x) => distanceSquared(x, c.lab)));
      if (c.weight * d > bestScore) {
        bestScore = c.weight * d;
        best = c;
      }
    }
    if (!best) break;
    centres.push([...best.lab] as Vec3);
  }
  let weights = new Array<number>(centres.length).fill(0);
  for (let iter = 0; iter < 16; iter++) {
    const sums = centres.map(() => [0, 0, 0, 0]);
    for (const c of items) {
      const s = sums[nearest(centres, c.lab)];
      s[0] += c.lab[0] * c.weight;
      s[1] += c.lab[1] * c.weight;
      s[2] += c.lab[2] * c.weight;
      s[3] += c.weight;
    }
    sums.forEach((s, i) => s[3] > 0 && (centres[i] = [s[0] / s[3], s[1] / s[3], s[2] / s[3]]));
    weights = sums.map((s) => s[3]);
  }
  const out = centres.map((lab, i) => ({ lab, weight: weights[i] }));
  out.sort((a, b) => b.weight - a.weight);
  // Fewer distinct candidates than colours: fill with lighter and darker steps of the heaviest ones.
  for (let i = 0; out.length < k; i++) {
    const [L, a, b] = out[i % out.length].lab;
    const step = 0.12 * (Math.floor(i / 2) + 1) * (i % 2 === 0 ? 1 : -1);
    out.push({ lab: [clamp(L + step, 0.05, 0.98), a, b], weight: 0 });
  }
  return out;
}

/**
 * Lightness spread (a palette of k colours covers at least min(0.6, 0.12 (k - 1)) of L) and pairwise
 * distance, then the variant's lightness shift, then the sRGB gamut.
 */
function balance(colors: { lab: Vec3; weight: number }[], shift: number): Vec3[] {
  const labs = colors.map((c) => [...c.lab] as Vec3);
  const k = labs.length;
  const order = labs.map((_, i) => i).sort((a, b) => labs[a][0] - labs[b][0]);
  const lo = labs[order[0]][0];
  const hi = labs[order[k - 1]][0];
  const wanted = Math.min(0.6, 0.12 * (k - 1));
  if (k > 1 && hi - lo < wanted) {
    const mid = clamp((lo + hi) / 2, 0.2 + wanted / 2, 0.95 - wanted / 2);
    order.forEach((index, rank) => {
      const even = mid - wanted / 2 + (wanted * rank) / (k - 1);
      // Keep half of each colour's own position, so the palette's character survives.
      labs[index][0] = 0.5 * labs[index][0] + 0.5 * even;
      if (hi - lo < wanted / 2) labs[index][0] = even;
    });
  }
  for (let pass = 0; pass < 8; pass++) {
    let moved = false;
    for (let i = 0; i < k; i++) {
      for (let j = i + 1; j < k; j++) {
        const d = Math.sqrt(distanceSquared(labs[i], labs[j]));
        if (d >= MIN_COLOR_DISTANCE) continue;
        const [dark, light] = labs[i][0] <= labs[j][0] ? [labs[i], labs[j]] : [labs[j], labs[i]];
        const push = (MIN_COLOR_DISTANCE - d) / 2 + 1e-3;
        dark[0] = clamp(dark[0] - push, 0.03, 0.99);
        light[0] = clamp(light[0] + push, 0.03, 0.99);
        moved = true;
      }
    }
    if (!moved) break;
  }
  return labs.map(([L, a, b]) => {
    const rgb = gamutMapToLinear(clamp(L + shift, 0.03, 0.99), a, b);
    // Back to OKLab of the colour actually shown, so later distances compare what is seen.
    return hexToOklab(rgbHex(rgb));
  });
}

function paletteDistance(a: Vec3[], b: Vec3[]): number {
  // Mean distance from each colour to its nearest in the other palette, both ways.
  const one = (x: Vec3[], y: Vec3[]) => x.reduce((sum, c) => sum + Math.sqrt(Math.min(...y.map((d) => distanceSquared(c, d)))), 0) / x.length;
  return (one(a, b) + one(b, a)) / 2;
}

function rotateHue(lab: Vec3, degrees: number): Vec3 {
  const [L, C, h] = oklabToOklch(...lab);
  return hexToOklab(rgbHex(gamutMapToLinear(...oklchToOklab(L, C, h + degrees))));
}

function labToHex(lab: Vec3): string {
  return rgbHex(gamutMapToLinear(lab[0], lab[1], lab[2]));
}

function rgbHex(linear: Vec3): string {
  return `#${linear.map((c) => Math.round(linearToSrgb(c) * 255).toString(16).padStart(2, '0')).join('')}`;
}

function nearest(centres: Vec3[], lab: Vec3): number {
  let best = 0;
  for (let i = 1; i < centres.length; i++) if (distanceSquared(centres[i], lab) < distanceSquared(centres[best], lab)) best = i;
  return best;
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
