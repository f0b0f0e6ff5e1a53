import { constants, deflateRawSync, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { WorkerPool, type WorkerPoolOptions } from '../../src/imaging/worker-pool.js';

/** Synthetic test images, made with sharp in the test process (not in the pool under test). */

export function solid(width = 64, height = 48, channels: 3 | 4 = 3): sharp.Sharp {
  return sharp({ create: { width, height, channels, background: channels === 4 ? { r: 200, g: 40, b: 40, alpha: 0.5 } : '#c82828' } });
}

export function noise(width: number, height: number): sharp.Sharp {
  return sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } });
}

/** A small SVG; librsvg renders it at its declared size. */
export const SVG = Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect width="40" height="30" fill="#08f"/></svg>');

/**
 * A decompression bomb in miniature: a PNG whose header declares width x height but whose data holds
 * only the first few rows (zeros deflate ~1000:1; the whole bomb would be a slow test to build). The
 * pool must refuse it from the header alone, before decoding anything.
 */
export function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  const rows = deflateSync(Buffer.alloc((width * 3 + 1) * 4), { level: 9 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', rows),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A valid PNG whose decode takes seconds from well under a megabyte: width x height of 16-bit RGBA
 * zeros (8 bytes a pixel to inflate and shrink; 10000x10000 is 800 MB of pixel data in 0.8 MB).
 * Built in milliseconds: a band of rows is deflated once, ending on a full flush so it neither needs
 * nor leaves history, and repeated; the zlib trailer's Adler-32 of n zeros is (n mod 65521) << 16 | 1.
 */
export function slowPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([16, 6, 0, 0, 0], 8); // 16-bit RGBA, deflate, no filter, no interlace
  const rowBytes = 1 + width * 8;
  const band = 100;
  if (height % band !== 0) throw new Error(`slowPng: height must be a multiple of ${band}`);
  const block = deflateRawSync(Buffer.alloc(rowBytes * band), { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE((((rowBytes * height) % 65521) * 65536 + 1) >>> 0);
  const data = Buffer.concat([Buffer.from([0x78, 0xda]), ...Array.from({ length: height / band }, () => block), Buffer.from([0x03, 0x00]), trailer]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', data),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const DEFAULT_POOL: WorkerPoolOptions = {
  threads: 2,
  maxConcurrentOperations: 2,
  maxQueue: 16,
  operationTimeoutMs: 60_000,
  maxInputPixels: 100_000_000,
  maxOutputDimension: 16_384,
};

export function createPool(overrides: Partial<WorkerPoolOptions> = {}): WorkerPool {
  return new WorkerPool({ ...DEFAULT_POOL, ...overrides });
}
