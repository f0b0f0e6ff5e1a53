import sharp from 'sharp';
import { linearRgbToOklabInto, SRGB_TO_LINEAR } from '../color/oklab.js';
import type { ComputationContext } from './computation-context.js';
import { readHeader } from './read-header.js';
import { fromSharpError } from './sharp-error.js';
import { timeoutSeconds } from './timeout-seconds.js';

export interface SceneBlendParams {
  /** An SVG scene (built by the procedural generator), rendered at the input's decoded size. */
  svg: string;
  /** How far colour (OKLab a, b) moves from the input toward the scene: 0 keeps the input, 1 gives the scene. */
  strength: number;
  /** The same for lightness (OKLab L): lower than `strength` keeps more of the input's structure. */
  lightnessStrength: number;
  /** The input is shrunk to fit this on its longer side (never enlarged). */
  maxSide: number;
}

export interface SceneBlendResult {
  /** PNG. */
  data: Uint8Array;
  width: number;
  height: number;
}

/** Linear 0-1 → sRGB byte, as a table: the per-pixel path does no pow(). */
const LINEAR_TO_SRGB = (() => {
  const t = new Uint8Array(4097);
  for (let i = 0; i <= 4096; i++) {
    const x = i / 4096;
    const c = x <= 0.0031308 ? 12.92 * x : 1.055 * x ** (1 / 2.4) - 0.055;
    t[i] = Math.round(Math.min(1, Math.max(0, c)) * 255);
  }
  return t;
})();

function encode(x: number): number {
  return LINEAR_TO_SRGB[Math.round(Math.min(1, Math.max(0, x)) * 4096)];
}

/**
 * The procedural generator's image-to-image: renders the scene at the input's size and blends the two
 * per pixel in OKLab (perceptual, so a half blend looks half way), returning a PNG.
 */
export async function sceneBlend(input: Buffer, params: SceneBlendParams, ctx: ComputationContext): Promise<SceneBlendResult> {
  await readHeader(input, ctx);
  const maxSide = Math.max(1, Math.min(params.maxSide, ctx.maxOutputDimension));
  let base: { data: Buffer; info: sharp.OutputInfo };
  let scene: Buffer;
  try {
    base = await sharp(input, { limitInputPixels: ctx.maxInputPixels, failOn: 'truncated', autoOrient: true })
      .timeout({ seconds: timeoutSeconds(ctx.deadline) })
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .flatten({ background: '#ffffff' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw fromSharpError(error, ctx);
  }
  const { width, height } = base.info;
  try {
    scene = await sharp(Buffer.from(params.svg), { limitInputPixels: ctx.maxInputPixels })
      .timeout({ seconds: timeoutSeconds(ctx.deadline) })
      .resize(width, height, { fit: 'fill' })
      .toColourspace('srgb')
      .flatten({ background: '#ffffff' })
      .removeAlpha()
      .raw()
      .toBuffer();
  } catch (error) {
    throw fromSharpError(error, { ...ctx, field: 'scene', format: 'svg' });
  }

  const t = Math.min(1, Math.max(0, params.strength));
  const tL = Math.min(1, Math.max(0, params.lightnessStrength));
  const out = Buffer.alloc(width * height * 3);
  const p = new Float64Array(3);
  const q = new Float64Array(3);
  const src = base.data;
  for (let i = 0; i < out.length; i += 3) {
    linearRgbToOklabInto(SRGB_TO_LINEAR[src[i]], SRGB_TO_LINEAR[src[i + 1]], SRGB_TO_LINEAR[src[i + 2]], p);
    linearRgbToOklabInto(SRGB_TO_LINEAR[scene[i]], SRGB_TO_LINEAR[scene[i + 1]], SRGB_TO_LINEAR[scene[i + 2]], q);
    const L = p[0] + (q[0] - p[0]) * tL;
    const a = p[1] + (q[1] - p[1]) * t;
    const b = p[2] + (q[2] - p[2]) * t;
    // OKLab → linear sRGB (Ottosson), inlined: this loop runs once per pixel.
    const l = (L + 0.3963377774 * a + 0.2158037573 * b) ** 3;
    const m = (L - 0.1055613458 * a - 0.0638541728 * b) ** 3;
    const s = (L - 0.0894841775 * a - 1.291485548 * b) ** 3;
    out[i] = encode(4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s);
    out[i + 1] = encode(-1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s);
    out[i + 2] = encode(-0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s);
  }
  try {
    const png = await sharp(out, { raw: { width, height, channels: 3 } }).png().toBuffer();
    // A copy in memory V8 owns: sharp's own buffer cannot cross the thread boundary without one.
    return { data: new Uint8Array(png), width, height };
  } catch (error) {
    throw fromSharpError(error, ctx);
  }
}
