import { ifdEntries, readTiff } from '../util/tiff-ifd.js';

/** What a JPEG's markers say before any pixel is decoded. */
export interface JpegHeader {
  width: number;
  height: number;
  /** Colour components: 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK. */
  components: number;
  /** EXIF orientation 1-8; 1 when the file has no EXIF orientation. */
  orientation: number;
}

const SOI = 0xd8;
const SOS = 0xda;
const EOI = 0xd9;
const APP1 = 0xe1;
const EXIF_ID = 'Exif\0\0';
const ORIENTATION_TAG = 0x0112;

/**
 * Reads a JPEG's size, components and EXIF orientation from its markers, in microseconds and without
 * libvips: the pipeline needs them before it starts, and asking sharp (metadata()) costs a libvips
 * header read and a trip through the thread pool per image, measurable on small photos.
 *
 * Returns undefined for anything it is not sure of (no frame header before the scan, a DNL-defined
 * height, several EXIF blocks, an unusual orientation value, a damaged marker), and the caller asks sharp.
 */
export function jpegHeader(data: Uint8Array): JpegHeader | undefined {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== SOI) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let frame: Omit<JpegHeader, 'orientation'> | undefined;
  let orientation = 1;
  let exifBlocks = 0;
  let pos = 2;
  while (pos + 4 <= data.length) {
    if (data[pos] !== 0xff) return undefined;
    // Any number of 0xFF fill bytes may precede a marker.
    while (pos < data.length && data[pos] === 0xff) pos++;
    if (pos >= data.length) return undefined;
    const marker = data[pos++];
    // Markers without a length: TEM and the restart markers.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (marker === EOI || pos + 2 > data.length) return undefined;
    const length = view.getUint16(pos);
    if (length < 2 || pos + length > data.length) return undefined;
    const segment = pos + 2;
    const end = pos + length;
    if (marker === SOS) return frame ? { ...frame, orientation } : undefined;
    if (isFrameHeader(marker)) {
      if (frame || length < 8) return undefined;
      const height = view.getUint16(segment + 1);
      const width = view.getUint16(segment + 3);
      const components = data[segment + 5];
      if (width === 0 || height === 0 || components === 0) return undefined;
      frame = { width, height, components };
    } else if (marker === APP1 && startsWith(data, segment, end, EXIF_ID)) {
      exifBlocks++;
      const found = exifOrientation(view, segment + EXIF_ID.length, end);
      if (exifBlocks > 1 || found === null) return undefined;
      orientation = found ?? 1;
    }
    pos = end;
  }
  return undefined;
}

/** SOF0-SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range. */
function isFrameHeader(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function startsWith(data: Uint8Array, from: number, end: number, text: string): boolean {
  if (from + text.length > end) return false;
  for (let i = 0; i < text.length; i++) if (data[from + i] !== text.charCodeAt(i)) return false;
  return true;
}

/**
 * The orientation tag of IFD0 in the TIFF structure from `tiff` to `end`: a value 1-8, undefined when
 * there is none, null when the structure is damaged or the value is one libvips might read differently.
 */
function exifOrientation(view: DataView, tiff: number, end: number): number | undefined | null {
  const structure = readTiff(new DataView(view.buffer, view.byteOffset + tiff, Math.max(0, end - tiff)));
  if (!structure) return null;
  const { entries, whole } = ifdEntries(structure, structure.ifd0, Infinity);
  if (!whole) return null;
  const entry = entries.find((e) => e.tag === ORIENTATION_TAG);
  if (!entry) return undefined;
  // SHORT, one value, stored in the entry itself.
  if (entry.type !== 3 || entry.count !== 1) return null;
  const value = structure.view.getUint16(entry.at + 8, structure.little);
  return value >= 1 && value <= 8 ? value : null;
}
