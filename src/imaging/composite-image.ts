import sharp, { type OverlayOptions, type Sharp } from 'sharp';
import { deadlineExceeded, invalidArgument, tooLarge } from '../errors/index.js';
import { encodeOutput, type EncodeContext } from './encode-output.js';
import type { Anchor } from './image-processor.js';
import type { InputFormat } from './image-formats.js';
import { checkOutputPixels, planPixels } from './plan-pixels.js';
import { readHeader, type ImageHeader } from './read-header.js';
import { fromSharpError } from './sharp-error.js';
import { renderPixels, sharpFromPixels, type RawPixels } from './steps/raw-pixels.js';
import type { WireCompositeSpec, WireImage } from './task-protocol.js';
import { timeoutSeconds } from './timeout-seconds.js';

export interface CompositeContext extends EncodeContext {
  maxInputPixels: number;
  maxOutputPixels: number;
}

type WireCompositeLayer = WireCompositeSpec['layers'][number];

/** A layer ready to draw: RGBA pixels inside the canvas, and where they go. */
interface Placed {
  data: Buffer;
  width: number;
  height: number;
  left: number;
  top: number;
}

/** Overlay pixels held before they are drawn: at least this, at most one canvas' worth. */
const MIN_BATCH_BYTES = 64 * 1024 * 1024;
const TRANSPARENT = { r: 0, g: 0, b: 0, alpha: 0 };

/**
 * Worker side of ImageProcessor.composite. Every layer's header is read and checked against the pixel
 * limit before any layer is decoded. Each layer is then rendered (oriented, resized, rotated), faded,
 * clipped to the canvas (sharp refuses overlays larger than, or reaching outside, the base) and drawn in
 * order. Overlays are drawn in batches bounded by MIN_BATCH_BYTES or the canvas size, so 32 large
 * layers never sit in memory at once. The canvas is rendered before encoding: sharp would flatten (jpeg)
 * before compositing, which changes what every blend mode but `over` gives.
 */
export async function compositeImage(inputs: Buffer[], formats: InputFormat[], spec: WireCompositeSpec, ctx: CompositeContext): Promise<WireImage> {
  const { width, height } = spec;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw invalidArgument('width', 'a canvas of at least 1x1 pixels', `${width}x${height}`);
  }
  if (width > ctx.maxOutputDimension || height > ctx.maxOutputDimension) {
    throw tooLarge('canvas', `${ctx.maxOutputDimension} pixels per side`, `${width}x${height}`, 'PIXEL_LIMIT_EXCEEDED');
  }
  checkOutputPixels('canvas', width, height, ctx.maxOutputPixels);
  if (inputs.length !== spec.layers.length || formats.length !== spec.layers.length) {
    throw new Error(`composite task with ${spec.layers.length} layers carries ${inputs.length} inputs and ${formats.length} formats`);
  }
  const fields = spec.layers.map((layer, i) => layer.field ?? `layers[${i}]`);
  const headers: ImageHeader[] = [];
  for (const [i, input] of inputs.entries()) {
    headers.push(await readHeader(input, { field: fields[i], format: formats[i], maxInputPixels: ctx.maxInputPixels }));
  }

  const batchBytes = Math.max(MIN_BATCH_BYTES, width * height * 4);
  const canvasCtx = { field: 'layers', format: 'png' as const, maxInputPixels: ctx.maxInputPixels };
  const draw = async (current: RawPixels | undefined, overlays: OverlayOptions[]): Promise<RawPixels> => {
    try {
      return await renderPixels(base(current, spec, ctx.deadline).composite(overlays));
    } catch (error) {
      throw fromSharpError(error, canvasCtx);
    }
  };
  let canvas: RawPixels | undefined;
  let batch: OverlayOptions[] = [];
  let held = 0;
  for (const [i, layer] of spec.layers.entries()) {
    checkDeadline(ctx.deadline);
    const layerCtx = { field: fields[i], format: formats[i], maxInputPixels: ctx.maxInputPixels, maxOutputPixels: ctx.maxOutputPixels };
    let placed: Placed | undefined;
    try {
      placed = await placeLayer(inputs[i], headers[i], layer, spec, layerCtx, ctx.deadline);
    } catch (error) {
      throw fromSharpError(error, layerCtx);
    }
    if (placed === undefined) continue;
    if (held > 0 && held + placed.data.byteLength > batchBytes) {
      canvas = await draw(canvas, batch);
      batch = [];
      held = 0;
    }
    batch.push({ input: placed.data, raw: { width: placed.width, height: placed.height, channels: 4 }, left: placed.left, top: placed.top, blend: layer.blend });
    held += placed.data.byteLength;
  }
  checkDeadline(ctx.deadline);
  const rendered = await draw(canvas, batch);
  try {
    return await encodeOutput(sharpFromPixels(rendered, ctx.deadline), { width, height }, spec.output, ctx);
  } catch (error) {
    throw fromSharpError(error, canvasCtx);
  }
}

/** The canvas so far, or a fresh one of the background colour. */
function base(canvas: RawPixels | undefined, spec: WireCompositeSpec, deadline: number): Sharp {
  if (canvas !== undefined) return sharpFromPixels(canvas, deadline);
  const background = spec.background === undefined ? TRANSPARENT : parseHex(spec.background);
  return sharp({ create: { width: spec.width, height: spec.height, channels: 4, background } }).timeout({ seconds: timeoutSeconds(deadline) });
}

async function placeLayer(
  input: Buffer,
  header: ImageHeader,
  layer: WireCompositeLayer,
  canvas: { width: number; height: number },
  ctx: { field: string; maxInputPixels: number; maxOutputPixels: number },
  deadline: number,
): Promise<Placed | undefined> {
  checkResizedSize(header, layer.box, ctx);
  let image = sharp(input, { limitInputPixels: ctx.maxInputPixels, failOn: 'truncated', autoOrient: true }).timeout({
    seconds: timeoutSeconds(deadline),
  });
  if (layer.box !== undefined) image = image.resize({ width: layer.box.width, height: layer.box.height, fit: 'inside' });
  const upright = await renderPixels(image.ensureAlpha());
  // Rotation in a pipeline of its own: the placement needs the unrotated size, and sharp orders a
  // rotation and a resize in one pipeline by its own rules.
  const turned = layer.rotation % 360 === 0 ? upright : await renderPixels(sharpFromPixels(upright, deadline).rotate(layer.rotation, { background: TRANSPARENT }));
  const pixels = turned.channels === 4 ? turned : await renderPixels(sharpFromPixels(turned, deadline).ensureAlpha());

  // Where the unrotated layer goes; the rotated one keeps its centre there.
  const at = 'anchor' in layer.position ? anchored(layer.position.anchor, upright, canvas) : layer.position;
  const left = at.left + Math.round((upright.width - pixels.width) / 2);
  const top = at.top + Math.round((upright.height - pixels.height) / 2);
  const x0 = Math.max(0, -left);
  const y0 = Math.max(0, -top);
  const x1 = Math.min(pixels.width, canvas.width - left);
  const y1 = Math.min(pixels.height, canvas.height - top);
  if (x1 <= x0 || y1 <= y0) return undefined; // entirely off the canvas
  return { data: clipAndFade(pixels, x0, y0, x1 - x0, y1 - y0, layer.opacity), width: x1 - x0, height: y1 - y0, left: left + x0, top: top + y0 };
}

/** Refuses a box that would blow a small image up past the output limit, before it is decoded. */
function checkResizedSize(header: ImageHeader, box: WireCompositeLayer['box'], ctx: { field: string; maxOutputPixels: number }): void {
  if (box === undefined) return;
  planPixels([{ op: 'resize', ...box, fit: 'inside', field: ctx.field }], header, ctx.maxOutputPixels);
}

function anchored(anchor: Anchor, layer: { width: number; height: number }, canvas: { width: number; height: number }): { left: number; top: number } {
  const centreX = Math.floor((canvas.width - layer.width) / 2);
  const centreY = Math.floor((canvas.height - layer.height) / 2);
  const right = canvas.width - layer.width;
  const bottom = canvas.height - layer.height;
  switch (anchor) {
    case 'centre':
      return { left: centreX, top: centreY };
    case 'north':
      return { left: centreX, top: 0 };
    case 'northeast':
      return { left: right, top: 0 };
    case 'east':
      return { left: right, top: centreY };
    case 'southeast':
      return { left: right, top: bottom };
    case 'south':
      return { left: centreX, top: bottom };
    case 'southwest':
      return { left: 0, top: bottom };
    case 'west':
      return { left: 0, top: centreY };
    case 'northwest':
      return { left: 0, top: 0 };
  }
}

/**
 * The visible rectangle of RGBA pixels with its alpha multiplied by `opacity`: sharp's composite has no
 * per-layer opacity, and a faded alpha is exactly what `over` and the blend modes weight the layer by.
 */
function clipAndFade(pixels: RawPixels, x: number, y: number, width: number, height: number, opacity: number): Buffer {
  const whole = x === 0 && y === 0 && width === pixels.width && height === pixels.height;
  let out = pixels.data;
  if (!whole) {
    out = Buffer.allocUnsafe(width * height * 4);
    for (let row = 0; row < height; row++) {
      const start = ((y + row) * pixels.width + x) * 4;
      pixels.data.copy(out, row * width * 4, start, start + width * 4);
    }
  }
  if (opacity < 1) {
    for (let i = 3; i < out.length; i += 4) out[i] = Math.round(out[i] * opacity);
  }
  return out;
}

/** "#rrggbb" or "#rrggbbaa" (validated at the boundary) as sharp's colour object. */
function parseHex(hex: string): { r: number; g: number; b: number; alpha: number } {
  const byte = (i: number): number => Number.parseInt(hex.slice(i, i + 2), 16);
  return { r: byte(1), g: byte(3), b: byte(5), alpha: hex.length === 9 ? byte(7) / 255 : 1 };
}

function checkDeadline(deadline: number): void {
  if (Date.now() >= deadline) throw deadlineExceeded('image processing was stopped at the deadline (between composite layers)');
}
