import { tooLarge } from '../errors/index.js';

/**
 * Throws resource_exhausted (PIXEL_LIMIT_EXCEEDED) naming the declared size when width x height x pages
 * is over the limit. Free of sharp, so the main thread can refuse a decompression bomb too.
 */
export function checkPixels(width: number, height: number, pages: number, ctx: { field: string; maxInputPixels: number }): void {
  const pixels = width * height * pages;
  if (pixels > ctx.maxInputPixels) {
    const frames = pages > 1 ? ` x ${pages} frames` : '';
    throw tooLarge(ctx.field, `${ctx.maxInputPixels} pixels`, `${width}x${height}${frames} = ${pixels} pixels`, 'PIXEL_LIMIT_EXCEEDED');
  }
}
