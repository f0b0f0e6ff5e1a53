import { tooLarge, type AppError } from '../errors/index.js';

/**
 * Throws resource_exhausted (PIXEL_LIMIT_EXCEEDED) naming the declared size when width x height x pages
 * is over the limit. Free of sharp, so the main thread can refuse a decompression bomb too.
 */
export function checkPixels(width: number, height: number, pages: number, ctx: { field: string; maxInputPixels: number }): void {
  if (width * height * pages > ctx.maxInputPixels) throw pixelLimitError(width, height, pages, ctx);
}

export function pixelLimitError(width: number, height: number, pages: number, ctx: { field: string; maxInputPixels: number }): AppError {
  const frames = pages > 1 ? ` x ${pages} frames` : '';
  return tooLarge(ctx.field, `${ctx.maxInputPixels} pixels`, `${width}x${height}${frames} = ${width * height * pages} pixels`, 'PIXEL_LIMIT_EXCEEDED');
}
