import { invalidImage } from '../errors/index.js';
import type { InputFormat } from './image-formats.js';

/**
 * Refuses JPEG, PNG, GIF and WebP data that stops before its format's end: libvips decodes what it has,
 * and whether its `failOn: 'truncated'` notices depends on where the data stops (a JPEG cut inside its
 * last scan was accepted under load). Each format's structure is walked in JavaScript, in microseconds,
 * to the end marker the format defines; bytes after it are accepted (cameras and editors append
 * padding and other data after a JPEG's end of image). Other formats are left to their decoders.
 */
export function checkComplete(data: Uint8Array, format: InputFormat, field: string): void {
  const missing = MISSING[format]?.(data);
  if (missing !== undefined) throw invalidImage(field, `truncated ${format}: expected ${missing}, received ${data.byteLength} bytes that end before it`);
}

const MISSING: Partial<Record<InputFormat, (data: Uint8Array) => string | undefined>> = {
  jpeg: jpegMissing,
  png: pngMissing,
  gif: gifMissing,
  webp: webpMissing,
};

const EOI = 0xd9;
const SOS = 0xda;

/** Segments to the first scan, then entropy-coded data and segments until EOI (FF D9). */
function jpegMissing(data: Uint8Array): string | undefined {
  const want = 'the end-of-image marker (FF D9) after the image data';
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let pos = 2;
  while (pos < data.length) {
    if (data[pos] !== 0xff) return want;
    while (pos < data.length && data[pos] === 0xff) pos++;
    if (pos >= data.length) return want;
    const marker = data[pos++];
    if (marker === EOI) return undefined;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (pos + 2 > data.length) return want;
    const end = pos + ((data[pos] << 8) | data[pos + 1]);
    if (end > data.length) return want;
    pos = end;
    if (marker !== SOS) continue;
    // Entropy-coded data: an FF in it is followed by 00 (stuffing) or a restart marker; anything else is
    // the next marker. Found with indexOf (memchr): a byte-by-byte loop in JavaScript cost about 1 ms
    // per MB of photo, on every request.
    for (;;) {
      pos = bytes.indexOf(0xff, pos);
      if (pos < 0 || pos + 1 >= data.length) return want;
      const next = data[pos + 1];
      if (next !== 0 && (next < 0xd0 || next > 0xd7)) break;
      pos += 2;
    }
  }
  return want;
}

/** Chunks (length, type, data, CRC) from the signature to IEND. */
function pngMissing(data: Uint8Array): string | undefined {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let pos = 8; pos + 12 <= data.length; ) {
    const length = view.getUint32(pos);
    const end = pos + 12 + length;
    if (end > data.length) break;
    if (data[pos + 4] === 0x49 && data[pos + 5] === 0x45 && data[pos + 6] === 0x4e && data[pos + 7] === 0x44) return undefined;
    pos = end;
  }
  return 'the IEND chunk after every chunk it declares';
}

/**
 * Header, colour table, then extension and image blocks (each a chain of sub-blocks) to the trailer
 * (3B). Data that ends right after a complete image, with only the trailer missing, is whole: some
 * encoders never write the trailer, and browsers and libvips show every frame of such a file.
 */
function gifMissing(data: Uint8Array): string | undefined {
  const want = 'the trailer (3B) after every block';
  let pos = 13;
  if (pos > data.length) return want;
  if (data[10] & 0x80) pos += 3 * 2 ** ((data[10] & 7) + 1);
  const subBlocks = (from: number) => {
    let at = from;
    while (at < data.length && data[at] !== 0) at += data[at] + 1;
    return at + 1;
  };
  let images = 0;
  while (pos < data.length) {
    const block = data[pos];
    if (block === 0x3b) return undefined;
    if (block === 0x21) pos = subBlocks(pos + 2);
    else if (block === 0x2c) {
      if (pos + 10 > data.length) return want;
      const flags = data[pos + 9];
      pos += 10 + (flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0);
      // The LZW minimum code size, then the image data's sub-blocks.
      pos = subBlocks(pos + 1);
      images++;
    } else return want;
  }
  return pos === data.length && images > 0 ? undefined : want;
}

/** The RIFF container's declared size, all of it present. */
function webpMissing(data: Uint8Array): string | undefined {
  if (data.length < 12) return 'a RIFF header';
  const declared = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(4, true) + 8;
  return data.length < declared ? `the ${declared} bytes its RIFF header declares` : undefined;
}
