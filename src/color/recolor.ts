import { srgbToOklab, type Vec3 } from './oklab.js';
import { matchPalettes } from './recolor-match.js';
import { recolorPalette, type PaletteCluster } from './recolor-palette.js';
import { createColorTransfer, transferLut } from './recolor-transfer.js';

/**
 * Recolouring an image towards a target palette (ImageService.ApplyPaletteToImage and the theme RPC):
 * the image's own palette (as many colours as the target has), matched to the target colours, turned
 * into an RBF colour transfer, sampled on a 33^3 sRGB grid. The lut3d pipeline step then maps every
 * pixel by trilinear interpolation, so the per-pixel cost is a few lookups whatever the palette size.
 */

/** Grid points per channel: 33 (steps of about 8 levels) keeps interpolation error under a level or two. */
export const RECOLOR_LUT_SIZE = 33;

export interface RecolorPlan {
  /** The image's palette, heaviest first. */
  source: PaletteCluster[];
  /** The target colours in OKLab, as given. */
  target: Vec3[];
  /** For each source colour, the index of its target colour. */
  match: number[];
}

export function hexToOklab(hex: string): Vec3 {
  const n = Number.parseInt(hex.slice(1, 7), 16);
  return srgbToOklab((n >> 16) & 255, (n >> 8) & 255, n & 255);
}

/** Extracts the source palette from interleaved 8-bit RGB(A) pixels and matches it to `targetHex`. */
export function planRecolor(data: Uint8Array, channels: 3 | 4, targetHex: readonly string[]): RecolorPlan {
  const target = targetHex.map(hexToOklab);
  const source = recolorPalette(data, channels, target.length);
  return { source, target, match: matchPalettes(source.map((s) => s.lab), target) };
}

/** The lookup table of a plan at `strength` (0 = identity, 1 = full recolouring), for the lut3d step. */
export function recolorLut(plan: RecolorPlan, strength: number, size = RECOLOR_LUT_SIZE): Float32Array {
  if (plan.source.length === 0) return transferLut({ apply: (L, a, b, out) => ((out[0] = L), (out[1] = a), (out[2] = b)) }, 0, size);
  const transfer = createColorTransfer(
    plan.source.map((s) => s.lab),
    plan.match.map((j) => plan.target[j]),
  );
  return transferLut(transfer, strength, size);
}
