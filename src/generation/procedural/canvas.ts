import type { Vec3 } from '../../color/oklab.js';
import { labToHex, type PaletteColor } from './prompt-palette.js';
import type { Random } from './seeded-random.js';

/** What a drawing technique works with: the size, the colours, two random streams and the defs it adds. */
export interface Canvas {
  w: number;
  h: number;
  /** The shorter side: sizes scale with it, so a scene looks the same at any resolution. */
  min: number;
  /** Places shapes: depends on the seed (and technique) only, so colour words never move the layout. */
  layout: Random;
  /** Picks colours. */
  tint: Random;
  palette: PaletteColor[];
  /** 1-150 (the request's steps): more elements and finer structure as it grows. */
  detail: number;
  /** The seed folded to 0-999, for feTurbulence. */
  noiseSeed: number;
  defs: string[];
}

/** Numbers as SVG text: one decimal, the same on every machine. */
export const n = (x: number): string => {
  const r = Math.round(x * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
};

/** Opacities and other fractions: two decimals. */
export const op = (x: number): string => String(Math.round(x * 100) / 100);

export function weighted(c: Canvas): string {
  const total = c.palette.reduce((sum, p) => sum + p.weight, 0);
  let r = c.tint() * total;
  for (const p of c.palette) {
    r -= p.weight;
    if (r < 0) return p.hex;
  }
  return c.palette[c.palette.length - 1].hex;
}

/** The palette from light to dark. */
export function byLightness(c: Canvas): PaletteColor[] {
  return [...c.palette].sort((a, b) => b.lab[0] - a.lab[0] || (a.hex < b.hex ? -1 : 1));
}

export function shade(color: PaletteColor | Vec3, dL: number, chroma = 1): string {
  const lab = 'lab' in color ? color.lab : color;
  return labToHex([Math.min(0.98, Math.max(0.04, lab[0] + dL)), lab[1] * chroma, lab[2] * chroma]);
}

/** OKLab mix of two colours, t from 0 (a) to 1 (b). */
export function mix(a: PaletteColor | Vec3, b: PaletteColor | Vec3, t: number): Vec3 {
  const x = 'lab' in a ? a.lab : a;
  const y = 'lab' in b ? b.lab : b;
  return [x[0] + (y[0] - x[0]) * t, x[1] + (y[1] - x[1]) * t, x[2] + (y[2] - x[2]) * t];
}

/** A colour along the whole palette (light to dark) at t in 0-1, mixed in OKLab. */
export function along(ramp: PaletteColor[], t: number): Vec3 {
  if (ramp.length === 1) return ramp[0].lab;
  const x = Math.min(0.9999, Math.max(0, t)) * (ramp.length - 1);
  const i = Math.floor(x);
  return mix(ramp[i], ramp[i + 1], x - i);
}

/** A smooth field in 0-1 from a few sine waves with random frequencies and phases. */
export function waveField(random: Random, w: number, h: number, waves = 3): (x: number, y: number) => number {
  const terms = Array.from({ length: waves }, () => ({
    fx: (0.5 + random() * 2.5) / w,
    fy: (0.5 + random() * 2.5) / h,
    px: random() * Math.PI * 2,
    py: random() * Math.PI * 2,
  }));
  return (x, y) => {
    let v = 0;
    for (const t of terms) v += Math.sin(x * t.fx * Math.PI * 2 + t.px) * Math.cos(y * t.fy * Math.PI * 2 + t.py);
    return 0.5 + v / (2 * waves);
  };
}

/** Film grain / paper texture: fractal noise, desaturated, laid over the scene at low opacity. */
export function grain(c: Canvas, id: string, frequency: number, opacity: number): string {
  c.defs.push(
    `<filter id="${id}" x="0" y="0" width="100%" height="100%"><feTurbulence type="fractalNoise" baseFrequency="${frequency}" numOctaves="1" seed="${c.noiseSeed}" stitchTiles="stitch"/><feColorMatrix type="saturate" values="0"/></filter>`,
  );
  return `<rect width="${c.w}" height="${c.h}" filter="url(#${id})" opacity="${opacity}"/>`;
}
