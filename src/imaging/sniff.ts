import type { InputFormat } from './image-formats.js';

/**
 * Recognises an image format from its first bytes. The caller's content type and file name are never
 * trusted; this decides. Pure and cheap, so the main thread can reject unknown data before any worker
 * is involved.
 */
export function sniffFormat(bytes: Uint8Array): InputFormat | undefined {
  if (startsWith(bytes, PNG)) return 'png';
  if (startsWith(bytes, JPEG)) return 'jpeg';
  if (startsWith(bytes, GIF87) || startsWith(bytes, GIF89)) return 'gif';
  if (startsWith(bytes, RIFF) && startsWith(bytes, WEBP, 8)) return 'webp';
  if (startsWith(bytes, FTYP, 4)) return isoBrandFormat(bytes);
  if (startsWith(bytes, TIFF_LE) || startsWith(bytes, TIFF_BE)) return 'tiff';
  if (startsWith(bytes, JXL_CODESTREAM) || startsWith(bytes, JXL_CONTAINER)) return 'jxl';
  if (isBmp(bytes)) return 'bmp';
  if (isSvg(bytes)) return 'svg';
  return undefined;
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
const GIF87 = ascii('GIF87a');
const GIF89 = ascii('GIF89a');
const RIFF = ascii('RIFF');
const WEBP = ascii('WEBP');
const FTYP = ascii('ftyp');
const TIFF_LE = [0x49, 0x49, 0x2a, 0x00];
const TIFF_BE = [0x4d, 0x4d, 0x00, 0x2a];
const JXL_CODESTREAM = [0xff, 0x0a];
const JXL_CONTAINER = [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a];

const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);
/** BITMAPCOREHEADER .. BITMAPV5HEADER: "BM" alone is too weak a signature (plain text can start with it). */
const BMP_DIB_HEADER_SIZES = new Set([12, 40, 52, 56, 64, 108, 124]);

function startsWith(bytes: Uint8Array, signature: number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((b, i) => bytes[offset + i] === b);
}

function fourCc(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]);
}

/**
 * An ISO base media file: the ftyp box lists a major brand and compatible brands. AVIF files often carry
 * the generic `mif1` as major brand with `avif` among the compatible ones, so AVIF wins when listed at all.
 */
function isoBrandFormat(bytes: Uint8Array): InputFormat | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxSize = Math.min(bytes.length >= 4 ? view.getUint32(0) : 0, bytes.length);
  const brands: string[] = [];
  if (boxSize >= 12) brands.push(fourCc(bytes, 8));
  // Compatible brands start after the 4-byte minor version at offset 12.
  for (let offset = 16; offset + 4 <= boxSize; offset += 4) brands.push(fourCc(bytes, offset));
  if (brands.some((b) => AVIF_BRANDS.has(b))) return 'avif';
  if (brands.some((b) => HEIF_BRANDS.has(b))) return 'heif';
  return undefined;
}

function isBmp(bytes: Uint8Array): boolean {
  if (bytes.length < 18 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) return false;
  const dibHeaderSize = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(14, true);
  return BMP_DIB_HEADER_SIZES.has(dibHeaderSize);
}

/** SVG is text: a leading `<svg`, or an XML prolog, doctype or comment followed by `<svg` in the first KB. */
function isSvg(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 1024))
    .toString('latin1')
    .replace(/^\xef\xbb\xbf/, '')
    .trimStart();
  if (/^<svg[\s>/]/i.test(head)) return true;
  return /^<[?!]/.test(head) && /<svg[\s>/]/i.test(head);
}
