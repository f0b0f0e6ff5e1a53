import type { InputFormat } from './image-formats.js';
import { jpegHeader } from './jpeg-header.js';

export interface DeclaredSize {
  width: number;
  height: number;
  /**
   * Whether the header around the size has the structure its format requires (JPEG: markers up to the
   * frame header; PNG: the IHDR chunk; WebP: a VP8X/VP8L/VP8 chunk with its signature), so that a size
   * over the pixel limit is a decompression bomb and not bytes that only start like an image. GIF and
   * BMP keep their size in a few bytes right after the signature, with nothing around it to check.
   */
  checked: boolean;
}

/**
 * The size an image's header declares (its first frame's canvas), read in JavaScript on the main thread
 * for the formats whose size sits at a fixed place or behind a few markers: JPEG, PNG, GIF, WebP and
 * BMP. Undefined for the rest (AVIF, HEIF, TIFF, JPEG XL, SVG) and for anything unclear. The pool uses
 * it to weigh work for admission and to refuse a decompression bomb before it takes a queue slot; the
 * worker still reads the header properly and enforces the pixel limit (all frames) before decoding.
 */
export function declaredSize(data: Uint8Array, format: InputFormat): DeclaredSize | undefined {
  const size = headerSize(data, format);
  if (!size || !(size.width > 0) || !(size.height > 0)) return undefined;
  return { width: size.width, height: size.height, checked: format !== 'gif' && format !== 'bmp' };
}

/** "IHDR" as a big-endian 32-bit number. */
const IHDR = 0x49484452;

function headerSize(data: Uint8Array, format: InputFormat): { width: number; height: number } | undefined {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const has = (bytes: number) => data.byteLength >= bytes;
  switch (format) {
    case 'jpeg':
      return jpegHeader(data);
    case 'png':
      // The signature, then IHDR: length, type, width and height (big-endian).
      return has(24) && view.getUint32(12) === IHDR ? { width: view.getUint32(16), height: view.getUint32(20) } : undefined;
    case 'gif':
      // The logical screen descriptor after the 6-byte signature (little-endian).
      return has(10) ? { width: view.getUint16(6, true), height: view.getUint16(8, true) } : undefined;
    case 'bmp':
      return bmpSize(view);
    case 'webp':
      return webpSize(data, view);
    default:
      return undefined;
  }
}

function bmpSize(view: DataView): { width: number; height: number } | undefined {
  if (view.byteLength < 26) return undefined;
  // BITMAPCOREHEADER (12 bytes) has 16-bit sizes; the later headers 32-bit, the height negative when top-down.
  if (view.getUint32(14, true) === 12) return { width: view.getUint16(18, true), height: view.getUint16(20, true) };
  return { width: view.getInt32(18, true), height: Math.abs(view.getInt32(22, true)) };
}

/** RIFF, size, WEBP, then the first chunk: VP8X (extended), VP8L (lossless) or VP8 (lossy). */
function webpSize(data: Uint8Array, view: DataView): { width: number; height: number } | undefined {
  if (view.byteLength < 30) return undefined;
  const chunk = String.fromCharCode(data[12], data[13], data[14], data[15]);
  if (chunk === 'VP8X') {
    const uint24 = (at: number) => data[at] | (data[at + 1] << 8) | (data[at + 2] << 16);
    return { width: uint24(24) + 1, height: uint24(27) + 1 };
  }
  if (chunk === 'VP8L') {
    if (data[20] !== 0x2f) return undefined;
    const bits = view.getUint32(21, true);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8 ') {
    // A key frame's start code, then 14-bit sizes (the top two bits are the scale).
    if (data[23] !== 0x9d || data[24] !== 0x01 || data[25] !== 0x2a) return undefined;
    return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
  }
  return undefined;
}
