import imageTracer from 'imagetracerjs';
import type { Sharp } from 'sharp';
import { deadlineExceeded, tooLarge } from '../errors/index.js';
import type { SvgOptions } from './image-processor.js';
import { CONTENT_TYPES } from './image-formats.js';
import { renderPixels, sharpFromPixels, type RawPixels } from './steps/raw-pixels.js';
import type { WireImage } from './task-protocol.js';

/**
 * The longer side of the raster that is traced. Tracing is plain JavaScript that nothing can interrupt,
 * and its time and output grow with the pixels: at 512, 64 colours of a detailed photo take about half a
 * second and 1-2 MB of SVG; at 1024 twice that time and often more than the 4 MiB default limit.
 */
const TRACE_MAX_SIDE = 512;

interface TraceContext {
  maxOutputDimension: number;
  deadline: number;
}

/**
 * SVG output. A colour trace by imagetracerjs (k-means posterisation to `colors`, then outlines per
 * colour as curves), of a copy downscaled to TRACE_MAX_SIDE and median-filtered to spare it the noise;
 * the SVG keeps the full size and scales the trace with its viewBox. Falls back to the raster embedded
 * as a PNG `<image>` when asked to, when tracing fails or when the trace exceeds maxSvgBytes, and says
 * why in `note`.
 */
export async function traceSvg(image: Sharp, options: SvgOptions, ctx: TraceContext): Promise<WireImage> {
  if (options.background !== undefined) image.flatten({ background: options.background });
  const pixels = await renderPixels(image);
  if (pixels.width > ctx.maxOutputDimension || pixels.height > ctx.maxOutputDimension) {
    throw tooLarge('output image', `${ctx.maxOutputDimension} pixels per side`, `${pixels.width}x${pixels.height}`, 'OUTPUT_TOO_LARGE');
  }
  if (options.embedRaster) return embedded(pixels, ctx, 'embed_raster was set: the image is embedded as a PNG raster');
  const raster = await traceRaster(pixels, ctx.deadline);
  if (Date.now() >= ctx.deadline) throw deadlineExceeded('image processing was stopped at the deadline (before tracing)');
  let svg: string;
  try {
    svg = trace(raster, options.colors, pixels);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return embedded(pixels, ctx, `vector tracing failed (${reason}): the image is embedded as a PNG raster instead`);
  }
  const data = Buffer.from(svg, 'utf8');
  if (data.byteLength > options.maxSvgBytes) {
    return embedded(pixels, ctx, `the vector trace was ${data.byteLength} bytes, over max_svg_bytes (${options.maxSvgBytes}): the image is embedded as a PNG raster instead`);
  }
  return { data, format: 'svg', contentType: CONTENT_TYPES.svg, width: pixels.width, height: pixels.height, vectorTraced: true };
}

/** RGBA of at most TRACE_MAX_SIDE a side, median-filtered where it is big enough for the 3x3 window. */
async function traceRaster(pixels: RawPixels, deadline: number): Promise<RawPixels> {
  const render = async (image: Sharp): Promise<RawPixels> => {
    const { data, info } = await image.ensureAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 4) throw new Error(`expected RGBA to trace, got ${info.channels} channels`);
    return { data, width: info.width, height: info.height, channels: 4 };
  };
  const small = await render(sharpFromPixels(pixels, deadline).resize(TRACE_MAX_SIDE, TRACE_MAX_SIDE, { fit: 'inside', withoutEnlargement: true }));
  return small.width < 3 || small.height < 3 ? small : render(sharpFromPixels(small, deadline).median(3));
}

function trace(raster: RawPixels, colors: number, full: { width: number; height: number }): string {
  const options = {
    numberofcolors: colors,
    // Deterministic: palette sampled on a grid, no random re-seeding of rare colours.
    colorsampling: 2,
    mincolorratio: 0,
    colorquantcycles: 3,
    // Outlines shorter than 8 points are speckle on a photo, but may be all there is of a tiny image.
    pathomit: Math.min(raster.width, raster.height) < 32 ? 0 : 8,
    ltres: 1,
    qtres: 1,
    roundcoords: 1,
    viewbox: true,
  } as const;
  const traced = imageTracer.imagedataToTracedata(raster, { ...options });
  // Fully transparent colours would only add invisible paths.
  traced.layers = traced.layers.map((layer, i) => (traced.palette[i]?.a === 0 ? [] : layer));
  if (traced.layers.every((layer) => layer.length === 0) && hasVisiblePixels(raster)) throw new Error('no shapes were traced');
  const body = imageTracer.getsvgstring(traced, { ...options }).replace(/^<svg[^>]*>/, '');
  const root =
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${full.width}" height="${full.height}" ` +
    `viewBox="0 0 ${raster.width} ${raster.height}" preserveAspectRatio="none">`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root}${body}\n`;
}

function hasVisiblePixels(pixels: RawPixels): boolean {
  for (let i = 3; i < pixels.data.length; i += 4) if (pixels.data[i] !== 0) return true;
  return false;
}

/** The graceful degradation: the full raster as a base64 PNG inside an SVG of the same size. */
async function embedded(pixels: RawPixels, ctx: TraceContext, note: string): Promise<WireImage> {
  const png = await sharpFromPixels(pixels, ctx.deadline).png().toBuffer();
  const { width, height } = pixels;
  const svg =
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" ` +
    `width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<image width="${width}" height="${height}" xlink:href="data:image/png;base64,${png.toString('base64')}"/></svg>\n`;
  return { data: Buffer.from(svg, 'utf8'), format: 'svg', contentType: CONTENT_TYPES.svg, width, height, vectorTraced: false, note };
}
